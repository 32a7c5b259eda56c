"""tools/inference.py on one's own inputs and mistakes (issue 21)."""
import json
import shutil

import pytest
import torch
from av_files import frames, tone, truncate, write_mp4, write_wav
from conftest import SMALL_RECOGNIZER, SYNTHETIC_FT_CONFIG
from tool_loader import load_tool

from hicmae.apis import exit_codes

PRETRAIN_CONFIG = SYNTHETIC_FT_CONFIG.replace('finetune', 'pretrain')
SMALL = [f'{k}={v}' for k, v in SMALL_RECOGNIZER.items()]


@pytest.fixture(scope='module')
def tool():
    return load_tool('inference.py')


@pytest.fixture(scope='module')
def media(tmp_path_factory):
    root = tmp_path_factory.mktemp('media')
    videos = root / 'videos'
    a = write_mp4(videos / 'a.mp4', frames(40, size=64), audio=tone(1.6))
    write_mp4(videos / 'b.mp4', frames(40, size=64, seed=2),
              audio=tone(1.6, freq=330))
    (videos / 'notes.txt').write_text('not a clip')
    noext = root / 'clip_without_extension'
    shutil.copy(a, noext)
    wav = write_wav(root / 'voice.wav', tone(1.0))
    short = write_mp4(root / 'short.mp4', frames(3, size=64),
                      audio=tone(0.12))
    broken = truncate(a, root / 'broken.mp4', keep=0.2)
    return dict(root=root, videos=videos, a=str(a), noext=str(noext),
                wav=str(wav), short=str(short), broken=str(broken))


def _run(tool, checkpoint, *inputs, config=SYNTHETIC_FT_CONFIG, extra=()):
    return tool.main([*map(str, inputs), '--config', config, '--checkpoint',
                      checkpoint, '--no-face-crop', '--device', 'cpu',
                      *extra, '--cfg-options', *SMALL])


def _no_model(monkeypatch, tool):
    def built(*args, **kwargs):
        raise AssertionError('the model was loaded')
    monkeypatch.setattr(tool, 'init_model', built)


def test_out_into_missing_folder_stops_before_any_work(
        tool, checkpoint, media, monkeypatch, capsys):
    _no_model(monkeypatch, tool)
    out = media['root'] / 'nowhere' / 'r.json'
    status = _run(tool, checkpoint, media['a'], extra=['--out', str(out)])
    assert status == exit_codes.USAGE
    err = capsys.readouterr().err
    assert 'does not exist' in err and 'nowhere' in err


def test_skipped_clips_are_in_the_json_and_the_status(tool, checkpoint,
                                                      media, tmp_path,
                                                      capsys):
    out = tmp_path / 'r.json'
    missing = str(tmp_path / 'missing.mp4')
    status = _run(tool, checkpoint, media['a'], missing,
                  extra=['--out', str(out)])
    assert status == exit_codes.SOME_FAILED
    results = json.loads(out.read_text())
    assert 'file not found' in results[missing]['skipped']
    assert 'scores' in results[media['a']]
    status = _run(tool, checkpoint, missing, extra=['--out', str(out)])
    assert status == exit_codes.NONE_WORKED
    assert list(json.loads(out.read_text())) == [missing]


def test_a_folder_and_a_glob_expand_to_their_videos(tool, checkpoint, media,
                                                    tmp_path, capsys):
    out = tmp_path / 'r.json'
    assert _run(tool, checkpoint, media['videos'],
                extra=['--out', str(out)]) == exit_codes.OK
    names = sorted(p.rsplit('/', 1)[1] for p in json.loads(out.read_text()))
    assert names == ['a.mp4', 'b.mp4']
    assert _run(tool, checkpoint, str(media['videos'] / '*.mp4'),
                extra=['--out', str(out)]) == exit_codes.OK
    assert len(json.loads(out.read_text())) == 2


def test_video_without_extension_is_probed_by_content(tool, checkpoint,
                                                      media, tmp_path,
                                                      capsys):
    out = tmp_path / 'r.json'
    assert _run(tool, checkpoint, media['noext'],
                extra=['--out', str(out)]) == exit_codes.OK
    assert 'scores' in json.loads(out.read_text())[media['noext']]


def test_audio_file_says_it_has_no_video_stream(tool, checkpoint, media,
                                                capsys):
    status = _run(tool, checkpoint, media['wav'])
    err = capsys.readouterr().err
    assert status == exit_codes.NONE_WORKED
    assert 'no video stream' in err
    assert 'DECORD' not in err and '.cc:' not in err


def test_too_short_clip_is_flagged_as_padded(tool, checkpoint, media,
                                             tmp_path, capsys):
    out = tmp_path / 'r.json'
    assert _run(tool, checkpoint, media['short'],
                extra=['--out', str(out)]) == exit_codes.OK
    assert 'padded from 3 frames' in capsys.readouterr().out
    assert json.loads(out.read_text())[media['short']]['padded_from'] == 3


def test_corrupt_file_message_has_no_library_paths(tool, checkpoint, media,
                                                   capsys):
    from hicmae.datasets import BadSampleError
    from hicmae.datasets.transforms.video_loading import DecordVideoReader
    _run(tool, checkpoint, media['broken'])
    err = capsys.readouterr().err
    assert media['broken'] in err
    assert '/github/' not in err and '.cc:' not in err
    # decord's own message names its build tree and a timestamp
    with pytest.raises(BadSampleError) as info:
        DecordVideoReader(media['wav'])
    reason = info.value.reason
    assert 'cannot find video stream' in reason
    assert '/github/' not in reason and '.cc:' not in reason


def test_cuda_without_gpu_names_the_device(tool, checkpoint, media,
                                           monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    _no_model(monkeypatch, tool)
    status = tool.main([media['a'], '--config', SYNTHETIC_FT_CONFIG,
                        '--checkpoint', checkpoint, '--device', 'cuda'])
    err = capsys.readouterr().err
    assert status == exit_codes.USAGE
    assert 'no CUDA GPU' in err and checkpoint not in err


def test_finetuned_checkpoint_with_pretraining_config(tool, checkpoint,
                                                      media, capsys):
    status = tool.main([media['a'], '--config', PRETRAIN_CONFIG,
                        '--checkpoint', checkpoint, '--device', 'cpu'])
    err = capsys.readouterr().err
    assert status == exit_codes.SETUP_FAILED
    assert 'is a fine-tuned checkpoint' in err
    assert 'pre-training config' in err and 'fine-tune it first' not in err
    assert len(err.strip().splitlines()) == 1


def test_synthetic_checkpoint_gets_a_note(tool, checkpoint, media, tmp_path,
                                          capsys):
    state = torch.load(checkpoint, weights_only=True)
    meta = dict(cfg="data_root = 'data/synthetic'\n")
    path = tmp_path / 'synthetic.pth'
    torch.save(dict(state, meta=meta), path)
    assert _run(tool, str(path), media['a']) == exit_codes.OK
    err = capsys.readouterr().err
    assert 'synthetic set' in err and 'convert_official_ckpt.py' in err
    assert _run(tool, checkpoint, media['a']) == exit_codes.OK
    assert 'synthetic set' not in capsys.readouterr().err


def test_unknown_cfg_option_is_one_line(tool, checkpoint, media, capsys):
    status = tool.main([media['a'], '--config', SYNTHETIC_FT_CONFIG,
                        '--checkpoint', checkpoint, '--device', 'cpu',
                        '--cfg-options', 'model.head.num_clases=3'])
    err = capsys.readouterr().err
    assert status == exit_codes.SETUP_FAILED
    assert '`num_classes`' in err and len(err.strip().splitlines()) == 1


def test_help_shows_defaults_and_positionals(tool, capsys):
    with pytest.raises(SystemExit):
        tool.main(['--help'])
    text = ' '.join(capsys.readouterr().out.split())
    assert 'glob patterns' in text and 'exit status' in text
