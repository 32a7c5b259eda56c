"""tools/data: the pre-training list builder and the dataset checker."""
import os
import subprocess
import sys
from pathlib import Path

from av_files import frames, tone, touch_empty, write_mp4

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(*args):
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONWARNINGS='ignore'))


def _vox_tree(root: Path) -> None:
    """VoxCeleb2's dev/mp4/<speaker>/<video>/<n>.mp4 layout, two bad."""
    for spk, vid, n in [('id001', 'aaa', 1), ('id001', 'aaa', 2),
                        ('id002', 'bbb', 1)]:
        write_mp4(root / 'dev' / 'mp4' / spk / vid / f'{n:05d}.mp4',
                  frames(40, seed=n), audio=tone(1.6))
    touch_empty(root / 'dev' / 'mp4' / 'id003' / 'ccc' / '00001.mp4')
    write_mp4(root / 'dev' / 'mp4' / 'id003' / 'ccc' / '00002.mp4',
              frames(40))  # no audio track


def test_build_pretrain_list_writes_sorted_relative_paths(tmp_path):
    _vox_tree(tmp_path)
    proc = _run('tools/data/build_pretrain_list.py', str(tmp_path),
                'dev/mp4')
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / 'pretrain_list.txt').read_text().split()
    assert lines == sorted(lines) and len(lines) == 5
    assert lines[0] == 'dev/mp4/id001/aaa/00001.mp4'
    proc = _run('tools/data/build_pretrain_list.py', str(tmp_path), 'nope')
    assert proc.returncode == 2 and 'no folder' in proc.stderr


def test_check_dataset_reports_exactly_the_broken_files(tmp_path):
    _vox_tree(tmp_path)
    _run('tools/data/build_pretrain_list.py', str(tmp_path), 'dev/mp4')
    out = tmp_path / 'broken.txt'
    proc = _run('tools/data/check_dataset.py',
                'configs/hicmae/hicmae_base_vox2.py', '--out', str(out),
                '--cfg-options',
                f'train_dataloader.dataset.data_root={tmp_path}')
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rows = out.read_text().splitlines()
    assert {r.split('\t')[0].split('mp4/')[-1] for r in rows} == \
        {'id003/ccc/00001.mp4', 'id003/ccc/00002.mp4'}
    assert '2 broken of 5 samples' in proc.stdout
    reasons = '\n'.join(rows)
    assert 'empty file' in reasons and 'no decodable audio track' in reasons
