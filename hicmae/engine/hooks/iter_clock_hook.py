"""Wall time of whole training iterations, as the runner runs them."""
import time
from typing import List

import torch
from mmengine.hooks import Hook

from hicmae.registry import HOOKS


@HOOKS.register_module()
class IterClockHook(Hook):
    """Mark the start of every training iteration and the end of each
    epoch, after waiting for the device.

    The time between two marks is one whole iteration: fetching the batch,
    the step, and every other hook (logging, schedulers, checkpoints), so
    samples per second computed from it are what training gets, not what
    the model's step alone would give. Runs first of all hooks.
    """

    priority = 'HIGHEST'

    def __init__(self) -> None:
        self.marks: List[float] = []

    def _mark(self) -> None:
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            torch.cuda.synchronize()
        self.marks.append(time.perf_counter())

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        self._mark()

    def after_train_epoch(self, runner) -> None:
        self._mark()

    def iteration_seconds(self, skip: int = 0) -> List[float]:
        """Seconds of each iteration after the first ``skip`` (warm-up)."""
        gaps = [b - a for a, b in zip(self.marks, self.marks[1:])]
        return gaps[skip:]
