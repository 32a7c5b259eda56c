"""MMEngine's Runner with crash-safe checkpoints and a robust auto-resume."""
import glob
import os
import os.path as osp
from typing import Optional

from mmengine.dist import all_gather_object, get_world_size, is_main_process
from mmengine.runner import Runner

from hicmae.registry import RUNNERS
from hicmae.utils.safe_load import checkpoint_safe_globals, safe_torch_load
from ..hooks.rng_state_hook import current_rng_state
from .rank_agreement import agree_on_checkpoint, work_dir_is_shared
from .runner_setup import RunnerSetupMixin


@RUNNERS.register_module()
class HiCMAERunner(RunnerSetupMixin, Runner):
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
    * The dataloader configs are completed (:mod:`.loader_configs`): a
      model without a video (audio) encoder gets pipelines without the
      video (audio) transforms, and shard datasets the loader's batch size.
    * Distributed: rank 0 chooses the checkpoint to resume and every rank
      checks that it can read it (all stop, with the reason, if one
      cannot). Where the work dir is node-local (a node does not see rank
      0's files), the first process of each node writes the checkpoints
      into its own work dir too, so every node can resume. Each rank's
      random-number generator states go into the checkpoint
      (:class:`~hicmae.engine.hooks.RNGStateHook` restores them).
    """

    rank_rng_states: Optional[list] = None

    def save_checkpoint(self, out_dir: str, filename: str, *args,
                        **kwargs) -> None:
        # called on every rank (MMEngine's own method is rank 0's only)
        if get_world_size() > 1:
            self.rank_rng_states = all_gather_object(current_rng_state())
        if '://' in out_dir:  # remote backends write objects whole
            return super().save_checkpoint(out_dir, filename, *args,
                                           **kwargs)
        node_copy = self._first_on_a_node_of_its_own(out_dir)  # collective
        if is_main_process():
            save = super().save_checkpoint
        elif node_copy:
            # the same method past its rank-0-only decorator
            save = Runner.save_checkpoint.__wrapped__.__get__(self)
        else:
            return None
        tmp_name = f'.{filename}.{os.getpid()}.tmp'
        save(out_dir, tmp_name, *args, **kwargs)
        os.replace(osp.join(out_dir, tmp_name), osp.join(out_dir, filename))

    def _first_on_a_node_of_its_own(self, out_dir: str) -> bool:
        """Whether this is a node's first process and ``out_dir`` is not
        the one rank 0 writes (asked of every rank, once per folder)."""
        if not hasattr(self, '_shared_dirs'):
            self._shared_dirs = {}
        if out_dir not in self._shared_dirs:
            os.makedirs(out_dir, exist_ok=True)
            self._shared_dirs[out_dir] = work_dir_is_shared(out_dir)
        return not self._shared_dirs[out_dir] and \
            int(os.environ.get('LOCAL_RANK', 0)) == 0

    def load_or_resume(self) -> None:
        if self._resume and not self._has_loaded:
            explicit = self._load_from
            self._load_from = agree_on_checkpoint(
                (lambda: explicit) if explicit else
                self._latest_loadable_checkpoint, self.work_dir,
                _unreadable)
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


def _unreadable(path: str) -> Optional[str]:
    """Why this process cannot load the checkpoint ``path``, or None."""
    if '://' in path:
        return None  # remote: MMEngine's load reports its own errors
    if not osp.isfile(path):
        return 'no such file'
    why = _load_error(path)
    return None if why == 'loads' else why


def _loads(path: str) -> bool:
    return osp.isfile(path) and _load_error(path) == 'loads'
