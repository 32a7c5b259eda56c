"""Log the share of training-step time spent waiting for the data loader."""
import time
from typing import Optional

from mmengine.hooks import Hook

from hicmae.registry import HOOKS


@HOOKS.register_module()
class DataWaitHook(Hook):
    """Log ``data_wait``: waiting-for-the-loader time / step time.

    The wait is the time from the end of one iteration to the start of the
    next (what ``IterTimerHook`` calls ``data_time``); the step is the time
    between two iteration ends. The per-iteration fraction goes to the
    message hub as ``train/data_wait`` (the logger averages it over its
    window), and after each epoch the epoch's total is logged. Nothing is
    read back from the device: on a GPU the figure is the host's view,
    which reaches 0 once the loader keeps up (the host then waits on the
    GPU inside the step instead).
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self._last_end: Optional[float] = None
        self._wait = 0.
        self._epoch_wait = self._epoch_total = 0.

    def before_train_epoch(self, runner) -> None:
        self._last_end = time.perf_counter()
        self._epoch_wait = self._epoch_total = 0.

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        now = time.perf_counter()
        self._wait = now - (self._last_end or now)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        now = time.perf_counter()
        step = now - (self._last_end or now)
        self._last_end = now
        self._epoch_wait += self._wait
        self._epoch_total += step
        if step > 0:
            runner.message_hub.update_scalar('train/data_wait',
                                             self._wait / step)

    def after_train_epoch(self, runner) -> None:
        if self._epoch_total > 0:
            runner.logger.info(
                f'data wait: {100 * self._epoch_wait / self._epoch_total:.1f}'
                f' % of this epoch\'s step time ({self._epoch_wait:.1f} s of'
                f' {self._epoch_total:.1f} s)')
