"""Which clips of which shards one rank's data worker reads in an epoch.

Every rank computes the same epoch order (shard order shuffled by seed and
epoch), so the split below needs no communication. With repeated sampling
(``k`` clips per decoded video) an epoch reads ``ceil(N / k)`` videos, a
contiguous window of that order, and delivers about ``N`` clips: epochs,
iterations per epoch and the lr schedule stay those of ``k = 1``; the ``k``
windows of a cycle of ``k`` epochs cover every video once.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np


def epoch_shard_order(num_shards: int, seed: int, epoch: int,
                      num_repeats: int, shuffle: bool) -> np.ndarray:
    """Shard indices in reading order; fixed within a cycle of ``k``
    epochs so the cycle's windows do not overlap."""
    if not shuffle:
        return np.arange(num_shards)
    cycle = epoch // num_repeats
    return np.random.default_rng([seed, cycle]).permutation(num_shards)


def videos_per_rank(num_clips: int, num_repeats: int,
                    world_size: int) -> int:
    """Videos each rank decodes per epoch (equal on every rank, so every
    rank runs the same number of iterations)."""
    window = math.ceil(num_clips / num_repeats)
    return math.ceil(window / world_size)


def worker_positions(num_clips: int, num_repeats: int, epoch: int,
                     rank: int, world_size: int, worker: int,
                     num_workers: int) -> range:
    """Positions (in the epoch's order, modulo ``num_clips``) one worker
    reads. Ranks and workers get disjoint contiguous runs; only when the
    epoch window does not divide by the world size do the last ranks wrap
    around and repeat up to ``world_size - 1`` videos (as PyTorch's
    ``DistributedSampler`` pads)."""
    window = math.ceil(num_clips / num_repeats)
    per_rank = videos_per_rank(num_clips, num_repeats, world_size)
    start = (epoch % num_repeats) * window + rank * per_rank
    lo = per_rank * worker // num_workers
    hi = per_rank * (worker + 1) // num_workers
    return range(start + lo, start + hi)


def worker_clips(num_clips: int, num_repeats: int, epoch: int, rank: int,
                 world_size: int, worker: int, num_workers: int,
                 batch_size: Optional[int] = None,
                 drop_last: bool = False) -> List[Tuple[int, int]]:
    """``[(position, clips), ...]``: the videos one worker decodes and how
    many clips it draws from each.

    A rank's ``videos_per_rank * k`` clips are cut into contiguous worker
    parts. With ``batch_size`` the cuts fall between whole batches: a data
    worker batches its own stream, so only the part holding the rank's last
    batch ends with a partial one and the loader yields exactly
    ``len(dataloader)`` batches (without it, each worker may end with a
    partial batch: up to ``num_workers - 1`` extra). A video cut by a part
    boundary gives its clips to both parts. ``drop_last`` leaves out the
    clips after the last full batch, as the loader would.
    """
    per_rank = videos_per_rank(num_clips, num_repeats, world_size)
    window = math.ceil(num_clips / num_repeats)
    start = (epoch % num_repeats) * window + rank * per_rank
    total = per_rank * num_repeats
    if batch_size is None:
        unit, units = num_repeats, per_rank  # whole videos, as before
    else:
        unit = int(batch_size)
        units = total // unit if drop_last else math.ceil(total / unit)
    lo = units * worker // num_workers * unit
    hi = min(units * (worker + 1) // num_workers * unit, total)
    plan: List[Tuple[int, int]] = []
    for clip in range(lo, hi):
        video = start + clip // num_repeats
        if plan and plan[-1][0] == video:
            plan[-1] = (video, plan[-1][1] + 1)
        else:
            plan.append((video, 1))
    return plan


def plan_reads(counts: Sequence[int], order: Sequence[int],
               positions: range) -> List[Tuple[int, List[int]]]:
    """``[(shard index, sorted member numbers), ...]`` in reading order for
    the epoch positions (taken modulo the total clip count)."""
    total = int(sum(counts))
    starts = np.concatenate([[0], np.cumsum([counts[s] for s in order])])
    wanted: Dict[int, List[int]] = {}
    for pos in positions:
        pos %= total
        j = int(np.searchsorted(starts, pos, side='right')) - 1
        wanted.setdefault(int(order[j]), []).append(int(pos - starts[j]))
    return [(shard, sorted(members)) for shard, members in wanted.items()]
