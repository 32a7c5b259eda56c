"""Fixed 1-D sine-cosine position tables, as in "Attention is all you need"."""
import numpy as np
import torch


def sincos_table(num_positions: int, dims: int) -> torch.Tensor:
    """Return a ``(1, num_positions, dims)`` float32 sine-cosine table.

    Computed in float64 and cast once, so it equals the authors' table bit for
    bit; channel ``2i`` holds ``sin(p / 10000^(2i/d))`` and ``2i+1`` the
    cosine.
    """
    pos = np.arange(num_positions, dtype=np.float64)[:, None]
    exponent = 2 * (np.arange(dims) // 2) / dims
    angles = pos / np.power(10000, exponent)[None, :]
    angles[:, 0::2] = np.sin(angles[:, 0::2])
    angles[:, 1::2] = np.cos(angles[:, 1::2])
    return torch.from_numpy(angles).float().unsqueeze(0)
