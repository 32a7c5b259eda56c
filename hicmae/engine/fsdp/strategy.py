"""MMEngine's FSDPStrategy with a working resume, the loss scaler's state
in its checkpoints, per-device mixed precision and one write per file."""
import time
from typing import Callable, Optional

import mmengine
from mmengine._strategy import FSDPStrategy
from mmengine.device import get_device
from mmengine.dist import get_rank, is_main_process
from mmengine.utils import get_git_hash, mkdir_or_exist
from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

from hicmae.registry import STRATEGIES
from .mixed_precision import resolve_fsdp_mixed_precision

# keys an optim wrapper adds to its optimizer's state dict
_WRAPPER_KEYS = ('loss_scaler', 'base_param_settings')


@STRATEGIES.register_module()
class HiCMAEFSDPStrategy(FSDPStrategy):
    """``FSDPStrategy`` whose checkpoints resume what was saved.

    * MMEngine 0.10.7 calls ``FSDP.optim_state_dict_to_load(state_dict,
      model, optimizer)``, but torch's signature is ``(model, optim,
      optim_state_dict)``: the load fails with ``TypeError: unhashable
      type: 'dict'``. This passes torch's order.
    * ``FSDP.optim_state_dict`` keeps only the optimizer's ``state`` and
      ``param_groups``: the optim wrapper's own entries (the fp16 loss
      scaler's scale and growth tracker) were dropped at every save, so a
      resume restarted at scale 2**16. They are saved beside FSDP's
      optimizer state and loaded back past FSDP's conversion.
    * ``model_wrapper.mixed_precision`` dtypes may be dicts from device
      type to dtype (``dict(cuda='float16', cpu='bfloat16')``).
    * With ``state_dict_cfg='local'`` MMEngine writes ``rank0.pth`` twice
      (once per rank, once more on the main process): here once.
    """

    def _wrap_model(self, model):
        self.model_wrapper = resolve_fsdp_mixed_precision(
            self.model_wrapper, get_device())
        return super()._wrap_model(model)

    def optim_state_dict(self) -> dict:
        wrapper_state = dict(self.optim_wrapper.state_dict())
        extras = {k: wrapper_state.pop(k) for k in _WRAPPER_KEYS
                  if k in wrapper_state}
        state = FSDP.optim_state_dict(self.model, self.optim_wrapper.optimizer,
                                      wrapper_state)
        return {**state, **extras}

    def load_optim_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        extras = {k: state_dict.pop(k) for k in _WRAPPER_KEYS
                  if k in state_dict}
        optim_state = FSDP.optim_state_dict_to_load(
            self.model, self.optim_wrapper.optimizer, state_dict)
        self.optim_wrapper.load_state_dict({**optim_state, **extras})

    def save_checkpoint(self,
                        filename: str,
                        *,
                        save_optimizer: bool = True,
                        save_param_scheduler: bool = True,
                        extra_ckpt: Optional[dict] = None,
                        callback: Optional[Callable] = None) -> None:
        """What MMEngine's ``FSDPStrategy.save_checkpoint`` saves, each
        file written once: ``filename/rank{i}.pth`` by rank ``i`` (local
        state dicts) or ``filename`` by rank 0 (full state dicts)."""
        from mmengine.runner.checkpoint import save_checkpoint
        state = dict(state_dict=self.model_state_dict())
        if save_optimizer and hasattr(self, 'optim_wrapper'):
            state['optimizer'] = self.optim_state_dict()
        if save_param_scheduler and hasattr(self, 'param_schedulers'):
            state['param_schedulers'] = self.scheduler_state_dict()
        extra_ckpt = dict(extra_ckpt or {})
        extra_ckpt.setdefault('meta', {})
        extra_ckpt['meta'].update(
            seed=self.seed, time=time.strftime('%Y%m%d_%H%M%S',
                                               time.localtime()),
            mmengine=mmengine.__version__ + get_git_hash())
        state.update(extra_ckpt)
        if callback is not None:
            callback(state)
        if not self._is_full_state_dict():
            mkdir_or_exist(filename)
            save_checkpoint(state, f'{filename}/rank{get_rank()}.pth')
        elif is_main_process():
            save_checkpoint(state, filename)
