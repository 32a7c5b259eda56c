"""Pre-training from real files: 1 process, resume, 2 processes, bad files."""
import json
import math
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from av_files import touch_empty

from hicmae.data_prep.synthetic_av import make_synthetic_av

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = 'configs/hicmae/hicmae_tiny_synthetic_pretrain.py'
# end-to-end pre-training runs of tools/train.py
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic')
    make_synthetic_av(str(root), num_per_class=4, size=64, duration=2.6,
                      seed=0, overwrite=True)
    return root


def _options(data_root, epochs=2, workers=1):
    return [f'train_dataloader.dataset.data_root={data_root}',
            f'train_cfg.max_epochs={epochs}', 'train_dataloader.batch_size=4',
            f'train_dataloader.num_workers={workers}',
            f'train_dataloader.persistent_workers={workers > 0}',
            'default_hooks.checkpoint.interval=1',
            'default_hooks.logger.interval=1']


def _run(cmd, **kw):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PYTHON=sys.executable)
    return subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=600, env=env, **kw)


def _ok(proc):
    assert proc.returncode == 0, \
        f'rc={proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'


def _losses(work_dir: Path) -> list:
    """Total losses logged by LocalVisBackend, in order, over all runs."""
    rows = []
    for path in sorted(work_dir.glob('*/vis_data/scalars.json')):
        rows += [json.loads(line) for line in path.read_text().splitlines()]
    return [r['loss'] for r in rows if 'loss' in r]


def test_single_process_pretrains_and_resumes(synthetic, tmp_path):
    work = tmp_path / 'work'
    proc = _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                 str(work), '--cfg-options', *_options(synthetic, epochs=4)])
    _ok(proc)
    assert (work / 'epoch_4.pth').is_file()
    losses = _losses(work)
    assert len(losses) >= 8
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3  # the loss falls
    proc = _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                 str(work), '--resume', '--cfg-options',
                 *_options(synthetic, epochs=5)])
    _ok(proc)
    assert (work / 'epoch_5.pth').is_file()
    log = proc.stdout + proc.stderr
    assert 'resumed' in log.lower()
    assert 'Epoch(train) [5]' in log and 'Epoch(train) [1]' not in log


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_processes_with_gloo_and_cross_rank_negatives(synthetic,
                                                          tmp_path):
    work = tmp_path / 'dist'
    env_port = str(_free_port())
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
         str(work), '--cfg-options', *_options(synthetic, epochs=1,
                                               workers=0),
         'model.contrastive_head.loss.gather_across_ranks=True'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, PORT=env_port, PYTHON=sys.executable,
                 OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore'))
    _ok(proc)
    assert (work / 'epoch_1.pth').is_file()
    log = proc.stdout + proc.stderr
    # the environment dump goes to the log file only (console: a header)
    log_file = next(work.glob('*/*.log')).read_text()
    assert 'Distributed training: True' in log_file
    # gloo, no CUDA (the ranks' own lines may interleave: match the tag)
    assert '[Gloo] Rank' in log
    # with negatives from both ranks each InfoNCE sees 8 candidates: near
    # initialisation its loss is about 0.0025 * ln(8) = 0.0052, where one
    # rank's 4 would give 0.0025 * ln(4) = 0.0035
    first = float(re.search(r'loss_con_l1: ([0-9.]+)', log).group(1))
    assert first > 0.0025 * math.log(6), first


def test_skip_mode_finishes_and_lists_the_broken_files(synthetic, tmp_path):
    broken = tmp_path / 'broken'
    touch_empty(broken / 'zero.mp4')
    (broken / 'text.mp4').write_text('not a video\n' * 50)
    good = (synthetic / 'lists' / 'pretrain.txt').read_text().split()
    lines = [str(synthetic / g) for g in good] + \
        [str(broken / 'zero.mp4'), str(broken / 'text.mp4'),
         str(broken / 'missing.mp4')]
    ann = tmp_path / 'mixed.txt'
    ann.write_text('\n'.join(lines) + '\n')
    work = tmp_path / 'work'
    proc = _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                 str(work), '--cfg-options', *_options('', epochs=2),
                 f'train_dataloader.dataset.ann_file={ann}'])
    _ok(proc)
    logged = {row.split('\t')[0] for row in
              (work / 'bad_samples.txt').read_text().splitlines()}
    assert logged == {str(broken / n) for n in
                      ('zero.mp4', 'text.mp4', 'missing.mp4')}
    assert 'bad sample(s) skipped so far' in proc.stdout + proc.stderr
