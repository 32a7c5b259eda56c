"""tools/extract_features.py on one's own inputs and mistakes (issue 21)."""
import json

import numpy as np
import pytest
from av_files import face_frames, frames, tone, write_mp4, write_wav
from conftest import SMALL_RECOGNIZER, SYNTHETIC_FT_CONFIG
from tool_loader import load_tool

from hicmae.apis import exit_codes, extract_features, init_model

SMALL = [f'{k}={v}' for k, v in SMALL_RECOGNIZER.items()]


@pytest.fixture(scope='module')
def tool():
    return load_tool('extract_features.py')


@pytest.fixture(scope='module')
def media(tmp_path_factory):
    root = tmp_path_factory.mktemp('media')
    xs = np.linspace(40, 88, 40)
    face = write_mp4(root / 'face.mp4',
                     face_frames([(x, 48) for x in xs], face_width=36),
                     audio=tone(1.6))
    plain = write_mp4(root / 'plain.mp4', frames(40, size=64),
                      audio=tone(1.6))
    wav = write_wav(root / 'voice.wav', tone(1.0))
    return dict(root=root, face=str(face), plain=str(plain), wav=str(wav))


def _run(tool, checkpoint, out, *inputs, extra=()):
    return tool.main([*map(str, inputs), '--config', SYNTHETIC_FT_CONFIG,
                      '--checkpoint', checkpoint, '--out', str(out),
                      '--num-workers', '0', '--device', 'cpu', *extra,
                      '--cfg-options', *SMALL])


def test_raw_videos_are_face_cropped_by_default_like_inference(
        tool, checkpoint, media, tmp_path):
    out = tmp_path / 'f'
    assert _run(tool, checkpoint, out, media['face']) == exit_codes.OK
    model = init_model(SYNTHETIC_FT_CONFIG, checkpoint,
                       cfg_options=SMALL_RECOGNIZER)
    expected = extract_features(model, media['face'])['feature']
    np.testing.assert_allclose(np.load(out / 'feature.npy')[0], expected,
                               rtol=1e-5, atol=1e-5)
    assert json.loads((out / 'meta.json').read_text())['face_crop'] is True


def test_existing_out_needs_overwrite(tool, checkpoint, media, tmp_path,
                                      capsys):
    out = tmp_path / 'f'
    out.mkdir()
    (out / 'feature.npy').write_bytes(b'earlier')
    status = _run(tool, checkpoint, out, media['plain'],
                  extra=['--no-face-crop'])
    assert status == exit_codes.USAGE
    assert '--overwrite' in capsys.readouterr().err
    assert (out / 'feature.npy').read_bytes() == b'earlier'
    assert _run(tool, checkpoint, out, media['plain'],
                extra=['--no-face-crop', '--overwrite']) == exit_codes.OK
    assert np.load(out / 'feature.npy').shape[0] == 1


def test_some_and_all_failed_have_their_own_status(tool, checkpoint, media,
                                                   tmp_path, capsys):
    status = _run(tool, checkpoint, tmp_path / 'a', media['plain'],
                  media['wav'], extra=['--no-face-crop'])
    err = capsys.readouterr().err
    assert status == exit_codes.SOME_FAILED
    assert f'{media["wav"]}: skipped: an audio file: it has no video ' \
        'stream' in err
    meta = json.loads((tmp_path / 'a' / 'meta.json').read_text())
    assert meta['count'] == 1 and len(meta['failed']) == 1
    assert 'no video stream' in meta['failed'][0]['reason']
    status = _run(tool, checkpoint, tmp_path / 'b', media['wav'])
    assert status == exit_codes.NONE_WORKED


def test_model_that_cannot_load_is_one_line(tool, checkpoint, media,
                                            tmp_path, capsys):
    status = tool.main([media['plain'], '--config', SYNTHETIC_FT_CONFIG,
                        '--checkpoint', checkpoint, '--out',
                        str(tmp_path / 'o'), '--device', 'cpu'])
    err = capsys.readouterr().err
    assert status == exit_codes.SETUP_FAILED
    assert len(err.strip().splitlines()) == 1 and 'does not fit' in err


def test_help_shows_the_defaults(tool, capsys):
    with pytest.raises(SystemExit):
        tool.main(['--help'])
    text = ' '.join(capsys.readouterr().out.split())
    assert '(default: 8)' in text and 'list file' in text
    assert 'exit status' in text and '--overwrite' in text
