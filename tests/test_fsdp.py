"""The FSDP recipe runs on the CPU with gloo (FlexibleRunner, 2 ranks)."""
import os
import socket
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

TINY_FSDP = """
_base_ = ['{repo}/configs/hicmae/hicmae_base_vox2_fsdp.py']
model = dict(
    video_encoder=dict(img_size=64, depth=4, embed_dims=64, num_heads=2),
    audio_encoder=dict(input_size=(64, 64), depth=4, embed_dims=64,
                       num_heads=2),
    fusion=dict(num_heads=2), video_decoder=dict(embed_dims=32, num_heads=2),
    audio_decoder=dict(embed_dims=32, num_heads=2),
    contrastive_layers=(1, 2, 3), skip_layers=(1, 2, 3))
train_pipeline = [
    dict(type='GenerateTubeMask', grid=(8, 4, 4), mask_ratio=0.75),
    dict(type='GenerateRandomMask', num_tokens=16, mask_ratio=0.5),
    dict(type='PackAVInputs')]
train_dataloader = dict(
    _delete_=True, batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='SyntheticTensorDataset', num_samples=16, img_size=64,
                 audio_size=(64, 64), pipeline=train_pipeline))
train_cfg = dict(max_epochs=1)
auto_scale_lr = dict(enable=False)
default_hooks = dict(logger=dict(interval=1))
"""


def test_fsdp_recipe_trains_two_cpu_ranks(tmp_path):
    cfg = tmp_path / 'tiny_fsdp.py'
    cfg.write_text(TINY_FSDP.format(repo=REPO_ROOT))
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(cfg), '2', '--work-dir',
         str(tmp_path / 'work')], cwd=REPO_ROOT, capture_output=True,
        text=True, timeout=600,
        env=dict(os.environ, PORT=str(port), PYTHON=sys.executable,
                 OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore'))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'FlexibleRunner' in log or 'FSDP' in log or \
        'MMFullyShardedDataParallel' in log
    assert 'Epoch(train) [1][2/2]' in log
    assert 'HiCMAEFlexibleRunner' in log
    work = tmp_path / 'work'
    assert (work / 'epoch_1.pth').exists()
    # written under a temporary name and moved into place whole
    assert not list(work.glob('.*.tmp')), list(work.iterdir())


def test_replace_path_moves_files_and_shard_folders(tmp_path):
    from hicmae.engine.flexible_runner import replace_path
    src, dst = tmp_path / '.a.pth.tmp', tmp_path / 'a.pth'
    src.write_text('new')
    dst.write_text('old')
    replace_path(str(src), str(dst))
    assert dst.read_text() == 'new' and not src.exists()
    # FSDP's local state dicts: a folder with one file per rank
    src.mkdir()
    (src / 'rank0.pth').write_text('new0')
    dst.unlink()
    dst.mkdir()
    (dst / 'rank0.pth').write_text('old0')
    (dst / 'rank1.pth').write_text('old1')
    replace_path(str(src), str(dst))
    assert sorted(p.name for p in dst.iterdir()) == ['rank0.pth']
    assert (dst / 'rank0.pth').read_text() == 'new0'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['a.pth']
