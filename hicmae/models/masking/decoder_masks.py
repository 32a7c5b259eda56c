"""Decoder masks of dual masking (VideoMAE V2, as AVF-MAE++ uses it).

A decoder mask says which tokens the decoder leaves out (``True`` = not
decoded); the decoder then predicts only the others, and the loss counts
those of them that were hidden from the encoder. The generators follow the
mask-generator protocol of :mod:`hicmae.models.masking` (``num_hidden(grid)``
on the host, ``__call__(grid, batch_size, device, generator)`` on the
device, no host sync). For audio, the random generator of that package
serves as the decoder mask too.
"""
import math
from typing import Dict, Optional, Sequence, Tuple

import torch

from hicmae.registry import MODELS


@MODELS.register_module()
class RunningCellMaskGenerator:
    """VideoMAE V2's running-cell mask over a ``(T, H, W)`` token grid.

    A 2x2 cell holds ``m = int(4 * ratio)`` dropped positions (a queue
    ``[1] * m + [0] * (4 - m)`` read row-major into the cell), tiled over
    each frame; the cell's queue advances by one position per frame, from
    a start drawn per sample. So every frame drops ``m / 4`` of its tokens
    and a token is dropped in some frames and decoded in others.

    Args:
        ratio: fraction dropped; ``int(4 * ratio)`` must be 1, 2 or 3.
    """

    def __init__(self, ratio: float = 0.5) -> None:
        self.ratio = float(ratio)
        self.per_cell = int(4 * self.ratio)
        if not 0 < self.per_cell < 4:
            raise ValueError(f'running-cell ratio {ratio} drops '
                             f'{self.per_cell} of the 4 cell positions; it '
                             'must drop 1, 2 or 3 (ratio in [0.25, 1))')
        self._tables: Dict[Tuple, torch.Tensor] = {}

    @staticmethod
    def _check(grid: Sequence[int]) -> Tuple[int, int, int]:
        if len(grid) != 3 or grid[1] % 2 or grid[2] % 2:
            raise ValueError(f'running-cell masks need a (T, H, W) token '
                             f'grid with even H and W, got {tuple(grid)}')
        return tuple(int(g) for g in grid)

    def num_hidden(self, grid: Sequence[int]) -> int:
        t, h, w = self._check(grid)
        return t * (h // 2) * (w // 2) * self.per_cell

    def table(self, grid: Sequence[int]) -> torch.Tensor:
        """``(4, N)`` bool: the mask of each of the four start positions."""
        t, h, w = self._check(grid)
        key = (t, h, w)
        if key not in self._tables:
            queue = torch.zeros(4, dtype=torch.bool)
            queue[:self.per_cell] = True
            rows = []
            for start in range(4):
                frames = []
                for f in range(t):
                    # the queue has advanced f + 1 steps at frame f
                    cell = queue[(torch.arange(4) + start + f + 1) % 4]
                    frames.append(cell.reshape(2, 2).repeat(h // 2, w // 2)
                                  .flatten())
                rows.append(torch.cat(frames))
            self._tables[key] = torch.stack(rows)
        return self._tables[key]

    def __call__(self, grid: Sequence[int], batch_size: int, device,
                 generator: Optional[torch.Generator] = None
                 ) -> torch.Tensor:
        table = self.table(grid).to(device)
        start = torch.randint(4, (batch_size, ), device=device,
                              generator=generator)
        return table[start]

    def __repr__(self) -> str:
        return f'{type(self).__name__}(ratio={self.ratio})'


def decoded_count(generator, grid: Sequence[int]) -> int:
    """Tokens every sample decodes under ``generator``'s decoder mask."""
    return math.prod(grid) - generator.num_hidden(grid)
