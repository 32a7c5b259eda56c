"""Run a function on N gloo ranks (CPU processes) and collect its results.

``run_ranks(fn, 2, *args)`` spawns two processes, joins them into one gloo
group, calls ``fn(rank, world, *args)`` in each and returns the ranks'
return values in rank order (pickled through a temporary folder). ``fn``
must be a module-level function of an importable module.
"""
import os
import pickle
import socket
import tempfile
from typing import Any, Callable, List


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _entry(rank: int, world: int, port: int, out: str, fn: Callable,
           args: tuple) -> None:
    import torch
    import torch.distributed as dist
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port),
                      RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    try:
        from hicmae.utils import register_all_modules
        register_all_modules()
        result = fn(rank, world, *args)
        with open(os.path.join(out, f'{rank}.pkl'), 'wb') as f:
            pickle.dump(result, f)
        dist.barrier()
    finally:
        dist.destroy_process_group()


def run_ranks(fn: Callable, world: int, *args: Any) -> List[Any]:
    """``[fn(0, world, *args), ..., fn(world - 1, world, *args)]``."""
    import torch.multiprocessing as mp
    with tempfile.TemporaryDirectory() as out:
        mp.spawn(_entry, nprocs=world,
                 args=(world, free_port(), out, fn, args))
        results = []
        for rank in range(world):
            with open(os.path.join(out, f'{rank}.pkl'), 'rb') as f:
                results.append(pickle.load(f))
    return results
