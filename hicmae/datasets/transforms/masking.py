"""Token masks for masked autoencoding (``True`` = hidden)."""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from hicmae.registry import TRANSFORMS


def tube_mask(grid: Sequence[int], ratio: float,
              rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """One random spatial mask repeated over every temporal position.

    Args:
        grid: token grid ``(T, H, W)``.
        ratio: fraction of each frame's ``H * W`` tokens to hide (floored).
        rng: random generator; NumPy's global state when ``None`` (which
            MMEngine seeds per data worker).

    Returns:
        bool ``(T * H * W,)`` in ``(t, h, w)`` order.
    """
    t, h, w = grid
    per_frame = _random_mask(h * w, ratio, rng)
    return np.tile(per_frame, t)


def random_mask(num_tokens: int, ratio: float,
                rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """Hide ``floor(ratio * num_tokens)`` tokens chosen uniformly."""
    return _random_mask(num_tokens, ratio, rng)


def _random_mask(n: int, ratio: float, rng) -> np.ndarray:
    if not 0 <= ratio < 1:
        raise ValueError(f'mask ratio must be in [0, 1), got {ratio}')
    mask = np.zeros(n, dtype=bool)
    mask[:int(ratio * n)] = True
    (rng or np.random).shuffle(mask)
    return mask


@TRANSFORMS.register_module()
class GenerateTubeMask(BaseTransform):
    """Add a tube mask for the video tokens.

    Required keys: none. Added keys: ``video_mask`` (bool ``(T*H*W,)``).

    Args:
        grid: token grid ``(T, H, W)``, e.g. ``(8, 10, 10)``.
        mask_ratio: fraction of tokens per frame to hide.
    """

    modality = 'video'  # dropped when the model has no video

    def __init__(self, grid: Sequence[int] = (8, 10, 10),
                 mask_ratio: float = 0.9) -> None:
        self.grid = tuple(grid)
        self.mask_ratio = mask_ratio

    def transform(self, results: dict) -> dict:
        results['video_mask'] = tube_mask(self.grid, self.mask_ratio)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(grid={self.grid}, '
                f'mask_ratio={self.mask_ratio})')


@TRANSFORMS.register_module()
class GenerateRandomMask(BaseTransform):
    """Add a uniformly random mask for the audio tokens.

    Required keys: none. Added keys: ``audio_mask`` (bool ``(N,)``).

    Args:
        num_tokens: number of tokens, e.g. 128 for a 256×128 filterbank.
        mask_ratio: fraction of tokens to hide.
    """

    modality = 'audio'  # dropped when the model has no audio

    def __init__(self, num_tokens: int = 128, mask_ratio: float = 0.8) -> None:
        self.num_tokens = num_tokens
        self.mask_ratio = mask_ratio

    def transform(self, results: dict) -> dict:
        results['audio_mask'] = random_mask(self.num_tokens, self.mask_ratio)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_tokens={self.num_tokens}, '
                f'mask_ratio={self.mask_ratio})')
