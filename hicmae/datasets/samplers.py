"""Repeated sampling for the list datasets (decode once, draw k clips)."""
from typing import Iterator, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from hicmae.registry import DATA_SAMPLERS
from .shards.partition import (epoch_shard_order, videos_per_rank,
                               worker_positions)


@DATA_SAMPLERS.register_module()
class RepeatedClipSampler(Sampler):
    """Each chosen video ``k = dataset.num_repeats`` times in a row.

    A data worker fetches a whole batch, so the ``k`` draws of a video land
    in one worker, which loads the video once (``AVBaseDataset`` keeps the
    last loaded video). An epoch delivers ``len(dataset)`` clips (rounded
    up to a multiple of ``k`` and of the world size) from ``ceil(N / k)``
    videos, as MAE-ST counts "effective" epochs: iterations per epoch, the
    lr schedule and ``auto_scale_lr`` (``batch_size`` counts clips) are
    those of ``k = 1``, and a cycle of ``k`` epochs visits every video
    once. Ranks get disjoint videos (the same split as ``AVShardDataset``).
    With ``k = 1`` it is a plain shuffled distributed sampler.

    Args:
        dataset: the dataset; its ``num_repeats`` is ``k``.
        shuffle: shuffle the videos (per cycle of ``k`` epochs).
        seed: shuffling seed, the same on every rank; ``None``: a random
            one synchronised across ranks.
    """

    def __init__(self, dataset, shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        self.dataset = dataset
        self.num_repeats = int(getattr(dataset, 'num_repeats', 1))
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.rank, self.world_size = get_dist_info()
        self.epoch = 0

    def _order(self) -> np.ndarray:
        return epoch_shard_order(len(self.dataset), self.seed, self.epoch,
                                 self.num_repeats, self.shuffle)

    def __iter__(self) -> Iterator[int]:
        order = self._order()
        positions = worker_positions(len(self.dataset), self.num_repeats,
                                     self.epoch, self.rank, self.world_size,
                                     0, 1)
        for pos in positions:
            video = int(order[pos % len(order)])
            for _ in range(self.num_repeats):
                yield video

    def __len__(self) -> int:
        return videos_per_rank(len(self.dataset), self.num_repeats,
                               self.world_size) * self.num_repeats

    def set_epoch(self, epoch: int) -> None:
        """Called by ``DistSamplerSeedHook`` before every epoch."""
        self.epoch = epoch
