"""Validation and test loops that run the model under autocast."""
import contextlib
from typing import Dict, Sequence, Union

import torch
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.loops import _update_losses

from hicmae.registry import LOOPS
from ..optim_wrappers import resolve_dtype

# the authors evaluate in fp16 autocast on the GPU; the CPU keeps fp32
DEFAULT_EVAL_DTYPE = dict(cuda='float16', cpu='float32')


def model_device_type(model: torch.nn.Module) -> str:
    """``'cuda'``, ``'cpu'``, ... of the model's first parameter."""
    for param in model.parameters():
        return param.device.type
    return 'cpu'


def eval_autocast(dtype: Union[str, Dict[str, str], None],
                  device_type: str, where: str):
    """``torch.autocast`` for ``dtype`` on ``device_type``; a no-op for
    float32."""
    try:
        resolved = resolve_dtype(dtype, device_type)
    except ValueError as err:
        raise ValueError(f'{where}.dtype: {err}') from None
    if resolved == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device_type, dtype=resolved)


class _AutocastIter:
    """``run_iter`` of MMEngine's loops with the step under autocast."""

    stage = ''

    def _run_step(self, idx: int, data_batch: Sequence[dict]) -> None:
        runner = self.runner
        runner.call_hook(f'before_{self.stage}_iter', batch_idx=idx,
                         data_batch=data_batch)
        step = getattr(runner.model, f'{self.stage}_step')
        with eval_autocast(self.dtype, model_device_type(runner.model),
                           f'{self.stage}_cfg'):
            outputs = step(data_batch)
        losses = getattr(self, f'{self.stage}_loss')
        outputs, losses = _update_losses(outputs, losses)
        setattr(self, f'{self.stage}_loss', losses)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        runner.call_hook(f'after_{self.stage}_iter', batch_idx=idx,
                         data_batch=data_batch, outputs=outputs)


@LOOPS.register_module()
class AmpValLoop(_AutocastIter, ValLoop):
    """MMEngine's ``ValLoop`` whose model steps run under autocast.

    Args:
        dtype: autocast dtype, one for every device or a dict per device
            type (default: float16 on CUDA, as the authors evaluate;
            float32 elsewhere). ``'float32'`` switches autocast off:
            ``--cfg-options val_cfg.dtype=float32``.
        Other arguments: those of ``ValLoop`` (its ``fp16`` is replaced by
        ``dtype``).
    """

    stage = 'val'

    def __init__(self, runner, dataloader, evaluator,
                 dtype: Union[str, Dict[str, str], None] = None) -> None:
        super().__init__(runner, dataloader, evaluator, fp16=False)
        self.dtype = DEFAULT_EVAL_DTYPE if dtype is None else dtype

    @torch.no_grad()
    def run_iter(self, idx, data_batch: Sequence[dict]) -> None:
        self._run_step(idx, data_batch)


@LOOPS.register_module()
class AmpTestLoop(_AutocastIter, TestLoop):
    """MMEngine's ``TestLoop`` whose model steps run under autocast; see
    :class:`AmpValLoop` (``--cfg-options test_cfg.dtype=float32``)."""

    stage = 'test'

    def __init__(self, runner, dataloader, evaluator,
                 dtype: Union[str, Dict[str, str], None] = None) -> None:
        super().__init__(runner, dataloader, evaluator, fp16=False)
        self.dtype = DEFAULT_EVAL_DTYPE if dtype is None else dtype

    @torch.no_grad()
    def run_iter(self, idx, data_batch: Sequence[dict]) -> None:
        self._run_step(idx, data_batch)
