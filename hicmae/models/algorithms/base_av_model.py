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

    Reading a loss back to the host every step would stall a GPU, so with
    ``on_nonfinite_loss='raise'`` the step only records on the device
    whether the total loss was finite (and the terms of the first
    non-finite step); the record is read every
    ``nonfinite_check_interval`` steps and before every checkpoint save
    (the model's state is saved only after a check), and a non-finite loss
    stops the run with :class:`NonFiniteLossError` naming its iteration and
    every loss term, so the last checkpoint stays the last good one. With
    ``nonfinite_check_interval=1`` the check runs before the update and no
    non-finite gradient reaches the weights. ``'skip'`` checks every step
    (one sync per step) and drops a non-finite one, at most
    ``max_nonfinite_skips`` times in a run (single-process runs only: in a
    distributed run every rank would have to agree to skip, so it raises
    there). fp16 runs also skip steps with non-finite gradients in the loss
    scaler, on the device.

    Args:
        data_preprocessor: config or module; default ``AVDataPreprocessor``.
        on_nonfinite_loss: ``'raise'`` or ``'skip'``.
        max_nonfinite_skips: skips allowed before raising.
        nonfinite_check_interval: steps between reads of the finiteness
            record in ``'raise'`` mode (the logger's default interval).
    """

    def __init__(self, data_preprocessor: Optional[Union[dict,
                                                         torch.nn.Module]]
                 = None, init_cfg: Optional[dict] = None,
                 on_nonfinite_loss: str = 'raise',
                 max_nonfinite_skips: int = 10,
                 nonfinite_check_interval: int = 20) -> None:
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
        if nonfinite_check_interval < 1:
            raise ValueError('nonfinite_check_interval must be >= 1, got '
                             f'{nonfinite_check_interval}')
        self.nonfinite_check_interval = nonfinite_check_interval
        self._unchecked_steps = 0
        # device-side record of the first non-finite step since the check:
        # its iteration (-1: none) and loss terms
        self._first_nonfinite: Optional[torch.Tensor] = None
        self._nonfinite_terms: Optional[torch.Tensor] = None
        self._term_names: Tuple[str, ...] = ()

    def parse_losses(self, losses: Dict[str, torch.Tensor]
                     ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        loss, log_vars = super().parse_losses(losses)
        if self.on_nonfinite_loss == 'skip':
            if not torch.isfinite(loss):  # a per-step decision: one sync
                self._nonfinite(losses)
            return loss, log_vars
        self._record_finite(loss, losses)
        self._unchecked_steps += 1
        if self._unchecked_steps >= self.nonfinite_check_interval:
            self.check_finite_losses()
        return loss, log_vars

    def _record_finite(self, loss: torch.Tensor,
                       losses: Dict[str, torch.Tensor]) -> None:
        """Note a non-finite ``loss`` on the device, without a sync."""
        names = tuple(k for k in losses if 'loss' in k)
        terms = torch.stack([losses[k].detach().float().mean()
                             for k in names])
        if self._first_nonfinite is None or names != self._term_names:
            self._term_names = names
            self._first_nonfinite = torch.full((), -1, dtype=torch.long,
                                               device=loss.device)
            self._nonfinite_terms = torch.zeros_like(terms)
        it = MessageHub.get_current_instance().get_info('iter')
        new = ~torch.isfinite(loss) & (self._first_nonfinite < 0)
        self._first_nonfinite = torch.where(
            new, it if it is not None else 0, self._first_nonfinite)
        self._nonfinite_terms = torch.where(new, terms,
                                            self._nonfinite_terms)

    def check_finite_losses(self) -> None:
        """Read the finiteness record (one sync); raise
        :class:`NonFiniteLossError` if a loss since the last check was not
        finite."""
        self._unchecked_steps = 0
        if self._first_nonfinite is None:
            return
        first = int(self._first_nonfinite)
        if first < 0:
            return
        terms = ', '.join(f'{k}={v:.4g}' for k, v in zip(
            self._term_names, self._nonfinite_terms.tolist()))
        self._first_nonfinite = None
        raise NonFiniteLossError(
            f'non-finite loss at iteration {first}: {terms}. Training '
            'stopped at the next check (every '
            f'{self.nonfinite_check_interval} iterations and before each '
            'checkpoint), so the last checkpoint is the last good state. '
            'Lower the learning rate, check the data, or set '
            "model.on_nonfinite_loss='skip'.")

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        # every checkpoint save passes here first (torch's state_dict and
        # MMEngine's get_state_dict alike): never save after a bad step
        self.check_finite_losses()
        super()._save_to_state_dict(destination, prefix, keep_vars)

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
