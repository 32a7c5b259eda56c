"""MMEngine's FlexibleRunner (FSDP, DeepSpeed) with crash-safe checkpoints."""
import os
import os.path as osp
import shutil

from mmengine.dist import barrier, get_rank, is_main_process
from mmengine.runner import FlexibleRunner
from mmengine.runner.checkpoint import find_latest_checkpoint

from hicmae.registry import RUNNERS
from hicmae.utils.safe_load import checkpoint_safe_globals
from .rank_agreement import agree_on_checkpoint, work_dir_is_shared
from .runner_setup import RunnerSetupMixin

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
class HiCMAEFlexibleRunner(RunnerSetupMixin, FlexibleRunner):
    """A FlexibleRunner that writes each checkpoint under a hidden temporary
    name, waits for every rank's part, then renames it into place, so a
    kill during a save never leaves a half-written checkpoint under a
    checkpoint's name (the same guarantee as
    :class:`~hicmae.engine.HiCMAERunner`), and completes its dataloader
    configs as that runner does.

    ``--resume`` (auto) is decided by rank 0; every rank checks that it
    can read its part of that checkpoint, and all stop with the reason if
    one cannot. With node-local work dirs each node's first process moves
    its node's parts into place.
    """

    def save_checkpoint(self, out_dir: str, filename: str, *args,
                        **kwargs) -> None:
        if '://' in out_dir:  # remote backends write objects whole
            return super().save_checkpoint(out_dir, filename, *args,
                                           **kwargs)
        # one name on every rank: sharded states go into one folder
        tmp_name = f'.{filename}.tmp'
        super().save_checkpoint(out_dir, tmp_name, *args, **kwargs)
        barrier()  # every rank's part is written
        if not hasattr(self, '_shared_dirs'):
            self._shared_dirs = {}
        if out_dir not in self._shared_dirs:  # asked of every rank, once
            self._shared_dirs[out_dir] = work_dir_is_shared(out_dir)
        node_local = not self._shared_dirs[out_dir] and \
            int(os.environ.get('LOCAL_RANK', 0)) == 0
        if is_main_process() or node_local:
            replace_path(osp.join(out_dir, tmp_name),
                         osp.join(out_dir, filename))
        barrier()  # nobody reads the checkpoint before it is in place

    def load_or_resume(self) -> None:
        if self._resume is True and self._load_from is None and \
                not self._has_loaded:
            # MMEngine's auto-resume reads last_checkpoint on every rank
            self._resume = agree_on_checkpoint(
                lambda: find_latest_checkpoint(self.work_dir), self.work_dir,
                _unreadable_part) or False
        # MMEngine's checkpoint types, allow-listed for this load only
        with checkpoint_safe_globals():
            super().load_or_resume()


def _unreadable_part(path: str):
    """Why this rank's part of sharded checkpoint ``path`` is missing."""
    part = osp.join(path, f'rank{get_rank()}.pth')
    if '://' in path or osp.isfile(part) or osp.isfile(path):
        return None  # full state dicts and remote files: MMEngine checks
    return f'no {part}'
