"""The FSDP recipe runs on the CPU with gloo (FlexibleRunner, 2 ranks):
it shards every transformer block, resumes, and its sharded checkpoints
consolidate into one file that the fine-tuning loader reads."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]

TINY_FSDP = """
_base_ = ['{repo}/configs/hicmae/hicmae_base_vox2_fsdp.py']
model = dict(
    video_encoder=dict(img_size=64, depth=4, embed_dims=64, num_heads=2),
    audio_encoder=dict(input_size=(64, 64), depth=4, embed_dims=64,
                       num_heads=2),
    fusion=dict(num_heads=2), video_decoder=dict(embed_dims=32, num_heads=2),
    audio_decoder=dict(embed_dims=32, num_heads=2),
    video_masking=dict(ratio=0.75), audio_masking=dict(ratio=0.5),
    contrastive_layers=(1, 2, 3), skip_layers=(1, 2, 3))
train_pipeline = [dict(type='PackAVInputs')]
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _dist_train(cfg, work, *extra):
    return subprocess.run(
        ['bash', 'tools/dist_train.sh', str(cfg), '2', '--work-dir',
         str(work), *extra], cwd=REPO_ROOT, capture_output=True,
        text=True, timeout=600,
        env=dict(os.environ, PORT=str(_free_port()), PYTHON=sys.executable,
                 OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore'))


@pytest.fixture(scope='module')
def fsdp_run(tmp_path_factory):
    """One epoch, then a --resume for a second one."""
    tmp = tmp_path_factory.mktemp('fsdp')
    cfg = tmp / 'tiny_fsdp.py'
    cfg.write_text(TINY_FSDP.format(repo=REPO_ROOT))
    first = _dist_train(cfg, tmp / 'work')
    resumed = _dist_train(cfg, tmp / 'work', '--resume', '--cfg-options',
                          'train_cfg.max_epochs=2')
    return cfg, tmp / 'work', first, resumed


def test_fsdp_recipe_trains_two_cpu_ranks(fsdp_run):
    _, work, proc, _ = fsdp_run
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'Epoch(train) [1][2/2]' in log
    assert 'HiCMAEFlexibleRunner' in log
    assert (work / 'epoch_1.pth').exists()
    # one part per rank (sharded), written under a temporary name and
    # moved into place whole
    assert sorted(p.name for p in (work / 'epoch_1.pth').iterdir()) == \
        ['rank0.pth', 'rank1.pth']
    assert not list(work.glob('.*.tmp')), list(work.iterdir())


def test_fsdp_run_resumes(fsdp_run):
    _, work, _, proc = fsdp_run
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'resumed epoch: 1' in log
    assert 'Epoch(train) [2][2/2]' in log
    assert 'Epoch(train) [1]' not in log
    assert (work / 'epoch_2.pth' / 'rank1.pth').exists()


def _inspect_rank(rank, port, cfg_path, ckpt_dir, out):
    """One gloo rank: wrap the model as the recipe does, read its part of
    the checkpoint, report what is sharded how."""
    import torch.distributed as dist
    from mmengine.config import Config
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    from hicmae.engine.fsdp.consolidate import wrap_fsdp
    from hicmae.models.layers import Block, CrossSelfBlock
    from hicmae.registry import MODELS
    from hicmae.utils import register_all_modules, safe_torch_load
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    register_all_modules()
    cfg = Config.fromfile(cfg_path)
    full = MODELS.build(cfg.model)
    total = sum(p.numel() for p in full.parameters())
    blocks = sorted(n for n, m in full.named_modules()
                    if isinstance(m, (Block, CrossSelfBlock)))
    model = wrap_fsdp(full, cfg)
    units = sorted(n.replace('_fsdp_wrapped_module.', '')
                   for n, m in model.named_modules()
                   if isinstance(m, FSDP) and n)
    local = sum(h.flat_param.numel() for h in
                (u._handle for u in FSDP.fsdp_modules(model)) if h)
    saved = safe_torch_load(os.path.join(ckpt_dir, f'rank{rank}.pth'))
    flat = sorted(k[:-len('._flat_param')] for k in saved['state_dict']
                  if k.endswith('._flat_param'))
    with open(f'{out}.{rank}.json', 'w') as f:
        json.dump(dict(total=total, local=local, blocks=blocks,
                       units=units, flat=flat), f)
    dist.barrier()
    dist.destroy_process_group()


def test_every_block_is_its_own_sharded_unit(fsdp_run, tmp_path):
    import torch.multiprocessing as mp
    cfg, work, proc, _ = fsdp_run
    assert proc.returncode == 0
    out = str(tmp_path / 'report')
    mp.spawn(_inspect_rank, nprocs=2, args=(_free_port(), str(cfg),
                                            str(work / 'epoch_1.pth'), out))
    reports = [json.loads(Path(f'{out}.{r}.json').read_text())
               for r in (0, 1)]
    for report in reports:
        assert report['blocks'], 'the model has transformer blocks'
        # one FSDP unit per block, nothing else below the root
        assert report['units'] == report['blocks']
        # the checkpoint holds one flat shard per block unit
        assert report['flat'] == report['blocks']
        # each rank keeps about half of the parameters (plus padding)
        assert report['total'] / 2 <= report['local'] < \
            report['total'] / 2 + 1000, report


def test_sharded_checkpoint_consolidates_into_one_file(fsdp_run, tmp_path):
    from hicmae.engine.fsdp.consolidate import consolidate_fsdp_checkpoint
    from hicmae.models.algorithms import AVRecognizer
    from hicmae.registry import MODELS
    from hicmae.utils import safe_torch_load
    from hicmae.utils.pretrained import load_pretrained
    cfg, work, _, proc = fsdp_run
    assert proc.returncode == 0
    out = tmp_path / 'full.pth'
    # the config MMEngine dumped into the work dir is found by itself
    consolidate_fsdp_checkpoint(str(work / 'epoch_2.pth'), str(out))
    state = safe_torch_load(str(out))['state_dict']
    from mmengine.config import Config
    model = MODELS.build(Config.fromfile(str(cfg)).model)
    own = model.state_dict()
    assert state.keys() == own.keys()
    assert all(state[k].shape == own[k].shape for k in own)
    assert not any(torch.equal(state[k], own[k]) for k in own
                   if k.endswith('attn.qkv.weight'))  # trained weights
    recognizer = MODELS.build(dict(
        type='AVRecognizer',
        video_encoder=dict(type='VideoEncoder', img_size=64, num_frames=16,
                           embed_dims=64, depth=4, num_heads=2),
        audio_encoder=dict(type='AudioEncoder', input_size=(64, 64),
                           embed_dims=64, depth=4, num_heads=2),
        fusion=dict(type='CrossModalFusionEncoder', depth=2, num_heads=2),
        head=dict(type='HFFClsHead', num_classes=3)))
    assert isinstance(recognizer, AVRecognizer)
    report = load_pretrained(recognizer, str(out))
    assert any(k.startswith('video_encoder.blocks.3.')
               for k in report['loaded'])
    assert not report['mismatched']


def test_replace_path_moves_files_and_shard_folders(tmp_path):
    from hicmae.engine.runners.flexible_runner import replace_path
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
