"""Select the visible or hidden tokens of a batch without host syncs.

Boolean indexing (``x[mask]``) returns a data-dependent shape, so on a GPU
it waits for the device to count the mask before it can allocate the
result. Masks here hide the same number of tokens in every sample, and that
number is known on the host (the masking transform records it, see
:meth:`hicmae.structures.AVDataSample.set_masks`): with it, a stable sort
of the mask gives index tensors of fixed shapes and ``torch.gather`` does
the selection on the device alone.
"""
from typing import Optional, Tuple

import torch


def check_mask(mask: torch.Tensor, batch: int, tokens: int) -> None:
    """``mask`` must be a bool ``(batch, tokens)`` tensor (shape check
    only: no value is read)."""
    if mask.shape != (batch, tokens) or mask.dtype != torch.bool:
        raise ValueError(f'mask must be a bool tensor of shape '
                         f'{(batch, tokens)}, got {mask.dtype} '
                         f'{tuple(mask.shape)}')


def count_hidden(mask: torch.Tensor) -> int:
    """Hidden tokens per sample, read from the mask (one device sync: for
    callers outside the training step that do not know the count)."""
    hidden = mask.sum(dim=1)
    if hidden.numel() and bool((hidden != hidden[0]).any()):
        raise ValueError('every sample must hide the same number of tokens, '
                         f'got hidden counts {hidden.tolist()}')
    return int(hidden[0]) if hidden.numel() else 0


def split_indices(mask: torch.Tensor, num_hidden: Optional[int] = None
                  ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Indices of the visible and of the hidden tokens of every sample.

    Args:
        mask: ``(B, N)`` bool, ``True`` = hidden.
        num_hidden: hidden tokens per sample; read from ``mask`` (a sync)
            when ``None``.

    Returns:
        ``(B, N - num_hidden)`` and ``(B, num_hidden)`` long tensors, each
        in ascending token order (the order of ``x[~mask]`` / ``x[mask]``).
    """
    if num_hidden is None:
        num_hidden = count_hidden(mask)
    order = torch.argsort(mask.to(torch.uint8), dim=1, stable=True)
    num_visible = mask.shape[1] - num_hidden
    return order[:, :num_visible], order[:, num_visible:]


def gather_tokens(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x[b, index[b]]`` for every sample: ``(B, N, *F)`` -> ``(B, K, *F)``.
    """
    view = index.reshape(*index.shape, *([1] * (x.dim() - 2)))
    return torch.gather(x, 1, view.expand(-1, -1, *x.shape[2:]))
