"""MMEngine's FlexibleRunner (FSDP, DeepSpeed) with crash-safe checkpoints."""
import os
import os.path as osp
import shutil

from mmengine.dist import barrier, is_main_process
from mmengine.runner import FlexibleRunner

from hicmae.registry import RUNNERS
from hicmae.utils.safe_load import checkpoint_safe_globals

FLEXIBLE_RUNNERS = ('FlexibleRunner', 'HiCMAEFlexibleRunner')


def replace_path(src: str, dst: str) -> None:
    """Move ``src`` over ``dst``: a file atomically (``os.replace``); a
    folder (FSDP's sharded checkpoints: one file per rank) by moving the old
    folder aside first, so that a kill in between leaves a complete
    checkpoint on disk under one of the two names."""
    if osp.isdir(dst) and not osp.islink(dst):
        old = f'{dst}.{os.getpid()}.old'
        os.rename(dst, old)
        os.rename(src, dst)
        shutil.rmtree(old)
    else:
        os.replace(src, dst)


@RUNNERS.register_module()
class HiCMAEFlexibleRunner(FlexibleRunner):
    """A FlexibleRunner that writes each checkpoint under a hidden temporary
    name, waits for every rank's part, then renames it into place, so a
    kill during a save never leaves a half-written checkpoint under a
    checkpoint's name (the same guarantee as
    :class:`~hicmae.engine.HiCMAERunner`)."""

    def build_logger(self, *args, **kwargs):
        logger = super().build_logger(*args, **kwargs)
        # the environment / config / hook dumps go to the log file only
        from ..launch.console import keep_console_short
        keep_console_short(logger)
        return logger

    def save_checkpoint(self, out_dir: str, filename: str, *args,
                        **kwargs) -> None:
        if '://' in out_dir:  # remote backends write objects whole
            return super().save_checkpoint(out_dir, filename, *args,
                                           **kwargs)
        # one name on every rank: sharded states go into one folder
        tmp_name = f'.{filename}.tmp'
        super().save_checkpoint(out_dir, tmp_name, *args, **kwargs)
        barrier()  # every rank's part is written
        if is_main_process():
            replace_path(osp.join(out_dir, tmp_name),
                         osp.join(out_dir, filename))
        barrier()  # nobody reads the checkpoint before it is in place

    def load_or_resume(self) -> None:
        # MMEngine's checkpoint types, allow-listed for this load only
        with checkpoint_safe_globals():
            super().load_or_resume()
