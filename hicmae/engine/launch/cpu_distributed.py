"""Distributed runs on machines without CUDA (gloo backend).

MMEngine's launcher set-up pins a CUDA device per rank and wraps the model
with ``device_ids=[LOCAL_RANK]``; both fail without a GPU. Where CUDA is
missing, this joins the process group with gloo before the Runner is built
(the Runner then skips its own initialisation) and asks for a DDP wrapper
without device ids.
"""
import os

import torch
import torch.distributed as dist
from mmengine.config import Config

from ..runners.flexible_runner import FLEXIBLE_RUNNERS


def prepare_cpu_distributed(cfg: Config) -> bool:
    """Initialise gloo and adapt ``cfg`` if distributed without CUDA.

    Returns whether it did anything.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return False
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    if cfg.get('runner_type') in FLEXIBLE_RUNNERS:
        # FSDP shards onto the CPU instead of CUDA device LOCAL_RANK (a
        # string: the config dumped into the work dir must parse again)
        wrapper = cfg.setdefault('strategy', {}).setdefault(
            'model_wrapper', dict(type='MMFullyShardedDataParallel'))
        wrapper['device_id'] = 'cpu'
    elif cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    else:
        cfg.model_wrapper_cfg.setdefault('device_ids', None)
    if not dist.is_initialized():
        if cfg.launcher == 'slurm':
            _slurm_env_to_torch_env()
        dist.init_process_group(backend='gloo')
    return True


def _slurm_env_to_torch_env() -> None:
    """Translate Slurm's task variables into torch's env:// variables."""
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        nodes = os.environ.get('SLURM_NODELIST', '127.0.0.1')
        os.environ['MASTER_ADDR'] = nodes.split(',')[0].split('[')[0]
