"""Per-rank random generators for augmentation and stochastic depth."""
import random

import numpy as np
import torch
from mmengine.dist import get_dist_info
from mmengine.hooks import Hook

from hicmae.registry import HOOKS


def rank_seed(seed: int, rank: int, iteration: int = 0) -> int:
    """``seed + rank`` (the authors' choice); a resumed run (``iteration``
    > 0) mixes the iteration in so that it does not replay the draws of the
    run's first iterations."""
    if iteration == 0:
        return seed + rank
    return int(np.random.SeedSequence([seed, rank, iteration])
               .generate_state(1)[0])


@HOOKS.register_module()
class RankSeedHook(Hook):
    """Seed Python's, NumPy's and torch's generators with ``seed + rank``
    once the model is built, just before training starts.

    Why not MMEngine's ``randomness.diff_rank_seed``: it seeds before the
    model is built, so every rank initialises different weights (FSDP does
    not broadcast them), and it makes the data sampler's seed a random one
    drawn on rank 0 instead of the config's seed. Here the model and the
    sampler see the config's seed on every rank (the sampler partitions one
    shared order), and everything drawn in the training loop in the main
    process — mixup λ and cutmix boxes, DropPath, the model's masks, the
    pipeline when ``num_workers=0`` — differs per rank. Data workers are
    already seeded per rank by MMEngine's ``worker_init_fn``.

    A single-process run is left alone (its seed is ``seed + 0`` already),
    and so is a resumed run whose generator states
    :class:`RNGStateHook` restored (each rank continues its own sequence).
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        rank, world = get_dist_info()
        if world == 1:
            return
        if getattr(runner, 'rng_states_restored', False):
            # a resume restored this rank's own generators (RNGStateHook):
            # the run continues their sequence as an uninterrupted one
            runner.logger.info(f'rank {rank}: generators restored from the '
                               'checkpoint, not reseeded')
            return
        seed = rank_seed(int(runner.seed), rank, int(runner.iter))
        random.seed(seed)
        np.random.seed(seed % 2**32)
        torch.manual_seed(seed)  # every CUDA device too
        runner.logger.info(f'rank {rank}: generators seeded with {seed} '
                           f'(config seed {runner.seed} + rank)')
