"""hicmae.apis and tools/inference.py on generated clips."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from av_files import frames, tone, write_frame_folder, write_mp4, write_wav
from conftest import SMALL_RECOGNIZER, SYNTHETIC_FT_CONFIG
from hicmae.apis import extract_features, inference_recognizer, init_model
from hicmae.datasets import BadSampleError

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG, SMALL = SYNTHETIC_FT_CONFIG, SMALL_RECOGNIZER


@pytest.fixture(scope='module')
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp('clips')
    mp4 = write_mp4(root / 'a.mp4', frames(60, size=80), audio=tone(2.4))
    folder = write_frame_folder(root / 'b', frames(60, size=80, seed=2))
    wav = write_wav(root / 'b.wav', tone(2.4, freq=300))
    return str(mp4), str(folder), str(wav)


def test_inference_returns_averaged_probabilities(checkpoint, clips):
    model = init_model(CONFIG, checkpoint, cfg_options=SMALL)
    result = inference_recognizer(model, clips[0], face_crop=False)
    assert result['scores'].shape == (6, )
    assert np.isclose(result['scores'].sum(), 1.0, atol=1e-5)
    assert result['classes'][0] == 'neutral'
    assert result['label'] == int(np.argmax(result['scores']))
    folder = inference_recognizer(model, clips[1], clips[2])
    assert not np.allclose(folder['scores'], result['scores'])


def test_features_have_the_documented_shapes(checkpoint, clips):
    model = init_model(CONFIG, checkpoint, cfg_options=SMALL)
    feats = extract_features(model, clips[0], face_crop=False)
    assert feats['feature'].shape == (2 * (256 + 256), )
    assert feats['video_layers'].shape == (2, 256)
    assert feats['fused_audio'].shape == (256, )


def test_unusable_input_and_wrong_checkpoint_are_clear(checkpoint,
                                                       tmp_path):
    model = init_model(CONFIG, checkpoint, cfg_options=SMALL)
    with pytest.raises(BadSampleError, match='file not found'):
        inference_recognizer(model, str(tmp_path / 'none.mp4'))
    pre = tmp_path / 'pre.pth'
    torch.save({'state_dict': {'video_encoder.norm.weight':
                               torch.ones(256)}}, pre)
    with pytest.raises(ValueError, match='does not fit'):
        init_model(CONFIG, str(pre), cfg_options=SMALL)


def test_tool_reports_each_clip_and_goes_on(checkpoint, clips, tmp_path):
    out = tmp_path / 'r.json'
    missing = str(tmp_path / 'missing.mp4')
    proc = subprocess.run(
        [sys.executable, 'tools/inference.py', clips[0], missing, clips[1],
         '--audio', clips[0], clips[0], clips[2], '--config', CONFIG,
         '--checkpoint', checkpoint, '--out', str(out), '--topk', '2',
         '--no-face-crop', '--cfg-options',
         *(f'{k}={v}' for k, v in SMALL.items())],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f'{missing}: skipped: file not found' in proc.stderr
    results = json.loads(out.read_text())
    assert set(results) == {clips[0], clips[1]}
    assert abs(sum(results[clips[0]]['scores'].values()) - 1) < 1e-5
