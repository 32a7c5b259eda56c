"""tools/train.py end to end on generated tensors (short CPU runs)."""
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hicmae.utils import safe_torch_load

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY = 'configs/hicmae/hicmae_tiny_synthetic_tensor.py'
SHORT = ['train_dataloader.dataset.num_samples=8',
         'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
         'train_dataloader.persistent_workers=False']


def _train(config, work_dir, *extra, options=()):
    cmd = [sys.executable, 'tools/train.py', config, '--work-dir',
           str(work_dir), *extra]
    if options:
        cmd += ['--cfg-options', *options]
    env = dict(os.environ, OMP_NUM_THREADS='2', PYTHONWARNINGS='ignore')
    return subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300, env=env)


def _fail_msg(proc):
    return f'rc={proc.returncode}\n{proc.stdout[-3000:]}\n' \
        f'{proc.stderr[-3000:]}'


@pytest.fixture(scope='module')
def first_run(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('train')
    proc = _train(TINY, work_dir,
                  options=['train_cfg.max_epochs=1', *SHORT])
    return work_dir, proc


def test_one_epoch_writes_a_checkpoint(first_run):
    work_dir, proc = first_run
    assert proc.returncode == 0, _fail_msg(proc)
    ckpt_path = work_dir / 'epoch_1.pth'
    assert ckpt_path.is_file()
    assert not (work_dir / 'epoch_2.pth').exists()
    ckpt = safe_torch_load(str(ckpt_path))
    assert ckpt['meta']['epoch'] == 1
    assert ckpt['meta']['iter'] == 2  # 8 samples / batch 4
    assert any(k.startswith('video_encoder.blocks.3.')
               for k in ckpt['state_dict'])
    log = proc.stdout + proc.stderr
    assert 'loss_rec_video' in log and 'loss_con_l3' in log


def test_resume_continues_from_the_last_epoch(first_run):
    work_dir, first = first_run
    assert first.returncode == 0, _fail_msg(first)
    proc = _train(TINY, work_dir, '--resume',
                  options=['train_cfg.max_epochs=2', *SHORT])
    assert proc.returncode == 0, _fail_msg(proc)
    log = proc.stdout + proc.stderr
    assert 'resumed' in log.lower()
    assert 'Epoch(train) [2]' in log
    assert 'Epoch(train) [1]' not in log  # epoch 1 was not trained again
    ckpt = safe_torch_load(str(work_dir / 'epoch_2.pth'))
    assert ckpt['meta']['epoch'] == 2
    assert ckpt['meta']['iter'] == 4
    assert 'optimizer' in ckpt and 'message_hub' in ckpt


def test_amp_runs_on_cpu(tmp_path):
    proc = _train(TINY, tmp_path, '--amp',
                  options=['train_cfg.max_epochs=1', *SHORT])
    assert proc.returncode == 0, _fail_msg(proc)
    assert (tmp_path / 'epoch_1.pth').is_file()
    log = proc.stdout + proc.stderr
    assert 'MixedPrecisionOptimWrapper' in log
    losses = re.findall(r'Epoch\(train\).*?\sloss: (\S+)', log)
    assert losses, _fail_msg(proc)
    assert all(math.isfinite(float(v)) for v in losses), losses
    assert not safe_torch_load(str(tmp_path / 'epoch_1.pth'))[
        'optimizer']['loss_scaler']  # bf16: no loss scaling

    # the bf16 checkpoint resumed in fp16 with a fresh GradScaler
    proc = _train(TINY, tmp_path, '--amp', '--resume',
                  options=['train_cfg.max_epochs=2',
                           'optim_wrapper.dtype=float16', *SHORT])
    assert proc.returncode == 0, _fail_msg(proc)
    assert 'loss scaler starts afresh' in proc.stdout + proc.stderr
    scaler = safe_torch_load(str(tmp_path / 'epoch_2.pth'))[
        'optimizer']['loss_scaler']
    assert 0 < scaler['scale'] <= 65536.0
    assert scaler['_growth_tracker'] >= 0


def test_config_without_train_dataloader_stops_with_a_message(tmp_path):
    config = tmp_path / 'no_loader.py'
    base = (REPO_ROOT / TINY).resolve()
    config.write_text(f"_base_ = ['{base}']\n"
                      'train_dataloader = None\n')
    proc = _train(str(config), tmp_path / 'work')
    assert proc.returncode != 0
    assert 'no train_dataloader' in proc.stderr, _fail_msg(proc)
    assert 'no_loader.py' in proc.stderr
    assert not list((tmp_path / 'work').glob('*.pth'))


def test_vox2_recipe_stops_before_training(tmp_path):
    proc = _train('configs/hicmae/hicmae_base_vox2.py', tmp_path)
    if proc.returncode == 0:
        pytest.fail('the VoxCeleb2 recipe trained without its data\n' +
                    _fail_msg(proc))
    err = proc.stderr
    assert 'hicmae_base_vox2.py' in err, _fail_msg(proc)
    assert 'no train_dataloader' in err or 'does not exist' in err, \
        _fail_msg(proc)
    assert not list(tmp_path.glob('*.pth'))


def _train_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'hicmae_train_tool', REPO_ROOT / 'tools' / 'train.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('extra,kept', [((), True),
                                        (('--default-malloc', ), False)])
def test_cpu_training_keeps_freed_memory_unless_asked(tmp_path, monkeypatch,
                                                      extra, kept):
    import torch
    train = _train_module()
    calls, trained = [], []

    class _Runner:
        def train(self):
            trained.append(True)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(train, 'keep_freed_memory',
                        lambda: calls.append(True))
    monkeypatch.setattr(train, 'build_runner', lambda cfg: _Runner())
    train.main([str(REPO_ROOT / TINY), '--work-dir', str(tmp_path), *extra])
    assert trained == [True]
    assert calls == ([True] if kept else [])
