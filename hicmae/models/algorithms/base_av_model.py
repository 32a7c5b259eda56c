"""Behaviour shared by the algorithms: preprocessor, non-finite losses."""
from typing import Dict, Optional, Tuple, Union

import torch
import torch.distributed as dist
from mmengine.logging import MessageHub, print_log
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper

from hicmae.registry import MODELS


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite; the message names the iteration and
    the terms."""


class _SkipStep(Exception):
    """Internal: abandon this optimisation step."""


class BaseAVModel(BaseModel):
    """An MMEngine model with hicmae's preprocessor and a loss guard.

    A non-finite total loss is caught before any gradient reaches the
    weights. ``on_nonfinite_loss='raise'`` stops the run with
    :class:`NonFiniteLossError` naming the iteration and every loss term
    (so the last checkpoint, written before, stays the last good one);
    ``'skip'`` drops that step and goes on, at most ``max_nonfinite_skips``
    times in a run (single-process runs only: in a distributed run every
    rank would have to agree to skip, so it raises there).

    Args:
        data_preprocessor: config or module; default ``AVDataPreprocessor``.
        on_nonfinite_loss: ``'raise'`` or ``'skip'``.
        max_nonfinite_skips: skips allowed before raising.
    """

    def __init__(self, data_preprocessor: Optional[Union[dict,
                                                         torch.nn.Module]]
                 = None, init_cfg: Optional[dict] = None,
                 on_nonfinite_loss: str = 'raise',
                 max_nonfinite_skips: int = 10) -> None:
        if on_nonfinite_loss not in ('raise', 'skip'):
            raise ValueError("on_nonfinite_loss must be 'raise' or 'skip', "
                             f'got {on_nonfinite_loss!r}')
        if data_preprocessor is None:
            data_preprocessor = dict(type='AVDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            # built from this package's registry: no default scope needed
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.on_nonfinite_loss = on_nonfinite_loss
        self.max_nonfinite_skips = max_nonfinite_skips
        self.num_nonfinite_skips = 0

    def parse_losses(self, losses: Dict[str, torch.Tensor]
                     ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        loss, log_vars = super().parse_losses(losses)
        if not torch.isfinite(loss):
            self._nonfinite(losses)
        return loss, log_vars

    def _nonfinite(self, losses: Dict[str, torch.Tensor]) -> None:
        it = MessageHub.get_current_instance().get_info('iter')
        terms = ', '.join(f'{k}={float(v.detach().float().mean()):.4g}'
                          for k, v in losses.items() if 'loss' in k)
        distributed = dist.is_available() and dist.is_initialized() and \
            dist.get_world_size() > 1
        if (self.on_nonfinite_loss == 'skip' and not distributed
                and self.num_nonfinite_skips < self.max_nonfinite_skips):
            self.num_nonfinite_skips += 1
            print_log(f'non-finite loss at iteration {it} ({terms}); '
                      f'step skipped ({self.num_nonfinite_skips}/'
                      f'{self.max_nonfinite_skips})', logger='current',
                      level=30)
            raise _SkipStep
        raise NonFiniteLossError(
            f'non-finite loss at iteration {it}: {terms}. Training stopped '
            'before updating the weights; the last checkpoint is the last '
            'good state. Lower the learning rate, check the data, or set '
            "model.on_nonfinite_loss='skip'.")

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        try:
            parsed, log_vars = self.parse_losses(losses)
        except _SkipStep:
            optim_wrapper.zero_grad()
            return {k: v.detach() for k, v in losses.items()
                    if isinstance(v, torch.Tensor) and v.dim() == 0}
        optim_wrapper.update_params(parsed)
        return log_vars
