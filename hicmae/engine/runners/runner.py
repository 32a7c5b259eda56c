"""MMEngine's Runner with crash-safe checkpoints and a robust auto-resume."""
import glob
import os
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.runner import Runner

from hicmae.registry import RUNNERS
from hicmae.utils.safe_load import checkpoint_safe_globals, safe_torch_load


@RUNNERS.register_module()
class HiCMAERunner(Runner):
    """A Runner whose checkpoints survive a kill at any moment.

    * A checkpoint is written to a hidden temporary file in the same folder
      and renamed over its name only when complete (``os.replace`` is
      atomic), so a kill during a save leaves the previous checkpoints
      whole and never a truncated file under a checkpoint's name.
    * ``--resume auto`` checks the checkpoint named in ``last_checkpoint``;
      if that file is missing, empty or unreadable (a kill while it was
      being written), it takes the newest loadable ``*.pth`` in the work
      dir instead, and says so. Candidates are checked with a memory-mapped
      load (the tensors are not read), so only MMEngine's own load reads
      the checkpoint.
    * MMEngine's checkpoint types are allow-listed for ``torch.load``'s
      weights-only mode during the load only.
    """

    def build_logger(self, *args, **kwargs):
        logger = super().build_logger(*args, **kwargs)
        # the environment / config / hook dumps go to the log file only
        from ..launch.console import keep_console_short
        keep_console_short(logger)
        return logger

    def save_checkpoint(self, out_dir: str, filename: str, *args,
                        **kwargs) -> None:
        # remote backends write objects whole; only rank 0 writes at all
        if '://' in out_dir or not is_main_process():
            return super().save_checkpoint(out_dir, filename, *args,
                                           **kwargs)
        tmp_name = f'.{filename}.{os.getpid()}.tmp'
        super().save_checkpoint(out_dir, tmp_name, *args, **kwargs)
        os.replace(osp.join(out_dir, tmp_name), osp.join(out_dir, filename))

    def load_or_resume(self) -> None:
        if self._resume and self._load_from is None and \
                not self._has_loaded:
            self._load_from = self._latest_loadable_checkpoint()
            if self._load_from is None:
                self.logger.warning(f'no checkpoint to resume in '
                                    f'{self.work_dir}: starting afresh')
                self._resume = False
        with checkpoint_safe_globals():
            super().load_or_resume()

    def _latest_loadable_checkpoint(self) -> Optional[str]:
        named = None
        pointer = osp.join(self.work_dir, 'last_checkpoint')
        if osp.isfile(pointer):
            with open(pointer) as f:
                named = f.read().strip() or None
        if named and _loads(named):
            return named
        candidates = sorted(glob.glob(osp.join(self.work_dir, '*.pth')),
                            key=osp.getmtime, reverse=True)
        for path in candidates:
            if _loads(path):
                self.logger.warning(
                    f'last_checkpoint names {named!r}, which cannot be '
                    f'loaded; resuming from {path} instead')
                return path
        if candidates:
            # never start afresh over checkpoints that exist: that would
            # overwrite them
            raise RuntimeError(
                f'--resume: none of the {len(candidates)} checkpoints in '
                f'{self.work_dir} can be loaded; newest: {candidates[0]} '
                f'({_load_error(candidates[0])})')
        return None


def _load_error(path: str) -> str:
    if osp.getsize(path) == 0:
        return 'empty file'
    try:
        safe_torch_load(path, mmap=True)  # maps, does not read, the tensors
    except Exception as err:  # report, whatever the cause
        return str(err).splitlines()[0][:300]
    return 'loads'


def _loads(path: str) -> bool:
    return osp.isfile(path) and _load_error(path) == 'loads'
