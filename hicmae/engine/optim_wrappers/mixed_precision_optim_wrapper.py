"""Mixed precision on any device: fp16 with loss scaling, bf16, or fp32."""
from contextlib import contextmanager
from typing import Dict, Optional, Union

import torch
from mmengine.device import get_device
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from torch import nn

from hicmae.registry import OPTIM_WRAPPERS

DType = Union[str, torch.dtype, None]
_DTYPES = ('float16', 'bfloat16', 'float32')


def resolve_dtype(dtype: Union[DType, Dict[str, DType]],
                  device_type: str) -> torch.dtype:
    """The autocast dtype for ``device_type``.

    ``dtype`` is one dtype for every device, or a dict from device type to
    dtype (a recipe default that resolves per device, e.g.
    ``dict(cuda='float16', cpu='float32')``); ``None`` and ``'float32'``
    mean full precision.
    """
    if isinstance(dtype, dict):
        if device_type not in dtype:
            raise ValueError(f'optim_wrapper.dtype names the devices '
                             f'{sorted(dtype)}, not this run\'s '
                             f'{device_type!r}')
        dtype = dtype[device_type]
    if dtype is None:
        return torch.float32
    if isinstance(dtype, str):
        if dtype not in _DTYPES:
            raise ValueError(f'optim_wrapper.dtype must be one of {_DTYPES}, '
                             f'got {dtype!r}')
        dtype = getattr(torch, dtype)
    if dtype not in (torch.float16, torch.bfloat16, torch.float32):
        raise ValueError(f'unsupported autocast dtype {dtype}')
    return dtype


@OPTIM_WRAPPERS.register_module()
class MixedPrecisionOptimWrapper(OptimWrapper):
    """Automatic mixed precision with ``torch.autocast`` on the run's device.

    MMEngine's ``AmpOptimWrapper`` refuses to build without an accelerator
    and its CPU autocast allows bf16 only; torch runs fp16 autocast and
    ``torch.amp.GradScaler`` on the CPU too, so this wrapper takes the same
    path everywhere and the paper's fp16 recipe runs in CPU tests.

    * ``float16``: autocast plus loss scaling (``GradScaler``, or
      ``ShardedGradScaler`` under FSDP): steps with inf/NaN gradients are
      skipped and the scale backs off; it grows after ``growth_interval``
      finite steps. The gradients are unscaled before every step, so under
      FSDP the inf check is global (every rank skips or none does) and
      ``clip_grad`` clips by the norm over all shards
      (``FSDP.clip_grad_norm_`` of the root module the wrapper's
      ``optim_context`` was given).
    * ``bfloat16``: autocast without scaling (fp32's exponent range).
    * ``float32``: no autocast: the wrapper acts as ``OptimWrapper``.

    The state dict has MMEngine's layout (``loss_scaler`` next to the
    optimizer's state), so checkpoints move between the two wrappers. A
    checkpoint without scaler state (bf16/fp32 run, or a plain
    ``OptimWrapper``) resumes with a fresh scaler.

    Args:
        loss_scale: ``'dynamic'``, a float (a fixed scale) or the
            ``GradScaler`` keyword arguments.
        dtype: autocast dtype, or a dict from device type (``'cuda'``,
            ``'cpu'``) to dtype.
        use_fsdp: shard the scaler's inf checks with the FSDP model.
        **kwargs: ``OptimWrapper`` arguments (optimizer, clip_grad, ...).
    """

    def __init__(self, loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Union[DType, Dict[str, DType]] = 'float16',
                 use_fsdp: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.device_type = get_device()
        self.cast_dtype = resolve_dtype(dtype, self.device_type)
        scaled = self.cast_dtype == torch.float16
        self.fixed_scale: Optional[float] = None
        if loss_scale == 'dynamic':
            scaler_args = {}
        elif isinstance(loss_scale, (int, float)):
            self.fixed_scale = float(loss_scale)
            scaler_args = dict(init_scale=self.fixed_scale)
        elif isinstance(loss_scale, dict):
            scaler_args = dict(loss_scale)
        else:
            raise TypeError('loss_scale must be "dynamic", a float or a '
                            f'dict, got {loss_scale!r}')
        self.use_fsdp = use_fsdp
        self._fsdp_root: Optional[nn.Module] = None
        if use_fsdp:
            from .sharded_grad_scaler import GlobalSkipShardedGradScaler
            self.loss_scaler = GlobalSkipShardedGradScaler(
                device=self.device_type, enabled=scaled, **scaler_args)
        else:
            self.loss_scaler = torch.amp.GradScaler(
                self.device_type, enabled=scaled, **scaler_args)

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        super().backward(self.loss_scaler.scale(loss), **kwargs)

    def step(self, **kwargs) -> None:
        # the scaler skips a step whose gradients hold inf/NaN; with fused
        # or capturable optimizers it decides on the device, without a sync.
        # Unscaling first is what makes that decision global under FSDP:
        # ShardedGradScaler all-reduces its inf flag in unscale_ only, and a
        # fused optimizer left to check by itself sees its own shard.
        self.loss_scaler.unscale_(self.optimizer)
        if self.clip_grad_kwargs:
            self._clip_grad()
        self.loss_scaler.step(self.optimizer, **kwargs)
        self.loss_scaler.update(self.fixed_scale)

    def _clip_grad(self) -> None:
        if not self.use_fsdp or self.clip_func is not \
                torch.nn.utils.clip_grad_norm_:
            return super()._clip_grad()  # by value: elementwise, local
        if self._fsdp_root is None:
            raise RuntimeError(
                'MixedPrecisionOptimWrapper(use_fsdp=True, clip_grad=...): '
                'clipping by the global norm needs the FSDP root module; '
                'run the step inside optim_wrapper.optim_context(model)')
        # the norm over every rank's shard, not this rank's part of it
        grad = self._fsdp_root.clip_grad_norm_(**self.clip_grad_kwargs)
        self.message_hub.update_scalar(f'train/{self.grad_name}',
                                       float(grad))

    def state_dict(self) -> dict:
        state = super().state_dict()
        state['loss_scaler'] = self.loss_scaler.state_dict()
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        scaler_state = state_dict.pop('loss_scaler', None)
        if scaler_state and self.loss_scaler.is_enabled():
            self.loss_scaler.load_state_dict(scaler_state)
        elif self.loss_scaler.is_enabled():
            print_log('the checkpoint has no loss-scaler state (a bf16 or '
                      'fp32 run): the fp16 loss scaler starts afresh',
                      logger='current')
        if 'base_param_settings' in state_dict:
            self.base_param_settings = state_dict.pop('base_param_settings')
        self.optimizer.load_state_dict(state_dict)

    @contextmanager
    def optim_context(self, model: nn.Module):
        if self.use_fsdp:
            from torch.distributed.fsdp import FullyShardedDataParallel
            if isinstance(model, FullyShardedDataParallel):
                self._fsdp_root = model
        with super().optim_context(model), torch.autocast(
                device_type=self.device_type, dtype=self.cast_dtype,
                enabled=self.cast_dtype != torch.float32):
            yield
