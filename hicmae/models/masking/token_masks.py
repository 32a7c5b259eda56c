"""Encoder token masks drawn on the device, with counts known on the host.

A generator is a plain registered class (no parameters, no state):
``num_hidden(grid)`` says on the host how many tokens every sample hides,
and ``generator(grid, batch_size, device)`` draws the ``(B, N)`` bool mask
on ``device`` (``True`` = hidden) without reading anything back. The grid
is the encoder's patch-embedding grid, so it cannot disagree with the
model.

In a distributed run every rank draws the noise of the whole global batch
from the same stream and keeps its own rows: ranks that share a seed still
hide different tokens, and every rank consumes the generator alike.
"""
import math
from typing import Optional, Sequence

import torch
from mmengine.dist import get_rank, get_world_size

from hicmae.registry import MODELS


def _check_ratio(ratio: float) -> float:
    ratio = float(ratio)
    if not 0 <= ratio < 1:
        raise ValueError(f'mask ratio must be in [0, 1), got {ratio}')
    return ratio


def hide_uniformly(num_tokens: int, num_hidden: int, batch_size: int,
                   device, generator: Optional[torch.Generator] = None
                   ) -> torch.Tensor:
    """``(B, num_tokens)`` bool, ``num_hidden`` ``True`` per row, chosen
    uniformly and independently per row (and per rank)."""
    world, rank = get_world_size(), get_rank()
    noise = torch.rand(world * batch_size, num_tokens, device=device,
                       generator=generator)
    noise = noise[rank * batch_size:(rank + 1) * batch_size]
    hidden = noise.argsort(dim=1)[:, :num_hidden]
    mask = torch.zeros(batch_size, num_tokens, dtype=torch.bool,
                       device=device)
    return mask.scatter_(1, hidden, True)


@MODELS.register_module()
class RandomMaskGenerator:
    """Hide ``floor(ratio * N)`` of the ``N = prod(grid)`` tokens, chosen
    uniformly per sample (the paper's audio masking, ratio 0.8).

    Args:
        ratio: fraction of the tokens to hide, in ``[0, 1)``.
    """

    def __init__(self, ratio: float) -> None:
        self.ratio = _check_ratio(ratio)

    def num_hidden(self, grid: Sequence[int]) -> int:
        return int(self.ratio * math.prod(grid))

    def __call__(self, grid: Sequence[int], batch_size: int, device,
                 generator: Optional[torch.Generator] = None
                 ) -> torch.Tensor:
        return hide_uniformly(math.prod(grid), self.num_hidden(grid),
                              batch_size, device, generator)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(ratio={self.ratio})'


@MODELS.register_module()
class TubeMaskGenerator:
    """One random spatial mask per sample repeated over every temporal
    position of a ``(T, H, W)`` grid: ``floor(ratio * H * W)`` tokens hidden
    per frame (the paper's video masking, ratio 0.9). Tokens are in
    ``(t, h, w)`` order, the patch embedding's.

    Args:
        ratio: fraction of each frame's ``H * W`` tokens to hide, in
            ``[0, 1)``.
    """

    def __init__(self, ratio: float) -> None:
        self.ratio = _check_ratio(ratio)

    def _per_frame(self, grid: Sequence[int]) -> int:
        if len(grid) != 3:
            raise ValueError(f'a tube mask needs a (T, H, W) grid, got '
                             f'{tuple(grid)}')
        return int(self.ratio * grid[1] * grid[2])

    def num_hidden(self, grid: Sequence[int]) -> int:
        return grid[0] * self._per_frame(grid)

    def __call__(self, grid: Sequence[int], batch_size: int, device,
                 generator: Optional[torch.Generator] = None
                 ) -> torch.Tensor:
        frame = hide_uniformly(grid[1] * grid[2], self._per_frame(grid),
                               batch_size, device, generator)
        return frame.repeat(1, grid[0])

    def __repr__(self) -> str:
        return f'{type(self).__name__}(ratio={self.ratio})'
