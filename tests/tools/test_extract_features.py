"""tools/extract_features.py and hicmae.apis.feature_extraction on
generated clips: rows and shapes, equality with the one-clip API, broken
files, hidden states, and a 2-process gloo run."""
import csv
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from av_files import face_frames, tone, touch_empty, write_mp4
from conftest import SMALL_RECOGNIZER, SYNTHETIC_FT_CONFIG
from mmengine.dataset import default_collate

from hicmae.apis import extract_features, init_model
from hicmae.apis.feature_extraction import (clip_views, dataset_from_config,
                                            dataset_from_files,
                                            extract_dataset_features)

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG, SMALL = SYNTHETIC_FT_CONFIG, SMALL_RECOGNIZER
ENV = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
           PYTHON=sys.executable)


@pytest.fixture(scope='module')
def listing(synthetic, tmp_path_factory):
    """A list of mp4 and frame-folder clips (paths relative to data_root)
    with an empty and a non-video file among them."""
    tmp = tmp_path_factory.mktemp('list')
    zero = touch_empty(tmp / 'zero.mp4')
    text = tmp / 'text.mp4'
    text.write_text('not a video\n' * 50)
    videos = (synthetic / 'lists/test_video.txt').read_text().splitlines()
    folders = (synthetic / 'lists/test.txt').read_text().splitlines()
    lines = (videos[:3] + [f'{zero} {zero} 1'] + folders[:2] + videos[3:5]
             + [f'{text} {text} 2'])
    path = tmp / 'clips.txt'
    path.write_text('\n'.join(lines) + '\n')
    return path, str(zero), str(text)


def _options(synthetic) -> list:
    return [f'{k}={v}' for k, v in SMALL.items()] + \
        [f'test_dataloader.dataset.data_root={synthetic}']


def _extract(args, out, synthetic, checkpoint, launch=None, code=0):
    """Run the tool; ``code``: the expected exit status (3 when some
    clips failed, see hicmae.apis.exit_codes)."""
    cmd = [sys.executable, 'tools/extract_features.py']
    env = ENV
    if launch:  # processes under torchrun, the repository's way
        cmd = ['bash', 'tools/dist_launch.sh', str(launch),
               'tools/extract_features.py']
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            env = dict(ENV, PORT=str(s.getsockname()[1]))
    proc = subprocess.run(
        cmd + [*args, '--config', CONFIG, '--checkpoint', checkpoint,
               '--out', str(out), '--cfg-options', *_options(synthetic)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == code, \
        f'rc={proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'
    return proc


def _load(out: Path) -> tuple:
    arrays = {p.stem: np.load(p) for p in sorted(out.glob('*.npy'))}
    with open(out / 'index.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    return arrays, rows, json.loads((out / 'meta.json').read_text())


def _api(model, video: str, audio: str) -> dict:
    # the synthetic clips have no face the detector would find
    return extract_features(model, video, audio or None, face_crop=False)


@pytest.fixture(scope='module')
def single(listing, synthetic, checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp('single')
    proc = _extract([str(listing[0]), '--batch-size', '3',
                     '--num-workers', '1', '--all-layers'], out, synthetic,
                    checkpoint, code=3)
    return out, proc


def test_list_rows_match_the_one_clip_api(single, listing, synthetic,
                                          checkpoint):
    out, _ = single
    arrays, rows, meta = _load(out)
    assert meta['count'] == len(rows) == 7
    assert arrays['feature'].shape == (7, 2 * (256 + 256))
    assert arrays['video_layers'].shape == (7, 2, 256)
    assert arrays['audio_layers'].shape == (7, 2, 256)
    assert arrays['fused_video'].shape == arrays['fused_audio'].shape \
        == (7, 256)
    assert arrays['all_layers_video'].shape == (7, 3, 256)
    assert arrays['all_layers_fused_audio'].shape == (7, 2, 256)
    assert meta['shapes']['feature'] == [7, 1024]
    assert meta['classes'][0] == 'neutral'
    # rows follow the list, paths resolved against data_root
    assert [r['row'] for r in rows] == [str(i) for i in range(7)]
    assert rows[0]['video'] == str(synthetic / 'videos/test/s08_c0_0002.mp4')
    assert rows[3]['video'].startswith(str(synthetic / 'frames'))
    assert rows[3]['audio'].endswith('.wav')
    assert [r['label'] for r in rows] == ['0', '1', '2', '0', '1', '3', '4']
    model = init_model(CONFIG, checkpoint, cfg_options=SMALL)
    for row in rows:
        expected = _api(model, row['video'], row['audio'])
        i = int(row['row'])
        for key, value in expected.items():
            np.testing.assert_allclose(arrays[key][i], value, rtol=1e-5,
                                       atol=1e-5, err_msg=f'{key} row {i}')
    assert not np.allclose(arrays['feature'][0], arrays['feature'][1])


def test_broken_files_are_reported_and_skipped(single, listing):
    out, proc = single
    _, rows, meta = _load(out)
    _, zero, text = listing
    failed = {item['file']: item for item in meta['failed']}
    assert set(failed) == {zero, text}
    assert failed[zero]['reason'].startswith('empty file')
    assert failed[zero]['index'] == 3
    assert failed[text]['index'] == 8
    assert f'{zero}: skipped: empty file' in proc.stderr
    assert f'{text}: skipped:' in proc.stderr
    assert not any(r['video'] in (zero, text) for r in rows)
    assert not list(out.glob('.*.tmp'))  # temporary files renamed


@pytest.mark.slow
def test_two_processes_write_the_same_files(single, listing, synthetic,
                                            checkpoint, tmp_path):
    one, _ = single
    two = tmp_path / 'two'
    _extract([str(listing[0]), '--batch-size', '2', '--num-workers',
                     '0', '--all-layers'], two, synthetic, checkpoint,
                    launch=2, code=1)
    # (the ranks' gloo log lines interleave: world_size below proves it)
    # rank 0 exits 3 (some clips failed): torchrun's own status is then 1
    arrays1, rows1, meta1 = _load(one)
    arrays2, rows2, meta2 = _load(two)
    assert meta2['world_size'] == 2 and meta1['world_size'] == 1
    assert rows2 == rows1
    assert meta2['failed'] == meta1['failed']
    assert meta2['shapes'] == meta1['shapes']
    assert sorted(arrays2) == sorted(arrays1)
    for key, value in arrays1.items():
        np.testing.assert_allclose(arrays2[key], value, rtol=1e-5,
                                   atol=1e-6, err_msg=key)


def test_frame_folder_gets_its_wav_and_video_its_own_track(
        synthetic, checkpoint, tmp_path):
    folder = synthetic / 'frames/test/s08_c2_0002'
    wav = synthetic / 'audio/test/s08_c2_0002.wav'
    mp4 = synthetic / 'videos/test/s08_c4_0002.mp4'
    out = tmp_path / 'files'
    # the synthetic clips have no face the detector would find
    _extract([str(mp4), str(folder), '--audio', str(wav), '--num-workers',
              '0', '--no-face-crop'], out, synthetic, checkpoint)
    arrays, rows, _ = _load(out)
    assert [(r['video'], r['audio'], r['label']) for r in rows] == [
        (str(mp4), '', ''), (str(folder), str(wav), '')]
    model = init_model(CONFIG, checkpoint, cfg_options=SMALL)
    np.testing.assert_allclose(arrays['feature'][0],
                               _api(model, str(mp4), '')['feature'],
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(arrays['feature'][1],
                               _api(model, str(folder), str(wav))['feature'],
                               rtol=1e-5, atol=1e-5)
    assert 'all_layers_video' not in arrays


def test_all_layers_are_the_encoders_hidden_states(synthetic, checkpoint):
    model = init_model(CONFIG, checkpoint, cfg_options=SMALL)
    mp4 = str(synthetic / 'videos/test/s08_c1_0002.mp4')
    dataset = dataset_from_files(model.cfg, [mp4])
    result = extract_dataset_features(model, dataset, batch_size=1,
                                      num_workers=0, all_layers=True,
                                      progress=False)
    views = default_collate([dataset.prepare_data(i)
                             for i in range(len(dataset))])
    inputs = model.data_preprocessor(views, False)['inputs']
    with torch.no_grad():
        for name in ('video', 'audio'):
            encoder = getattr(model, f'{name}_encoder')
            blocks = encoder.forward_all_layers(inputs[name])
            expected = torch.stack([b.mean(1) for b in blocks], 1).mean(0)
            got = result.arrays[f'all_layers_{name}'][0]
            assert got.shape == (3, 256)
            np.testing.assert_allclose(got[1:], expected.numpy(), rtol=1e-5,
                                       atol=1e-5)
            embed = encoder.patch_embed(inputs[name]) + encoder.pos_embed
            np.testing.assert_allclose(got[0], embed.mean(1).mean(0),
                                       rtol=1e-5, atol=1e-5)
            # the hooks are gone once extraction ends
            assert not encoder.blocks[0]._forward_hooks


def test_split_dataset_uses_the_test_pipeline_and_views(synthetic,
                                                        checkpoint):
    model = init_model(CONFIG, checkpoint, cfg_options=dict(
        SMALL, **{'train_dataloader.dataset.data_root': str(synthetic)}))
    dataset, dropped = dataset_from_config(model.cfg, 'train')
    lines = (synthetic / 'lists/train.txt').read_text().splitlines()
    groups = clip_views(dataset)
    assert dropped == []
    assert len(groups) == len(lines) and len(dataset) == 2 * len(lines)
    assert all(len(g) == 2 for g in groups)
    types = [type(t).__name__ for t in dataset.pipeline.transforms]
    assert 'RandomResizedCrop' not in types and 'Flip' not in types
    assert 'SpatialViewCrop' in types
    first = dataset.get_data_info(groups[1][1])
    assert first['video_idx'] == 1 and first['temporal_view'] == 1
    assert first['filename'].startswith(str(synthetic))


def test_face_crop_option_matches_the_one_clip_api(synthetic, checkpoint,
                                                   tmp_path):
    """--face-crop crops raw videos as hicmae.apis does by default."""
    xs = np.linspace(40, 88, 64)
    mp4 = write_mp4(tmp_path / 'face.mp4',
                    face_frames([(x, 48) for x in xs], face_width=36),
                    audio=tone(2.6))
    out, plain = tmp_path / 'crop', tmp_path / 'plain'
    _extract([str(mp4), '--face-crop', '--num-workers', '0'], out,
             synthetic, checkpoint)
    _extract([str(mp4), '--num-workers', '0', '--no-face-crop'], plain,
             synthetic, checkpoint)
    cropped = _load(out)[0]['feature'][0]
    model = init_model(CONFIG, checkpoint, cfg_options=SMALL)
    np.testing.assert_allclose(
        cropped, extract_features(model, str(mp4))['feature'],
        rtol=1e-5, atol=1e-5)
    assert not np.allclose(cropped, _load(plain)[0]['feature'][0],
                           atol=1e-4)
