"""tools/analysis/benchmark.py runs on the CPU with tiny settings."""
import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(*args):
    proc = subprocess.run([sys.executable, 'tools/analysis/benchmark.py',
                           *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_model_benchmark_reports_each_case(tmp_path):
    out = tmp_path / 'model.json'
    table = _run('model', '--size', 'tiny', '--batch', '1', '--steps', '1',
                 '--warmup', '0', '--attn', 'sdpa', 'explicit', '--json',
                 str(out))
    rows = json.loads(out.read_text())['results']
    assert [r['attn'] for r in rows] == ['sdpa', 'explicit']
    for r in rows:
        assert r['samples_per_s'] > 0 and r['peak_MiB'] > 0
        assert r['host_reads_per_iter'] == 0
        assert r['params_M'] > 1
        # live tensors: at least the weights and the AdamW moments
        assert r['tensor_peak_MiB'] > 3 * 4 * r['params_M']
        assert 0 < r['act_MiB'] < r['tensor_peak_MiB']
    # same weights and batch: both attention kernels give the same loss
    assert abs(rows[0]['loss'] - rows[1]['loss']) < 1e-3
    assert 'samples_per_s' in table


def test_model_benchmark_memory_options(tmp_path):
    out = tmp_path / 'model.json'
    _run('model', '--size', 'tiny', '--batch', '1', '--steps', '1',
         '--warmup', '0', '--with-cp', 'selective', '--backward-step',
         '--default-malloc', '--json', str(out))
    (row, ) = json.loads(out.read_text())['results']
    assert row['with_cp'] == 'selective' and row['backward_step']
    assert row['samples_per_s'] > 0 and row['tensor_peak_MiB'] > 0


def test_data_benchmark_reports_clips_per_second(tmp_path):
    out = tmp_path / 'data.json'
    table = _run('data', '--iters', '2', '--size-px', '64', '--source-px',
                 '96', '--duration', '2.6', '--repeats', '1', '2',
                 '--workers', '1', '--rounds', '1', '--json', str(out))
    rows = json.loads(out.read_text())['results']
    assert [(r['source'], r['k']) for r in rows] == [
        (s, k) for k in (1, 2) for s in ('mp4', 'frames', 'shards')]
    assert all(r['clips_per_s'] > 0 and r['MB_per_clip'] > 0 for r in rows)
    assert all(r['x_mp4'] > 0 for r in rows)
    assert rows[2]['pack_s_per_1000'] > 0
    assert 'shards' in table and 'x mp4' in table


def test_model_benchmark_with_the_real_loader(tmp_path):
    out = tmp_path / 'model.json'
    _run('model', '--size', 'tiny', '--batch', '1', '--steps', '2',
         '--warmup', '0', '--loader', 'shards', '--workers', '1',
         '--source-px', '96', '--json', str(out))
    (row, ) = json.loads(out.read_text())['results']
    assert row['loader'] == 'shards' and 0 <= row['data_wait'] <= 1
    assert row['samples_per_s'] > 0
