"""Fine-tuning from a pre-training checkpoint, testing, cross-validation."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PRETRAIN = 'configs/hicmae/hicmae_tiny_synthetic_pretrain.py'
FINETUNE = 'configs/hicmae/hicmae_tiny_synthetic_finetune.py'
# two blocks per encoder keep these runs short
SMALL = ['model.video_encoder.depth=2', 'model.audio_encoder.depth=2']


def _run(*args):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    proc = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, \
        f'{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def pretrained(synthetic, tmp_path_factory):
    work = tmp_path_factory.mktemp('pretrain')
    _run('tools/train.py', PRETRAIN, '--work-dir', str(work),
         '--cfg-options', f'train_dataloader.dataset.data_root={synthetic}',
         'train_cfg.max_epochs=1', 'train_dataloader.num_workers=0',
         'train_dataloader.persistent_workers=False',
         'default_hooks.checkpoint.interval=1',
         'model.contrastive_layers=(0,1)', 'model.skip_layers=(0,1)',
         'model.video_decoder.depth=3', 'model.audio_decoder.depth=3',
         *SMALL)
    return work / 'epoch_1.pth'


def _loader_options(root) -> list:
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={root}',
                 f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    return opts


@pytest.mark.slow
def test_finetune_from_pretraining_then_test(synthetic, pretrained,
                                             tmp_path):
    work = tmp_path / 'ft'
    log = _run('tools/train.py', FINETUNE, '--work-dir', str(work),
               '--cfg-options', f'model.init_cfg.checkpoint={pretrained}',
               'train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
               'default_hooks.checkpoint.interval=2',
               *_loader_options(synthetic), *SMALL)
    assert 'loaded' in log and 'tensors from' in log  # pre-trained init
    assert 'UAR:' in log and 'WAR:' in log  # validation ran
    out = tmp_path / 'preds.pkl'
    log = _run('tools/test.py', FINETUNE, str(work / 'epoch_2.pth'),
               '--work-dir', str(work), '--dump', str(out),
               '--cfg-options', *_loader_options(synthetic), *SMALL)
    metrics = json.loads((work / 'test_metrics.json').read_text())
    assert {'WAR', 'UAR', 'weighted_F1', 'macro_F1'} <= set(metrics)
    assert len(metrics['per_class_recall']) == 6
    # WAR is the confusion matrix's accuracy over videos (not views)
    confusion = metrics['confusion_matrix']
    videos = len((synthetic / 'lists/test.txt').read_text().splitlines())
    assert sum(map(sum, confusion)) == videos
    assert metrics['WAR'] == pytest.approx(
        100 * sum(confusion[i][i] for i in range(6)) / videos)
    assert out.is_file()
    assert 'WAR' in log and 'UAR' in log  # printed table


def test_test_tool_refuses_a_missing_checkpoint(tmp_path):
    proc = subprocess.run([sys.executable, 'tools/test.py', FINETUNE,
                           str(tmp_path / 'none.pth')], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert 'checkpoint not found' in proc.stderr


@pytest.mark.slow
def test_cross_validation_runs_every_fold(synthetic, tmp_path):
    # two folds made from the synthetic lists: fold k trains on list k
    lists = synthetic / 'lists'
    for fold, (train, test) in enumerate([('train', 'test'),
                                          ('train', 'val')], 1):
        for split, name in (('train', train), ('test', test)):
            (lists / f'fold{fold}_{split}.txt').write_text(
                (lists / f'{name}.txt').read_text())
    options = [*_loader_options(synthetic), *SMALL, 'model.init_cfg=None',
               'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
               'default_hooks.checkpoint.interval=1']
    for split in ('train', 'val', 'test'):
        name = 'train' if split == 'train' else 'test'
        options.append(f'{split}_dataloader.dataset.ann_file='
                       f'lists/fold{{fold}}_{name}.txt')
    work = tmp_path / 'cv'
    log = _run('tools/cross_validate.py', FINETUNE, '--folds', '1', '2',
               '--work-dir', str(work), '--cfg-options', *options)
    summary = json.loads((work / 'cross_validation.json').read_text())
    assert set(summary['folds']) == {'1', '2'}
    mean, std = summary['mean_std']['UAR']
    folds = [summary['folds'][k]['UAR'] for k in ('1', '2')]
    assert mean == pytest.approx(sum(folds) / 2)
    assert 'mean' in log and '±' in log
