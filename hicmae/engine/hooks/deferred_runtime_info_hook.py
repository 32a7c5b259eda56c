"""MMEngine's RuntimeInfoHook without a host read per logged value."""
from typing import Optional

import torch
from mmengine.hooks import LoggerHook, RuntimeInfoHook

from hicmae.registry import HOOKS


@HOOKS.register_module()
class DeferredRuntimeInfoHook(RuntimeInfoHook):
    """Keeps the step's logged tensors on the device and hands them to the
    message hub only when something reads it.

    MMEngine's hook calls ``.item()`` on every logged value of every
    iteration (9 per pre-training step); on a GPU each waits for the queued
    kernels. Here the values are queued as they are and, on iterations that
    the logger prints (its interval, an epoch's end) and before validation,
    checkpoints and the end of training, pushed in order with one read for
    the lot. The message hub's history, windows and means are those of
    MMEngine's hook.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pending = []
        self._interval = 1

    def before_train(self, runner) -> None:
        super().before_train(runner)
        loggers = [h for h in runner.hooks if isinstance(h, LoggerHook)]
        self._interval = loggers[0].interval if loggers else 1

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if outputs:
            self._pending.append(dict(outputs))
        end_of_epoch = self.end_of_epoch(runner.train_dataloader, batch_idx)
        if (self.every_n_inner_iters(batch_idx, self._interval)
                or self.every_n_train_iters(runner, self._interval)
                or end_of_epoch):
            self.flush(runner)

    def flush(self, runner) -> None:
        """Push the queued values into the message hub (one host read)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        tensors = [v.detach().float().reshape(()) for step in pending
                   for v in step.values() if isinstance(v, torch.Tensor)]
        values = iter(torch.stack(tensors).tolist() if tensors else [])
        for step in pending:
            for key, value in step.items():
                if isinstance(value, torch.Tensor):
                    value = next(values)
                runner.message_hub.update_scalar(f'train/{key}', value)

    def after_train_epoch(self, runner) -> None:
        self.flush(runner)

    def before_val(self, runner) -> None:
        self.flush(runner)
        super().before_val(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        self.flush(runner)

    def after_train(self, runner) -> None:
        self.flush(runner)
        super().after_train(runner)
