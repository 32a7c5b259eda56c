"""AVF-MAE++-Tiny from the command line: pre-training with dual masking,
fine-tuning from its checkpoint, testing (the committed Tiny configs, two
blocks per encoder to keep the runs short)."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PRETRAIN = 'configs/avf_mae/avf_mae_tiny_synthetic_pretrain.py'
FINETUNE = 'configs/avf_mae/avf_mae_tiny_synthetic_finetune.py'
SMALL = ['model.video_encoder.depth=2', 'model.audio_encoder.depth=2']
pytestmark = pytest.mark.slow


def _run(*args):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    proc = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, \
        f'{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'
    return proc.stdout + proc.stderr


def _loaders(root, splits) -> list:
    opts = []
    for split in splits:
        opts += [f'{split}_dataloader.dataset.data_root={root}',
                 f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    return opts


def _scalars(work: Path) -> list:
    rows = []
    for path in sorted(work.glob('*/vis_data/scalars.json')):
        rows += [json.loads(line) for line in path.read_text().splitlines()]
    return rows


def test_avf_mae_tiny_pretrains_finetunes_and_tests(synthetic, tmp_path):
    pre = tmp_path / 'pre'
    log = _run('tools/train.py', PRETRAIN, '--work-dir', str(pre),
               '--cfg-options', *_loaders(synthetic, ['train']),
               'train_cfg.max_epochs=2', 'train_dataloader.batch_size=4',
               'default_hooks.checkpoint.interval=1',
               'default_hooks.logger.interval=1',
               'model.contrastive_layers=(0,1)', 'model.skip_layers=(0,1)',
               'model.video_decoder.depth=3', 'model.audio_decoder.depth=3',
               *SMALL)
    ckpt = pre / 'epoch_2.pth'
    assert ckpt.is_file()
    rows = [r for r in _scalars(pre) if 'loss' in r]
    assert rows, log[-2000:]
    # AVF-MAE++'s loss terms: both reconstructions and the contrastive one
    assert {'loss_rec_video', 'loss_rec_audio'} <= set(rows[0]), rows[0]
    assert any(k.startswith('loss_con') for k in rows[0]), rows[0]

    ft = tmp_path / 'ft'
    log = _run('tools/train.py', FINETUNE, '--work-dir', str(ft),
               '--cfg-options', f'model.init_cfg.checkpoint={ckpt}',
               'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
               'default_hooks.checkpoint.interval=1',
               *_loaders(synthetic, ['train', 'val', 'test']), *SMALL)
    # the encoders and the fusion come from pre-training; only the
    # fine-tuning parts start fresh: the head (norm + fc, 4 tensors) and
    # the per-layer weights of each modality (2)
    found = re.search(r'loaded (\d+) tensors from .*?; (\d+) model tensors '
                      r'keep their initialisation \(([^)]*)\)', log)
    assert found, log[-3000:]
    assert int(found.group(1)) > 100
    fresh = [k.strip() for k in found.group(3).split(',')
             if k.strip() and k.strip() != '...']
    assert int(found.group(2)) == 6, found.group(0)
    assert all(k.split('.')[0] in ('head', 'video_layer_weights',
                                   'audio_layer_weights')
               for k in fresh), found.group(0)
    assert 'WAR:' in log and 'UAR:' in log

    log = _run('tools/test.py', FINETUNE, str(ft / 'epoch_1.pth'),
               '--work-dir', str(ft), '--cfg-options',
               *_loaders(synthetic, ['test']), *SMALL)
    metrics = json.loads((ft / 'test_metrics.json').read_text())
    assert {'WAR', 'UAR', 'weighted_F1'} <= set(metrics)
    assert len(metrics['per_class_recall']) == 6
