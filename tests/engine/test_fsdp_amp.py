"""FSDP with fp16 loss scaling on 2 gloo ranks (the CPU form of a
multi-GPU run): every rank takes the same skip decision, clipping uses the
norm over all shards, checkpoints keep the loss scaler, the recipe's FSDP
mixed precision and one write per checkpoint file."""
import json
import os
import socket
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

REPO_ROOT = Path(__file__).resolve().parents[2]
FSDP_RECIPE = REPO_ROOT / 'configs/hicmae/hicmae_base_vox2_fsdp.py'

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _toy_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.GELU(),
                               torch.nn.Linear(16, 4))


def _wrapper(optimizer, **kwargs):
    from hicmae.engine import MixedPrecisionOptimWrapper
    return MixedPrecisionOptimWrapper(optimizer=optimizer, dtype='float16',
                                      use_fsdp=True, **kwargs)


def _step(model, wrapper, inf_on_this_rank: bool):
    """One fp16 step; an inf in one element of this rank's gradient shard
    (what a few overflowing elements give under FSDP)."""
    torch.manual_seed(1)
    x = torch.randn(4, 8)
    with wrapper.optim_context(model):
        loss = model(x).float().pow(2).mean()
    wrapper.backward(loss)
    if inf_on_this_rank:
        grad = next(p.grad for p in model.parameters()
                    if p.grad is not None and p.grad.numel())
        grad.view(-1)[0] = float('inf')
    wrapper.step()
    wrapper.zero_grad()


def _run_ranks(fn, tmp_path, *args) -> list:
    out = str(tmp_path / 'rank')
    mp.spawn(fn, nprocs=2, args=(_free_port(), out, *args))
    return [json.loads(Path(f'{out}{r}.json').read_text()) for r in (0, 1)]


def _init(rank: int, port: int) -> None:
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port),
                      RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE='2')
    dist.init_process_group('gloo', rank=rank, world_size=2)


def _finish(out: str, rank: int, report: dict) -> None:
    import torch.distributed as dist
    with open(f'{out}{rank}.json', 'w') as f:
        json.dump(report, f)
    dist.barrier()
    dist.destroy_process_group()


# ------------------------------------------------ item 1: skip decisions
def _skip_rank(rank, port, out, inf_ranks):
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    _init(rank, port)
    model = FSDP(_toy_model(), device_id=torch.device('cpu'),
                 use_orig_params=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, fused=True)
    wrapper = _wrapper(optimizer)
    before = [p.detach().clone() for p in model.parameters()]
    _step(model, wrapper, rank in inf_ranks)
    after = list(model.parameters())
    report = dict(
        scale=wrapper.loss_scaler.get_scale(),
        changed=any(not torch.equal(a, b) for a, b in zip(after, before)),
        finite=all(bool(torch.isfinite(p).all()) for p in after),
        steps=sorted({float(s['step']) for s in optimizer.state.values()}))
    try:  # what every checkpoint save calls
        FSDP.optim_state_dict(model, optimizer)
        report['optim_state_dict'] = 'ok'
    except AssertionError as err:
        report['optim_state_dict'] = str(err)
    _finish(out, rank, report)


def test_overflow_in_one_shard_skips_the_step_on_every_rank(tmp_path):
    reports = _run_ranks(_skip_rank, tmp_path, (0, ))
    for report in reports:
        assert report['scale'] == 2.**15, reports  # backed off everywhere
        assert not report['changed'], reports  # no rank stepped
        assert report['steps'] == [0.0], reports
        assert report['optim_state_dict'] == 'ok', reports


def test_overflow_on_every_rank_skips_without_nan(tmp_path):
    # the all-reduced flag is 2 here: fused AdamW skipped only on exactly 1
    reports = _run_ranks(_skip_rank, tmp_path, (0, 1))
    for report in reports:
        assert report['finite'] and not report['changed'], reports
        assert report['steps'] == [0.0], reports
        assert report['scale'] == 2.**15, reports


def test_finite_step_updates_every_rank(tmp_path):
    reports = _run_ranks(_skip_rank, tmp_path, ())
    for report in reports:
        assert report['changed'] and report['steps'] == [1.0], reports
        assert report['scale'] == 2.**16, reports


# ------------------------------------------------ item 1: global clip norm
def _clip_rank(rank, port, out):
    from mmengine.logging import MessageHub
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    _init(rank, port)
    reference = _toy_model()  # same weights, unsharded
    model = FSDP(_toy_model(), device_id=torch.device('cpu'),
                 use_orig_params=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, fused=True)
    wrapper = _wrapper(optimizer, clip_grad=dict(max_norm=1e-3))
    _step(model, wrapper, False)
    # every rank computes the same loss: the averaged gradient is the
    # reference model's own
    torch.manual_seed(1)
    x = torch.randn(4, 8)
    with torch.autocast('cpu', dtype=torch.float16):
        loss = reference(x).float().pow(2).mean()
    loss.backward()
    full = torch.nn.utils.get_total_norm(
        [p.grad for p in reference.parameters()])
    logged = MessageHub.get_current_instance().get_scalar(
        'train/grad_norm').current()
    _finish(out, rank, dict(logged=float(logged), full=float(full)))


def test_clip_grad_uses_the_norm_over_all_shards(tmp_path):
    reports = _run_ranks(_clip_rank, tmp_path)
    for report in reports:
        assert report['logged'] == pytest.approx(report['full'], rel=1e-2)
    assert reports[0]['logged'] == reports[1]['logged']


# ------------------------------------ items 2 and 10: strategy and recipe
def _strategy(model_wrapper=None):
    from hicmae.engine.fsdp import HiCMAEFSDPStrategy
    wrapper = dict(dict(type='MMFullyShardedDataParallel',
                        use_orig_params=True), **(model_wrapper or {}))
    wrapper['device_id'] = 'cpu'
    strategy = HiCMAEFSDPStrategy(model_wrapper=wrapper)
    strategy.prepare(_toy_model(), optim_wrapper=dict(
        type='MixedPrecisionOptimWrapper', dtype='float16', use_fsdp=True,
        optimizer=dict(type='AdamW', lr=1e-2, fused=True)))
    return strategy


def _scaler_rank(rank, port, out, ckpt):
    from hicmae.engine.optim_wrappers import mixed_precision_optim_wrapper
    from hicmae.utils import checkpoint_safe_globals, register_all_modules
    register_all_modules()
    _init(rank, port)
    strategy = _strategy()
    _step(strategy.model, strategy.optim_wrapper, rank == 0)  # backs off
    _step(strategy.model, strategy.optim_wrapper, False)
    saved = strategy.optim_wrapper.loss_scaler.state_dict()
    strategy.save_checkpoint(ckpt)
    messages = []
    mixed_precision_optim_wrapper.print_log = \
        lambda msg, *a, **k: messages.append(msg)
    resumed = _strategy()
    with checkpoint_safe_globals():  # as the runner loads
        state = resumed.load_checkpoint(ckpt)
    resumed.load_optim_state_dict(state['optimizer'])
    _finish(out, rank, dict(
        saved=saved, keys=sorted(state['optimizer']),
        loaded=resumed.optim_wrapper.loss_scaler.state_dict(),
        messages=messages))


def test_fsdp_checkpoint_keeps_the_loss_scaler(tmp_path):
    reports = _run_ranks(_scaler_rank, tmp_path, str(tmp_path / 'ckpt'))
    for report in reports:
        assert 'loss_scaler' in report['keys'], report
        assert report['saved']['scale'] == 2.**15
        assert report['saved']['_growth_tracker'] == 1
        assert report['loaded'] == report['saved']
        assert not report['messages'], report


def _recipe_rank(rank, port, out, ckpt):
    from mmengine.config import Config
    from mmengine.runner import checkpoint

    from hicmae.utils import register_all_modules
    register_all_modules()
    _init(rank, port)
    recipe = Config.fromfile(str(FSDP_RECIPE))
    wrapper = recipe.strategy.model_wrapper.to_dict()
    wrapper.pop('auto_wrap_policy')  # the toy model has no blocks
    strategy = _strategy(wrapper)
    seen = []
    strategy.model.module[0].register_forward_pre_hook(
        lambda module, args: seen.append(str(module.weight.dtype)))
    _step(strategy.model, strategy.optim_wrapper, False)
    writes = []
    save = checkpoint.save_checkpoint
    checkpoint.save_checkpoint = \
        lambda state, path, *a, **k: (writes.append(path),
                                      save(state, path, *a, **k))
    strategy.save_checkpoint(ckpt)
    precision = strategy.model.mixed_precision
    _finish(out, rank, dict(
        forward_dtypes=seen, param=str(precision.param_dtype),
        reduce=str(precision.reduce_dtype), writes=writes))


def test_recipe_gathers_half_precision_and_reduces_fp32(tmp_path):
    ckpt = str(tmp_path / 'ckpt')
    reports = _run_ranks(_recipe_rank, tmp_path, ckpt)
    for rank, report in enumerate(reports):
        # the CPU form of the recipe's dict(cuda='float16', cpu='bfloat16')
        assert report['param'] == 'torch.bfloat16', report
        assert report['forward_dtypes'] == ['torch.bfloat16'], report
        assert report['reduce'] == 'torch.float32', report
        # each rank writes its own part, once
        assert report['writes'] == [f'{ckpt}/rank{rank}.pth'], report


def test_mixed_precision_dtypes_resolve_per_device():
    from hicmae.engine.fsdp.mixed_precision import resolve_fsdp_mixed_precision
    wrapper = dict(mixed_precision=dict(
        param_dtype=dict(cuda='float16', cpu='bfloat16'),
        reduce_dtype='float32'))
    assert resolve_fsdp_mixed_precision(wrapper, 'cuda')['mixed_precision'] \
        == dict(param_dtype='float16', reduce_dtype='float32')
    assert resolve_fsdp_mixed_precision(wrapper, 'cpu')['mixed_precision'][
        'param_dtype'] == 'bfloat16'
    assert wrapper['mixed_precision']['param_dtype'] == dict(
        cuda='float16', cpu='bfloat16')  # the config is left as it was
    with pytest.raises(ValueError, match='param_dtype'):
        resolve_fsdp_mixed_precision(wrapper, 'npu')
