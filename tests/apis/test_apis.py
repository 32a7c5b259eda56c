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
from mmengine.dataset import default_collate

from hicmae.apis import (extract_features, inference_recognizer, init_model,
                         top_k)
from hicmae.apis.inference import clip_batch
from hicmae.datasets import BadSampleError
from hicmae.face import FaceBoxes, FaceDetector

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG, SMALL = SYNTHETIC_FT_CONFIG, SMALL_RECOGNIZER


@pytest.fixture(scope='module')
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp('clips')
    mp4 = write_mp4(root / 'a.mp4', frames(60, size=80), audio=tone(2.4))
    folder = write_frame_folder(root / 'b', frames(60, size=80, seed=2))
    wav = write_wav(root / 'b.wav', tone(2.4, freq=300))
    wide = write_mp4(root / 'wide.mp4', np.concatenate(
        [frames(60, size=80), frames(60, size=80, seed=3)], axis=2),
        audio=tone(2.4))
    return str(mp4), str(folder), str(wav), str(wide)


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
    # some clips skipped: exit status 3 (hicmae.apis.exit_codes)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert f'{missing}: skipped: file not found' in proc.stderr
    results = json.loads(out.read_text())
    assert set(results) == {clips[0], missing, clips[1]}
    assert 'file not found' in results[missing]['skipped']
    assert abs(sum(results[clips[0]]['scores'].values()) - 1) < 1e-5


# -- one code path, decoded once -------------------------------------------

def four_views(model):
    """The model's test views made 2 temporal x 2 spatial."""
    test = model.cfg.test_dataloader.dataset
    test.num_views = (2, 2)
    for step in test.pipeline:
        if step['type'] == 'SpatialViewCrop':
            step['num_crops'] = 2
    return model


def test_inference_is_the_mean_of_its_views_predictions(checkpoint, clips):
    """Each view made on its own by the plain per-view pipeline (a decode
    per view), predicted, then averaged: the same as the one-clip API,
    which decodes once and drops the duplicate spatial view of square
    frames."""
    from hicmae.apis.feature_extraction import dataset_from_files
    model = four_views(init_model(CONFIG, checkpoint, cfg_options=SMALL))
    views = dataset_from_files(model.cfg, [clips[3]])
    assert len(views) == 4  # 2 temporal x 2 spatial
    probs = []
    with torch.no_grad():
        for i in range(len(views)):
            batch = model.data_preprocessor(
                default_collate([views.prepare_data(i)]), False)
            probs.append(model.predict(**batch)[0].pred_score)
    expected = torch.stack(probs).mean(0).numpy()
    assert not np.allclose(probs[0].numpy(), probs[1].numpy(), atol=1e-4) \
        or not np.allclose(probs[0].numpy(), probs[2].numpy(), atol=1e-4)
    result = inference_recognizer(model, clips[3], face_crop=False)
    np.testing.assert_allclose(result['scores'], expected, rtol=1e-5,
                               atol=1e-6)


class CountingDetector(FaceDetector):
    """A face in the middle of every frame; counts its calls (in the class:
    the pipeline works on a copy of the instance)."""
    calls = 0

    def detect(self, frame):
        CountingDetector.calls += 1
        h, w = frame.shape[:2]
        box = [w / 4, h / 4, 3 * w / 4, 3 * h / 4]
        return FaceBoxes(np.array([box], np.float32),
                         np.ones(1, np.float32))


def test_a_clip_is_decoded_and_searched_once(checkpoint, clips,
                                             monkeypatch):
    from hicmae.datasets.transforms.video_loading import DecodeFrames
    model = init_model(CONFIG, checkpoint, cfg_options=SMALL)
    decoded = []
    original = DecodeFrames.transform

    def counting(self, results):
        decoded.append(len(results['frame_inds']))
        return original(self, results)

    monkeypatch.setattr(DecodeFrames, 'transform', counting)
    model = four_views(model)
    detector = CountingDetector()
    CountingDetector.calls = 0
    batch = clip_batch(model, clips[0], face_crop=dict(detector=detector))
    assert len(decoded) == 1  # one decode for all 4 views
    # each distinct frame searched once
    assert CountingDetector.calls == decoded[0]
    assert decoded[0] <= 2 * 16
    # square face crops: the two spatial views are one
    assert batch['inputs']['video'].shape[0] == 2
    inference_recognizer(model, clips[0], face_crop=dict(detector=detector))
    assert len(decoded) == 2


# -- GPU by default --------------------------------------------------------

def test_gpu_is_the_default_device_when_there_is_one(monkeypatch, checkpoint):
    import hicmae.apis.inference as api
    moved = []
    monkeypatch.setattr(torch.nn.Module, 'to',
                        lambda self, device: moved.append(device) or self)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    assert api.default_device() == 'cuda'
    init_model(CONFIG, checkpoint, cfg_options=SMALL)
    init_model(CONFIG, checkpoint, 'cpu', cfg_options=SMALL)
    assert moved == ['cuda', 'cpu']
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    init_model(CONFIG, checkpoint, cfg_options=SMALL)
    assert moved[-1] == 'cpu'


def test_tools_default_to_the_gpu(monkeypatch):
    sys.path.insert(0, str(REPO_ROOT / 'tools'))
    try:
        import extract_features as tool_x
        import inference as tool_i
    finally:
        sys.path.pop(0)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    assert tool_x.setup_launcher('none', None) == 'cuda'
    assert tool_x.setup_launcher('none', 'cpu') == 'cpu'
    joined = []
    monkeypatch.setattr(tool_x, 'init_dist',
                        lambda launcher, backend: joined.append(backend))
    monkeypatch.setattr(torch.cuda, 'current_device', lambda: 1)
    assert tool_x.setup_launcher('pytorch', None) == 'cuda:1'
    assert joined == ['nccl']
    seen = []

    def fake_init(config, ckpt, device, options):
        seen.append(device)
        raise RuntimeError('stop here')

    monkeypatch.setattr(tool_i, 'init_model', fake_init)
    args = ['x.mp4', '--config', CONFIG, '--checkpoint', CONFIG]
    assert tool_i.main(args) == 1
    assert tool_i.main(args + ['--device', 'cpu']) == 1
    assert seen == ['cuda', 'cpu']


# -- tools/inference.py: one line per problem ------------------------------

def _run_tool(capsys, *args):
    sys.path.insert(0, str(REPO_ROOT / 'tools'))
    try:
        import inference as tool
    finally:
        sys.path.pop(0)
    code = tool.main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_tool_errors_are_one_line(checkpoint, clips, tmp_path, capsys):
    small = ['--cfg-options', *(f'{k}={v}' for k, v in SMALL.items())]
    base = [clips[0], '--config', CONFIG, '--no-face-crop']
    missing = tmp_path / 'missing.pth'
    code, _, err = _run_tool(capsys, *base, '--checkpoint', missing, *small)
    assert code == 1 and f'checkpoint not found: {missing}' in _one_line(err)
    corrupt = tmp_path / 'corrupt.pth'
    corrupt.write_bytes(b'not a checkpoint at all')
    code, _, err = _run_tool(capsys, *base, '--checkpoint', corrupt, *small)
    assert code == 1 and str(corrupt) in _one_line(err)
    # class count: 6 in the checkpoint, 4 in the config
    code, _, err = _run_tool(capsys, *base, '--checkpoint', checkpoint,
                             *small, 'model.head.num_classes=4')
    line = _one_line(err)
    assert code == 1 and 'another shape' in line and 'head.fc' in line
    # model size: a deeper video encoder than the checkpoint's
    code, _, err = _run_tool(capsys, *base, '--checkpoint', checkpoint,
                             '--cfg-options', 'model.video_encoder.depth=3',
                             'model.audio_encoder.depth=2')
    line = _one_line(err)
    assert code == 1 and 'does not fit' in line
    assert 'head.video_layer_weights (2,) in the checkpoint, (3,)' in line
    code, _, err = _run_tool(capsys, *base, '--checkpoint', checkpoint,
                             '--audio', clips[2], clips[2], *small)
    assert code == 2 and '1 videos but 2 --audio' in _one_line(err)
    for k in (0, 7):
        code, _, err = _run_tool(capsys, *base, '--checkpoint', checkpoint,
                                 '--topk', k, *small)
        assert code == 2
        assert f'--topk {k} is out of range' in _one_line(err)
        assert '6 classes' in err


def test_tool_frame_folder_without_audio(checkpoint, clips, capsys):
    small = ['--cfg-options', *(f'{k}={v}' for k, v in SMALL.items())]
    code, _, err = _run_tool(capsys, clips[1], '--config', CONFIG,
                             '--checkpoint', checkpoint, *small)
    lines = err.strip().splitlines()
    # no clip could be used: exit status 4 (hicmae.apis.exit_codes)
    assert code == 4 and len(lines) == 2
    assert lines[0].startswith(f'{clips[1]}: skipped: a frame folder has '
                               'no audio track')
    assert 'none of the 1 clips could be used' in lines[1]


def test_tool_regression_model(checkpoint, clips, tmp_path, capsys):
    cfg = tmp_path / 'reg.py'
    cfg.write_text(f"_base_ = [{CONFIG!r}]\n"
                   "model = dict(head=dict(_delete_=True, type='HFFRegHead',"
                   " num_targets=2))\n")
    torch.manual_seed(0)
    model = init_model(str(cfg), None, cfg_options=SMALL)
    ckpt = tmp_path / 'reg.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    small = ['--cfg-options', *(f'{k}={v}' for k, v in SMALL.items())]
    args = [clips[0], '--config', cfg, '--checkpoint', ckpt,
            '--no-face-crop', *small]
    code, _, err = _run_tool(capsys, *args, '--topk', 2)
    assert code == 2 and 'is a regression model' in _one_line(err)
    code, out, err = _run_tool(capsys, *args)
    assert code == 0 and err == ''
    values = [float(v) for v in out.split(':')[-1].split(',')]
    assert len(values) == 2
    with pytest.raises(ValueError, match='regression'):
        top_k(dict(values=np.zeros(2)))
