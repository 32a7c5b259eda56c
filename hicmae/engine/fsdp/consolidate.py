"""Turn an FSDP run's sharded checkpoint into one ordinary checkpoint.

MMEngine's FSDPStrategy (``state_dict_cfg='local'``, its default) saves a
folder ``epoch_N.pth/`` with one ``rank{i}.pth`` per process: each holds the
flat, sharded parameters of every FSDP unit, which only the same model,
wrapped the same way over as many processes, can read. This module does
exactly that on the CPU: it starts one gloo process per rank file, wraps
the config's model with the config's FSDP settings, loads each rank's part
and writes the full state dict from rank 0 as ``dict(state_dict=...,
meta=...)``: the layout that ``tools/test.py``, ``init_model``,
``model.init_cfg=dict(type='Pretrained', ...)`` and the converter read.
It needs as many CPU processes as there were ranks, not as many GPUs.
"""
import glob
import os
import os.path as osp
import socket
from typing import Optional

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.config import Config
from torch.distributed.fsdp import FullStateDictConfig
from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
from torch.distributed.fsdp import StateDictType

from hicmae.utils.safe_load import safe_torch_load
from .mixed_precision import resolve_fsdp_mixed_precision


def rank_files(ckpt_dir: str) -> list:
    """The ``rank{i}.pth`` files of a sharded checkpoint, in rank order."""
    if not osp.isdir(ckpt_dir):
        raise FileNotFoundError(f'{ckpt_dir}: not a sharded FSDP checkpoint '
                                '(a folder of rank*.pth files)')
    files = glob.glob(osp.join(ckpt_dir, 'rank*.pth'))
    ranks = sorted(int(osp.basename(f)[4:-4]) for f in files)
    if not ranks or ranks != list(range(len(ranks))):
        raise ValueError(f'{ckpt_dir}: expected rank0.pth ... rankN.pth, '
                         f'found {sorted(osp.basename(f) for f in files)}')
    return [osp.join(ckpt_dir, f'rank{r}.pth') for r in ranks]


def wrap_fsdp(model: torch.nn.Module, cfg: Config) -> FSDP:
    """``model`` wrapped on the CPU as the config's FSDP strategy wraps it
    (same wrap policy, same ``use_orig_params``): call inside a process
    group."""
    from mmengine.registry import MODEL_WRAPPERS
    wrapper = dict(resolve_fsdp_mixed_precision(
        cfg.get('strategy', {}).get('model_wrapper'), 'cpu') or {})
    wrapper.setdefault('type', 'MMFullyShardedDataParallel')
    wrapper['device_id'] = torch.device('cpu')
    return MODEL_WRAPPERS.build(wrapper, default_args=dict(module=model))


def _consolidate_rank(rank: int, world: int, port: int, config: str,
                      ckpt_dir: str, out: str) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    try:
        from hicmae.registry import MODELS
        from hicmae.utils import register_all_modules
        register_all_modules()
        cfg = Config.fromfile(config)
        model_cfg = dict(cfg.model)
        model_cfg.pop('init_cfg', None)  # the weights come from the shards
        model = wrap_fsdp(MODELS.build(model_cfg), cfg)
        ckpt = safe_torch_load(osp.join(ckpt_dir, f'rank{rank}.pth'))
        with FSDP.state_dict_type(model, StateDictType.LOCAL_STATE_DICT):
            # with use_orig_params the local state holds each parameter's
            # local piece (what MMEngine's resume loads) next to the flat
            # shards, which torch's local load does not take back
            result = model.load_state_dict(ckpt['state_dict'], strict=False)
        unexpected = [k for k in result.unexpected_keys
                      if not k.endswith('_flat_param')]
        if result.missing_keys or unexpected:
            raise ValueError(
                f'{ckpt_dir}: rank {rank} does not match the config\'s '
                f'model: missing {result.missing_keys[:5]}, unexpected '
                f'{unexpected[:5]}')
        # the shards live on the CPU already (offloading them again crashes)
        full_cfg = FullStateDictConfig(offload_to_cpu=False, rank0_only=True)
        with FSDP.state_dict_type(model, StateDictType.FULL_STATE_DICT,
                                  full_cfg):
            state = model.state_dict()
        if rank == 0:
            meta = dict(ckpt.get('meta', {}), consolidated_from=ckpt_dir)
            meta.pop('rng_state', None)  # per-rank generators: not reusable
            tmp = f'{out}.tmp'
            torch.save(dict(state_dict=state, meta=meta), tmp)
            os.replace(tmp, out)
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def find_config(ckpt_dir: str) -> Optional[str]:
    """The config MMEngine dumped into the work dir of ``ckpt_dir``."""
    found = sorted(glob.glob(osp.join(osp.dirname(osp.abspath(ckpt_dir)),
                                      '*.py')))
    return found[0] if len(found) == 1 else None


def consolidate_fsdp_checkpoint(ckpt_dir: str, out: str,
                                config: Optional[str] = None) -> str:
    """Write the full weights of sharded ``ckpt_dir`` to the file ``out``.

    Args:
        ckpt_dir: ``work_dir/epoch_N.pth`` folder of ``rank{i}.pth`` files.
        out: the single checkpoint to write.
        config: the run's config; default: the one config MMEngine dumped
            into the work dir.

    Returns:
        ``out``.
    """
    files = rank_files(ckpt_dir)
    config = config or find_config(ckpt_dir)
    if config is None:
        raise ValueError(f'{ckpt_dir}: pass the run\'s config (no single '
                         '*.py in its work dir)')
    mp.spawn(_consolidate_rank, nprocs=len(files),
             args=(len(files), _free_port(), config, ckpt_dir, out))
    return out
