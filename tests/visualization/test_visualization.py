"""Pictures: reconstruction grids (and the maths behind them), confusion
matrices, t-SNE, curves, the AVVisualizer, the reconstruction hook in a
short training run, and the tools in tools/analysis/."""
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

from hicmae.engine.hooks import ReconstructionVisHook
from hicmae.models.masking import RandomMaskGenerator
from hicmae.registry import VISUALIZERS
from hicmae.structures import AVDataSample
from hicmae.visualization import (draw_confusion_matrix, draw_curves,
                                  draw_reconstruction, draw_tsne, find_scalars,
                                  load_scalars, reconstruction_panels,
                                  row_normalise, tsne_embedding)
from hicmae.visualization.curves import split_curves
from hicmae.visualization.figure import expected_shape
from hicmae.visualization.patches import fill_hidden, patchify, unpatchify
from hicmae.visualization.reconstruction import frame_indices, video_rgb

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY = REPO_ROOT / 'configs/hicmae/hicmae_tiny_synthetic_tensor.py'
FINETUNE = REPO_ROOT / 'configs/hicmae/hicmae_tiny_synthetic_finetune.py'
SHORT = ['train_cfg.max_epochs=1', 'train_dataloader.dataset.num_samples=8',
         'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
         'train_dataloader.persistent_workers=False',
         'default_hooks.logger.interval=1']


def _distinct_colours(image: np.ndarray) -> int:
    return len(np.unique(image.reshape(-1, 3), axis=0))


def _run(*cmd, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS='2', PYTHONWARNINGS='ignore')
    return subprocess.run([sys.executable, *map(str, cmd)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env=env)


def _ok(proc):
    assert proc.returncode == 0, \
        f'rc={proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'


def _png(path) -> np.ndarray:
    image = cv2.imread(str(path))
    assert image is not None, f'{path} is not a readable image'
    return image


# ---------------------------------------------------------------- maths

@pytest.mark.parametrize('shape, patch', [((2, 3, 4, 32, 48), (2, 16, 16)),
                                          ((2, 1, 48, 32), (16, 16))])
def test_unpatchify_inverts_patchify(shape, patch):
    x = torch.randn(shape)
    assert torch.equal(unpatchify(patchify(x, patch), patch, shape[2:]), x)


@pytest.fixture(scope='module')
def tiny_outputs():
    """``HiCMAE.reconstruct`` of a tiny model on a 2-clip batch."""
    from conftest import tiny_batch, tiny_model_cfg

    from hicmae.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg())
    data = model.data_preprocessor(tiny_batch(2), training=False)
    return model, data, model.reconstruct(data['inputs'],
                                          data['data_samples'])


def test_reconstruct_exposes_the_loss_path_quantities(tiny_outputs):
    model, data, out = tiny_outputs
    video, audio = data['inputs']['video'], data['inputs']['audio']
    masks = [torch.stack([s.get(k) for s in data['data_samples']])
             for k in ('video_mask', 'audio_mask')]
    with torch.no_grad():
        ref = model.forward_outputs(video, audio, *masks)
    assert set(out) == {'video', 'audio'}
    v, a = out['video'], out['audio']
    assert torch.equal(v['mask'], masks[0]) and \
        torch.equal(a['mask'], masks[1])
    assert torch.allclose(v['pred'], ref['pred_video'])
    assert torch.allclose(a['pred'], ref['pred_audio'])
    assert torch.equal(v['target'], model.video_head.target(video,
                                                            masks[0]))
    assert not v['pred'].requires_grad
    # the video comes back in [0, 1] pixels (un-normalised), audio as is
    assert v['input'].shape == video.shape
    assert -1e-5 < float(v['input'].min()) and \
        float(v['input'].max()) < 1 + 1e-5
    assert torch.equal(a['input'], audio)
    assert v['patch_size'] == (2, 16, 16) and v['frame_diff']
    assert a['patch_size'] == (16, 16) and not a['frame_diff']


@pytest.mark.parametrize('modality', ['video', 'audio'])
def test_the_target_maps_back_to_the_input(tiny_outputs, modality):
    """De-normalising the target itself (with the true patches' mean and
    std, frame differences added back) must give the input: the inverse
    used on the predictions is right."""
    view = tiny_outputs[2][modality]
    restored = fill_hidden(view['input'], view['target'], view['mask'],
                           view['patch_size'], view['norm_pix'],
                           view['frame_diff'])
    assert torch.allclose(restored, view['input'], atol=1e-4)
    # and skipping the frame-difference step would not
    if view['frame_diff']:
        wrong = fill_hidden(view['input'], view['target'], view['mask'],
                            view['patch_size'], view['norm_pix'], False)
        assert not torch.allclose(wrong, view['input'], atol=1e-2)


def _expected_hidden(mask: np.ndarray, grid, patch) -> np.ndarray:
    """Element mask from a token mask, by plain index arithmetic."""
    out = np.zeros([g * p for g, p in zip(grid, patch)], bool)
    for n in np.flatnonzero(mask):
        cell = np.unravel_index(n, grid)
        out[tuple(slice(c * p, (c + 1) * p)
                  for c, p in zip(cell, patch))] = True
    return out


@pytest.mark.parametrize('grid, patch, channels', [
    ((2, 2, 3), (2, 16, 16), 3),   # video: T/2 x H/16 x W/16, H != W
    ((3, 2), (16, 16), 1),         # audio: time x mel, non-square
])
def test_panels_differ_from_the_input_exactly_in_hidden_patches(
        grid, patch, channels):
    # not a tube mask: a wrong temporal layout must show as well
    mask = RandomMaskGenerator(0.5)(grid, 2, 'cpu',
                                    torch.Generator().manual_seed(1))
    shape = [g * p for g, p in zip(grid, patch)]
    x = torch.rand(2, channels, *shape)
    hidden_count = int(mask[0].sum())
    p = int(np.prod(patch))
    view = dict(input=x, mask=mask,
                pred=torch.randn(2, hidden_count, p * channels),
                target=torch.randn(2, hidden_count, p * channels),
                patch_size=patch, norm_pix=True,
                frame_diff=len(patch) == 3)
    panels = reconstruction_panels(view)
    for b in range(2):
        hidden = _expected_hidden(mask[b].numpy(), grid, patch)
        hidden = np.broadcast_to(hidden, (channels, *shape))
        masked = panels['masked'][b].numpy()
        assert np.array_equal(np.isnan(masked), hidden)
        assert np.array_equal(masked[~hidden], x[b].numpy()[~hidden])
        recon = panels['reconstruction'][b].numpy()
        assert np.array_equal(recon[~hidden], x[b].numpy()[~hidden])
        assert not np.isclose(recon[hidden], x[b].numpy()[hidden]).all()
        target = panels['target'][b].numpy()
        assert np.array_equal(np.isnan(target), ~hidden)
        assert np.array_equal(panels['hidden'][b, 0].numpy(), hidden[0])
    if channels == 3:
        rgb = video_rgb(panels['masked'][0], 'masked')  # (T, H, W, 3)
        hidden = _expected_hidden(mask[0].numpy(), grid, patch)
        assert (rgb[hidden] == 0.5).all()
        assert np.allclose(rgb[~hidden],
                           x[0].permute(1, 2, 3, 0).numpy()[~hidden])


def test_frames_shown_are_whole_tubelets():
    assert frame_indices(16, 8, 2).tolist() == [0, 1, 4, 5, 10, 11, 14, 15]
    assert frame_indices(4, 8, 2).tolist() == [0, 1, 2, 3]
    assert frame_indices(16, 4, 1).tolist() == [0, 5, 10, 15]


# ---------------------------------------------------------------- pictures

def test_reconstruction_grid_has_the_requested_size(tiny_outputs):
    out = tiny_outputs[2]
    video = reconstruction_panels(out['video'])
    audio = reconstruction_panels(out['audio'])
    figsize = (7.0, 4.5)
    image = draw_reconstruction(video, audio, index=1, figsize=figsize,
                                dpi=80, title='clip 1')
    assert image.shape == expected_shape(figsize, 80)
    assert image.dtype == np.uint8
    assert _distinct_colours(image) > 500  # frames and a spectrogram
    only_audio = draw_reconstruction(audio=audio, figsize=(3, 4.5), dpi=50)
    assert only_audio.shape == (225, 150, 3)
    with pytest.raises(ValueError, match='nothing to draw'):
        draw_reconstruction()


def test_visualizer_records_pictures_on_its_backend(tiny_outputs, tmp_path):
    visualizer = VISUALIZERS.build(dict(
        type='AVVisualizer', name='test_visualization_backend',
        vis_backends=[dict(type='LocalVisBackend')], save_dir=str(tmp_path)))
    image = visualizer.draw_reconstruction(tiny_outputs[2], index=0,
                                           name='rec', step=3)
    saved = _png(tmp_path / 'vis_data/vis_image/rec_3.png')
    assert saved.shape == image.shape
    assert np.array_equal(saved[..., ::-1], image)
    visualizer.draw_confusion_matrix([[3, 1], [0, 4]], ['a', 'b'],
                                     name='cm', step=1)
    assert (tmp_path / 'vis_data/vis_image/cm_1.png').is_file()
    # no name: drawn, not recorded
    visualizer.draw_confusion_matrix([[3, 1], [0, 4]])
    assert len(list((tmp_path / 'vis_data/vis_image').iterdir())) == 2


def test_confusion_matrix_is_row_normalised_and_drawn():
    cm = np.array([[8, 2, 0], [0, 0, 0], [1, 1, 2]])
    fractions = row_normalise(cm)
    assert np.allclose(fractions[0], [0.8, 0.2, 0.0])
    assert np.allclose(fractions[1], 0.0)  # no samples: zeros, not NaN
    assert np.allclose(fractions.sum(axis=1), [1, 0, 1])
    image = draw_confusion_matrix(cm, ['x', 'y', 'z'], figsize=(5, 4),
                                  dpi=60)
    assert image.shape == expected_shape((5, 4), 60)
    other = draw_confusion_matrix(cm.T, ['x', 'y', 'z'], figsize=(5, 4),
                                  dpi=60)
    assert not np.array_equal(image, other)
    with pytest.raises(ValueError, match='class names'):
        draw_confusion_matrix(cm, ['x', 'y'])
    with pytest.raises(ValueError, match='square'):
        draw_confusion_matrix([[1, 2, 3]])


def test_tsne_is_seeded_and_caps_the_perplexity():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 3)
    feats = rng.normal(size=(6, 8)) + 5 * labels[:, None]
    # perplexity 30 is above N = 6: it must be capped, not fail
    first = tsne_embedding(feats, perplexity=30, random_state=1)
    assert first.shape == (6, 2)
    assert np.allclose(first, tsne_embedding(feats, 30, random_state=1))
    image = draw_tsne(feats, labels, ['calm', 'angry'], figsize=(4, 3),
                      dpi=50)
    assert image.shape == expected_shape((4, 3), 50)
    assert _distinct_colours(image) > 10
    with pytest.raises(ValueError, match='labels'):
        draw_tsne(feats, labels[:5])
    with pytest.raises(ValueError, match='no name'):
        draw_tsne(feats, labels, ['calm'])


def _scalars_lines() -> list:
    rows = []
    for it in range(1, 7):
        rows.append(dict(lr=1e-3, loss=3.0 - 0.3 * it, loss_rec=2 - 0.1 * it,
                         acc_con_l1=0.25, time=0.5, data_time=0.1,
                         epoch=(it + 2) // 3, iter=it, step=it))
        if it % 3 == 0:
            rows.append(dict(WAR=40.0 + it, UAR=30.0 + it, data_time=0.1,
                             time=0.2, step=it // 3))
    return rows


def test_curves_split_losses_metrics_and_lr(tmp_path):
    path = tmp_path / 'run' / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    path.write_text('\n'.join(json.dumps(r) for r in _scalars_lines()))
    records = load_scalars(path)
    losses, metrics, lr = split_curves(records)
    assert set(losses) == {'loss', 'loss_rec'}
    assert losses['loss'][0] == [1, 2, 3, 4, 5, 6]
    assert set(metrics) == {'WAR', 'UAR'}
    assert metrics['WAR'] == ([1.0, 2.0], [43.0, 46.0])
    assert set(lr) == {'lr'}
    image = draw_curves(path, figsize=(9, 3), dpi=50)
    assert image.shape == expected_shape((9, 3), 50)
    path.write_text(path.read_text() + '\n{broken\n')
    with pytest.raises(ValueError, match='line 9'):
        load_scalars(path)
    with pytest.raises(ValueError, match='no loss or metric'):
        draw_curves([dict(step=1, time=0.1)])


def test_find_scalars_takes_the_newest_run(tmp_path):
    for stamp in ('20240101_120000', '20240102_080000'):
        path = tmp_path / stamp / 'vis_data' / 'scalars.json'
        path.parent.mkdir(parents=True)
        path.write_text('{"loss": 1, "step": 1}\n')
    assert find_scalars(tmp_path)[0].parts[-3] == '20240102_080000'
    assert len(find_scalars(tmp_path, all_runs=True)) == 2
    with pytest.raises(FileNotFoundError, match='no '):
        find_scalars(tmp_path / '20240101_120000')


# ---------------------------------------------------------------- hook

class _Recorder:
    def __init__(self):
        self.images = []

    def add_image(self, name, image, step=0):
        self.images.append((name, image.shape, step))


def _fake_runner(model, it):
    warnings = []
    return SimpleNamespace(
        model=model, iter=it, visualizer=_Recorder(),
        logger=SimpleNamespace(warning=warnings.append),
        warnings=warnings)


def test_hook_draws_every_interval_and_restores_train_mode(build_tiny,
                                                           make_batch):
    model = build_tiny()
    model.train()
    hook = ReconstructionVisHook(interval=2, num_samples=3)
    first, second = make_batch(4, seed=0), make_batch(4, seed=1)
    runner = _fake_runner(model, it=0)
    hook.after_train_iter(runner, 0, first)  # iteration 1: not a multiple
    assert runner.visualizer.images == []
    runner.iter = 1
    hook.after_train_iter(runner, 1, second)
    names = [(n, s) for n, _, s in runner.visualizer.images]
    assert names == [('reconstruction_0', 2), ('reconstruction_1', 2),
                     ('reconstruction_2', 2)]
    assert model.training
    assert all(p.grad is None for p in model.parameters())
    # the fixed batch is the first iteration's first 3 clips
    assert torch.equal(hook._kept['inputs']['video'],
                       first['inputs']['video'][:3])


def test_hook_keeps_the_masks_of_its_fixed_batch(build_tiny, make_batch):
    """Clips without masks get masks once, from a private generator: the
    pictures show the same hidden tokens each time and the training
    stream is not touched."""
    model = build_tiny()
    model.train()
    hook = ReconstructionVisHook(interval=1, num_samples=2)
    runner = _fake_runner(model, it=0)
    batch = make_batch(2, with_masks=False)
    state = torch.get_rng_state()
    hook.after_train_iter(runner, 0, batch)
    kept = hook._kept['data_samples'][0].video_mask.clone()
    runner.iter = 1
    hook.after_train_iter(runner, 1, make_batch(2, seed=1, with_masks=False))
    assert len(runner.visualizer.images) == 4
    assert torch.equal(hook._kept['data_samples'][0].video_mask, kept)
    assert torch.equal(state, torch.get_rng_state())
    assert 'video_mask' not in batch['data_samples'][0]


def test_hook_stays_idle_without_reconstruct(make_batch):
    model = torch.nn.Linear(2, 2)
    runner = _fake_runner(model, it=0)
    hook = ReconstructionVisHook(interval=1)
    hook.after_train_iter(runner, 0, make_batch(2))
    hook.after_train_iter(runner, 1, make_batch(2))
    assert runner.visualizer.images == []
    assert len(runner.warnings) == 1
    assert 'no reconstruct()' in runner.warnings[0]


@pytest.fixture(scope='module')
def pretrain_run(tmp_path_factory):
    """Two iterations of tiny pre-training with the hook on every one."""
    root = tmp_path_factory.mktemp('vis_train')
    config = root / 'with_hook.py'
    config.write_text(
        f"_base_ = ['{TINY}']\n"
        "custom_hooks = [dict(type='BadSampleLogHook'),\n"
        "                dict(type='RNGStateHook'),\n"
        "                dict(type='ReconstructionVisHook', interval=1,\n"
        "                     num_samples=2)]\n")
    work = root / 'work'
    proc = _run('tools/train.py', config, '--work-dir', work,
                '--cfg-options', *SHORT)
    return work, proc


def test_hook_writes_pictures_in_a_training_run(pretrain_run):
    work, proc = pretrain_run
    _ok(proc)
    images = sorted(p.name for p in work.glob('*/vis_data/vis_image/*.png'))
    assert images == ['reconstruction_0_1.png', 'reconstruction_0_2.png',
                      'reconstruction_1_1.png', 'reconstruction_1_2.png']
    picture = _png(next(work.glob('*/vis_data/vis_image/'
                                  'reconstruction_1_2.png')))
    assert picture.shape[0] > 200 and picture.shape[1] > 600
    assert _distinct_colours(picture) > 500
    assert (work / 'epoch_1.pth').is_file()


# ---------------------------------------------------------------- tools

def test_visualize_reconstruction_tool(pretrain_run, tmp_path):
    work, proc = pretrain_run
    _ok(proc)
    out = tmp_path / 'pictures'
    proc = _run('tools/analysis/visualize_reconstruction.py', TINY,
                work / 'epoch_1.pth', '--num-samples', '3', '--out', out,
                '--cfg-options', 'train_dataloader.dataset.num_samples=8')
    _ok(proc)
    written = sorted(p.name for p in out.iterdir())
    assert written == [f'reconstruction_{k}.png' for k in range(3)]
    assert f'wrote {out / "reconstruction_2.png"}' in proc.stdout
    assert _distinct_colours(_png(out / 'reconstruction_0.png')) > 500
    proc = _run('tools/analysis/visualize_reconstruction.py', TINY,
                tmp_path / 'missing.pth', '--out', out)
    assert proc.returncode != 0
    assert 'missing.pth' in proc.stderr


def test_plot_curves_tool(pretrain_run, tmp_path):
    work, proc = pretrain_run
    _ok(proc)
    out = tmp_path / 'curves.png'
    proc = _run('tools/analysis/plot_curves.py', work, '--out', out)
    _ok(proc)
    assert f'wrote {out}' in proc.stdout
    assert _distinct_colours(_png(out)) > 10
    proc = _run('tools/analysis/plot_curves.py', tmp_path)
    assert proc.returncode != 0 and 'scalars.json' in proc.stderr


def _dump_samples(path: Path) -> None:
    """A ``tools/test.py --dump`` pickle: data-sample dicts, two views of
    each video."""
    from mmengine.fileio import dump
    samples = []
    for video, (gt, pred) in enumerate([(0, 0), (1, 1), (1, 0), (2, 2)]):
        for _ in range(2):
            score = torch.full((6, ), 0.02)
            score[pred] = 0.9
            sample = AVDataSample(metainfo=dict(video_idx=video))
            sample.set_gt_label(gt)
            sample.set_field(score, 'pred_score')
            samples.append(sample.to_dict())
    dump(samples, str(path))


def test_plot_confusion_matrix_tool(tmp_path):
    metrics = tmp_path / 'test_metrics.json'
    cm = np.diag([3, 1, 2, 0, 4, 5]).tolist()
    metrics.write_text(json.dumps(dict(WAR=90.0, confusion_matrix=cm)))
    proc = _run('tools/analysis/plot_confusion_matrix.py', metrics,
                FINETUNE)
    _ok(proc)
    assert f'wrote {tmp_path / "confusion_matrix.png"}' in proc.stdout
    assert _png(tmp_path / 'confusion_matrix.png').std() > 10

    pickle_path = tmp_path / 'pred.pkl'
    _dump_samples(pickle_path)
    out = tmp_path / 'from_dump.png'
    proc = _run('tools/analysis/plot_confusion_matrix.py', pickle_path,
                FINETUNE, '--out', out)
    _ok(proc)
    assert out.is_file()

    metrics.write_text(json.dumps(dict(WAR=90.0)))
    proc = _run('tools/analysis/plot_confusion_matrix.py', metrics)
    assert proc.returncode != 0
    assert 'no confusion_matrix' in proc.stderr
    assert 'with_confusion=True' in proc.stderr


def test_confusion_from_dump_averages_views(tmp_path):
    sys.path.insert(0, str(REPO_ROOT / 'tools' / 'analysis'))
    try:
        from plot_confusion_matrix import matrix_from_dump
    finally:
        sys.path.pop(0)
    path = tmp_path / 'pred.pkl'
    _dump_samples(path)
    cm = matrix_from_dump(str(path), num_classes=6)
    assert cm.shape == (6, 6)
    assert cm.sum() == 4  # four videos, not eight views
    assert cm[1, 0] == 1 and cm[1, 1] == 1 and cm[2, 2] == 1


def _feature_dir(root: Path, n: int = 12) -> Path:
    rng = np.random.default_rng(0)
    labels = np.arange(n) % 3
    np.save(root / 'feature.npy',
            (rng.normal(size=(n, 10)) + 4 * labels[:, None])
            .astype(np.float32))
    lines = ['row,video,audio,label'] + \
        [f'{i},v{i}.mp4,v{i}.wav,{labels[i]}' for i in range(n)]
    lines[-1] = f'{n - 1},v.mp4,v.wav,'  # an unlabelled clip
    (root / 'index.csv').write_text('\n'.join(lines) + '\n')
    (root / 'meta.json').write_text(json.dumps(
        dict(classes=['calm', 'happy', 'sad'])))
    return root


def test_plot_tsne_tool(tmp_path):
    folder = _feature_dir(tmp_path)
    proc = _run('tools/analysis/plot_tsne.py', folder)
    _ok(proc)
    assert f'wrote {folder / "tsne.png"}' in proc.stdout
    assert _distinct_colours(_png(folder / 'tsne.png')) > 10
    (folder / 'index.csv').write_text('row,video,audio,label\n0,a,b,x\n')
    proc = _run('tools/analysis/plot_tsne.py', folder, '--out',
                tmp_path / 'bad.png')
    assert proc.returncode != 0
    assert 'index.csv' in proc.stderr and 'line 2' in proc.stderr
    (folder / 'feature.npy').unlink()
    proc = _run('tools/analysis/plot_tsne.py', folder)
    assert proc.returncode != 0
    assert 'feature.npy: file not found' in proc.stderr
