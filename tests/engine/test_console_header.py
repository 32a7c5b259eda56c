"""tools/train.py shows a short header; MMEngine's set-up dumps go to the
log file only (issue 21)."""
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY = 'configs/hicmae/hicmae_tiny_synthetic_tensor.py'


def test_console_has_the_header_and_the_log_file_the_rest(tmp_path):
    work_dir = tmp_path / 'w'
    cmd = [sys.executable, 'tools/train.py', TINY, '--work-dir',
           str(work_dir), '--cfg-options', 'train_cfg.max_epochs=1',
           'train_dataloader.dataset.num_samples=4',
           'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
           'train_dataloader.persistent_workers=False']
    env = dict(os.environ, OMP_NUM_THREADS='2', PYTHONWARNINGS='ignore')
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    console = proc.stdout + proc.stderr
    first = console.index('Epoch(train)')
    before = console[:first].splitlines()
    # header + a few MMEngine notices, not ~600 lines of dumps
    assert len(before) < 20, '\n'.join(before[:40])
    for key in ('config', 'work dir', 'train', 'device', 'precision'):
        assert any(line.startswith(key) for line in before), key
    assert 'train      4 clips, 1 batches' in console
    assert 'System environment' not in console
    assert 'Hooks will be executed' not in console
    log = next(work_dir.glob('*/*.log')).read_text()
    assert 'System environment' in log and 'Config:' in log
    assert 'Hooks will be executed' in log
