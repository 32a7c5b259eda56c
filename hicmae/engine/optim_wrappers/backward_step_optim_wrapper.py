"""AdamW applied inside the backward pass, one parameter at a time."""
from functools import partial
from typing import Optional

import torch
from mmengine.optim import OptimWrapper
from torch.optim.adamw import adamw

from hicmae.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BackwardStepOptimWrapper(OptimWrapper):
    """Update each parameter as soon as its gradient is complete, then free
    the gradient.

    A normal step keeps every gradient alive until ``optimizer.step()``:
    as much memory as the weights themselves (400 MB for HiCMAE-Base in
    fp32). Here a ``post_accumulate_grad`` hook runs the AdamW update of
    each parameter during ``backward`` and drops its gradient at once, so at
    most the gradients of the layers in flight exist. The update is
    torch's own ``adamw`` on the optimizer's state and param-group settings,
    so schedulers, ``state_dict`` and resuming work unchanged and the
    result equals a normal AdamW step up to rounding.

    What it rules out, by construction: gradient clipping by the global
    norm, gradient accumulation and fp16 loss scaling (each needs every
    gradient before any update), and DDP (its all-reduce finishes after the
    local hooks run). Those raise here; bf16 autocast works.

    Args:
        optimizer: a ``torch.optim.AdamW``.
        kwargs: ``OptimWrapper`` arguments (``accumulative_counts`` must be
            1, ``clip_grad`` None).
    """

    def __init__(self, optimizer: torch.optim.Optimizer,
                 accumulative_counts: int = 1,
                 clip_grad: Optional[dict] = None, **kwargs) -> None:
        if type(optimizer) is not torch.optim.AdamW:
            raise TypeError('BackwardStepOptimWrapper steps AdamW only, got '
                            f'{type(optimizer).__name__}')
        if accumulative_counts != 1 or clip_grad:
            raise ValueError(
                'BackwardStepOptimWrapper updates each weight during '
                'backward, so it cannot accumulate or clip gradients; '
                'remove accumulative_counts/clip_grad or use OptimWrapper')
        if optimizer.defaults.get('amsgrad'):
            raise ValueError('BackwardStepOptimWrapper: amsgrad is not '
                             'supported')
        super().__init__(optimizer, **kwargs)
        self._handles = [
            p.register_post_accumulate_grad_hook(partial(self._update, group))
            for group in optimizer.param_groups for p in group['params']
            if p.requires_grad
        ]

    @torch.no_grad()
    def _update(self, group: dict, param: torch.Tensor) -> None:
        """AdamW on ``param`` with ``group``'s current settings."""
        state = self.optimizer.state[param]
        fused = bool(group.get('fused'))
        if not state:  # as AdamW initialises a parameter's state
            # the fused kernel wants the step counter on the weight's device
            state['step'] = torch.tensor(
                0.0, dtype=torch.float32,
                device=param.device if fused else 'cpu')
            state['exp_avg'] = torch.zeros_like(param)
            state['exp_avg_sq'] = torch.zeros_like(param)
        beta1, beta2 = group['betas']
        adamw([param], [param.grad], [state['exp_avg']],
              [state['exp_avg_sq']], [], [state['step']], foreach=False,
              fused=fused, amsgrad=False, beta1=beta1, beta2=beta2,
              lr=group['lr'], weight_decay=group['weight_decay'],
              eps=group['eps'], maximize=group['maximize'])
        param.grad = None

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        if torch.distributed.is_available() and \
                torch.distributed.is_initialized() and \
                torch.distributed.get_world_size() > 1:
            raise RuntimeError(
                'BackwardStepOptimWrapper runs in one process only: DDP '
                'averages gradients after the per-weight updates ran')
        super().backward(loss, **kwargs)

    def step(self, **kwargs) -> None:
        """Nothing left to do: every weight was updated in ``backward``."""

    def zero_grad(self, **kwargs) -> None:
        """Nothing to clear: gradients are freed as soon as they are used."""
