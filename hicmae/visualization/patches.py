"""From token-space predictions back to pixels and filterbank values.

The reconstruction heads compare the decoder's output with targets made of
patches, optionally normalised per patch and channel and, for video, with
every frame of a tubelet but the first replaced by its difference to the
first (see :class:`hicmae.models.heads.ReconstructionHead`). Showing a
prediction means undoing both steps; the normalisation can only be undone
with the statistics of the true patch, as in MAE's pictures.
"""
from typing import Sequence

import torch

from hicmae.models.heads.reconstruction_head import patchify

__all__ = ['patchify', 'unpatchify', 'mask_to_map', 'scatter_tokens',
           'patches_from_target', 'fill_hidden']


def unpatchify(patches: torch.Tensor, patch_size: Sequence[int],
               spatial: Sequence[int]) -> torch.Tensor:
    """Inverse of :func:`patchify`: ``(B, N, P, C)`` → ``(B, C, *spatial)``."""
    b, n, p, c = patches.shape
    k = len(patch_size)
    grid = [s // q for s, q in zip(spatial, patch_size)]
    if len(spatial) != k or n != torch.Size(grid).numel() or \
            p != torch.Size(patch_size).numel():
        raise ValueError(f'patches {tuple(patches.shape)} do not tile '
                         f'{tuple(spatial)} with {tuple(patch_size)} patches')
    x = patches.reshape(b, *grid, *patch_size, c)
    # (B, n1..nk, p1..pk, C) -> (B, C, n1, p1, ..., nk, pk)
    order = [0, 1 + 2 * k]
    for i in range(k):
        order += [1 + i, 1 + k + i]
    return x.permute(order).reshape(b, c, *spatial)


def mask_to_map(mask: torch.Tensor, patch_size: Sequence[int],
                spatial: Sequence[int]) -> torch.Tensor:
    """Token mask ``(B, N)`` → element mask ``(B, 1, *spatial)``."""
    p = torch.Size(patch_size).numel()
    tokens = mask[:, :, None, None].expand(-1, -1, p, 1)
    return unpatchify(tokens, patch_size, spatial)


def scatter_tokens(values: torch.Tensor, mask: torch.Tensor,
                   fill: float = 0.) -> torch.Tensor:
    """Put per-hidden-token rows ``(B, N_hidden, ...)`` at the hidden
    positions of ``(B, N, ...)``; visible tokens get ``fill``."""
    b, n = mask.shape
    out = values.new_full((b, n, *values.shape[2:]), fill)
    out[mask] = values.reshape(-1, *values.shape[2:])
    return out


def patches_from_target(values: torch.Tensor, true_patches: torch.Tensor,
                        patch_size: Sequence[int], norm_pix: bool,
                        frame_diff: bool) -> torch.Tensor:
    """Undo the head's target transform for some tokens.

    Args:
        values: ``(B, M, P * C)`` predictions (or targets) in target space.
        true_patches: ``(B, M, P, C)`` the same tokens' true patches in the
            head's input space; their mean and std undo the normalisation.
        patch_size: the head's patch size (first axis is time for
            ``frame_diff``).
        norm_pix / frame_diff: the head's settings.

    Returns:
        ``(B, M, P, C)`` patches in the head's input space.
    """
    b, m, p, c = true_patches.shape
    out = values.float().reshape(b, m, p, c)
    if frame_diff:
        # the target keeps frame 0 and holds (frame k - frame 0) after it,
        # both normalised, so frame 0 is added back before de-normalising
        frames = out.reshape(b, m, patch_size[0], -1, c)
        frames = torch.cat([frames[:, :, :1],
                            frames[:, :, 1:] + frames[:, :, :1]], dim=2)
        out = frames.reshape(b, m, p, c)
    if norm_pix:
        mean = true_patches.mean(dim=-2, keepdim=True)
        std = true_patches.var(dim=-2, unbiased=True, keepdim=True).sqrt()
        out = out * (std + 1e-6) + mean
    return out


def fill_hidden(inputs: torch.Tensor, values: torch.Tensor,
                mask: torch.Tensor, patch_size: Sequence[int],
                norm_pix: bool, frame_diff: bool) -> torch.Tensor:
    """The input with its hidden patches replaced by ``values``.

    Args:
        inputs: ``(B, C, *spatial)`` in the head's input space (video in
            ``[0, 1]``, audio as normalised filterbank).
        values: ``(B, N_hidden, P * C)`` predictions in target space.
        mask: bool ``(B, N)``, ``True`` = hidden.
        patch_size / norm_pix / frame_diff: the head's settings.

    Returns:
        ``(B, C, *spatial)``: visible patches from ``inputs``, hidden ones
        from ``values`` mapped back to the input space.
    """
    patches = patchify(inputs.float(), patch_size)  # (B, N, P, C)
    b, _, p, c = patches.shape
    hidden = patches[mask].reshape(b, -1, p, c)
    restored = patches_from_target(values, hidden, patch_size, norm_pix,
                                   frame_diff)
    patches = patches.clone()
    patches[mask] = restored.reshape(-1, p, c)
    return unpatchify(patches, patch_size, inputs.shape[2:])
