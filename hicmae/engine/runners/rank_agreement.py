"""What every rank of a distributed run must agree on: the checkpoint a
``--resume`` continues from, and whether the work dir is shared.

Work dirs may be node-local (each node writes its own disk). Deciding the
resume checkpoint on each rank then lets a node that sees no checkpoint
start afresh while rank 0 resumes: weights and epoch counters diverge and
the run hangs at its end. Here rank 0 decides, every rank checks that it
can read that checkpoint, and all stop together, with the reason, if one
cannot.
"""
import os
import os.path as osp
import socket
import uuid
from typing import Callable, Optional

from mmengine.dist import (all_gather_object, barrier, broadcast_object_list,
                           get_rank, get_world_size)


def _relative(path: Optional[str], work_dir: str) -> Optional[str]:
    """``path`` inside ``work_dir`` as a relative name (each node finds it
    in its own work dir); anything else as it is."""
    if path is None or '://' in path:
        return path
    path = osp.abspath(path)
    if osp.dirname(path) == osp.abspath(work_dir):
        return osp.basename(path)
    return path


def agree_on_checkpoint(decide: Callable[[], Optional[str]], work_dir: str,
                        readable: Callable[[str], Optional[str]]
                        ) -> Optional[str]:
    """The checkpoint every rank resumes from, as a path on this rank.

    Args:
        decide: run on rank 0 only; the checkpoint to resume or ``None``
            (start afresh). An exception it raises stops every rank.
        work_dir: this rank's work dir; a checkpoint rank 0 found in its
            own work dir is looked up by name in each rank's work dir.
        readable: ``None`` if this rank can read the checkpoint at the path
            given, else why not.

    Raises:
        RuntimeError: on every rank, if rank 0 could not decide or any rank
            cannot read the chosen checkpoint.
    """
    if get_world_size() == 1:
        return decide()
    choice = [None, None]  # name, error
    if get_rank() == 0:
        try:
            choice[0] = _relative(decide(), work_dir)
        except Exception as err:  # every rank must stop, not rank 0 alone
            choice[1] = f'{type(err).__name__}: {err}'
    broadcast_object_list(choice, src=0)
    name, error = choice
    if error is not None:
        raise RuntimeError(f'--resume: rank 0 could not choose a checkpoint: '
                           f'{error}')
    if name is None:
        return None
    path = name if osp.isabs(name) or '://' in name else \
        osp.join(work_dir, name)
    why = readable(path)
    problems = [p for p in all_gather_object(
        None if why is None else (get_rank(), socket.gethostname(), path,
                                  why)) if p is not None]
    if problems:
        lines = '; '.join(f'rank {r} on {host} cannot read {p} ({w})'
                          for r, host, p, w in problems)
        raise RuntimeError(
            f'--resume: rank 0 resumes from {name}, but {lines}. With '
            'node-local work dirs every node needs that checkpoint in its '
            'own work dir (copy it there, or use a work dir all nodes share)')
    return path


def work_dir_is_shared(work_dir: str) -> bool:
    """Whether this rank sees the files rank 0 writes into ``work_dir``
    (same path on a shared file system), asked of every rank at once."""
    if get_world_size() == 1:
        return True
    token = [uuid.uuid4().hex if get_rank() == 0 else None]
    broadcast_object_list(token, src=0)
    marker = osp.join(work_dir, f'.rank0_{token[0]}')
    if get_rank() == 0:
        with open(marker, 'w'):
            pass
    barrier()
    shared = osp.exists(marker)
    barrier()
    if get_rank() == 0:
        os.remove(marker)
    return shared
