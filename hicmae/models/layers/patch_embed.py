"""Patch embeddings: tubelets for video, square patches for spectrograms."""
import math
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from .token_select import gather_tokens


def _pair(x: Union[int, Sequence[int]]) -> Tuple[int, int]:
    return (x, x) if isinstance(x, int) else tuple(x)


class _PatchEmbed(nn.Module):
    """Shared forward: check the input size, project, flatten to tokens."""

    patch_size: Tuple[int, ...]
    grid_size: Tuple[int, ...]

    def forward(self, x: torch.Tensor,
                keep: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``(B, N, D)`` tokens; with ``keep`` (``(B, N)`` bool, the same
        count per sample, or ``(B, N_keep)`` token indices, which need no
        device sync) only the kept tokens, ``(B, N_keep, D)``."""
        expected = tuple(g * p for g, p in zip(self.grid_size,
                                                self.patch_size))
        if tuple(x.shape[2:]) != expected:
            name = 'video' if len(expected) == 3 else 'audio'
            raise ValueError(f'{name} input of shape {tuple(x.shape[1:])}, '
                             f'the encoder was built for (C, *{expected})')
        if keep is None:
            return self.proj(x).flatten(2).transpose(1, 2)
        # pre-training keeps 10-20 % of the patches: project only those
        # instead of convolving the whole input and discarding the rest
        if keep.dtype == torch.bool:
            patches = self._patches(x)[keep].reshape(x.shape[0], -1,
                                                     patches_dim(self))
        else:
            patches = gather_tokens(self._patches(x), keep)
        return F.linear(patches, self.proj.weight.flatten(1), self.proj.bias)

    def _patches(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, N, C * prod(patch_size))`` in token order, each patch
        flattened like the convolution's weight (channel first)."""
        b, c = x.shape[:2]
        shape = [b, c]
        for g, p in zip(self.grid_size, self.patch_size):
            shape += [g, p]
        nd = len(self.grid_size)
        grid_axes = [2 + 2 * i for i in range(nd)]
        patch_axes = [3 + 2 * i for i in range(nd)]
        return x.reshape(shape).permute(0, *grid_axes, 1, *patch_axes) \
            .reshape(b, -1, c * math.prod(self.patch_size))


def patches_dim(embed: _PatchEmbed) -> int:
    """Values per flattened patch of ``embed`` (channels x patch volume)."""
    return embed.proj.in_channels * math.prod(embed.patch_size)


class PatchEmbed3D(_PatchEmbed):
    """Embed a ``(B, C, T, H, W)`` clip into ``(B, N, D)`` tube tokens.

    Tokens are ordered ``(t, h, w)``: the order the masks and the
    reconstruction targets use.
    """

    def __init__(self, img_size: int = 160, num_frames: int = 16,
                 tubelet_size: int = 2, patch_size: int = 16,
                 in_channels: int = 3, embed_dims: int = 512) -> None:
        super().__init__()
        h, w = _pair(img_size)
        ph, pw = _pair(patch_size)
        if h % ph or w % pw or num_frames % tubelet_size:
            raise ValueError(
                f'video size {num_frames}x{h}x{w} is not divisible by the '
                f'tubelet {tubelet_size}x{ph}x{pw}; change img_size, '
                'num_frames, tubelet_size or patch_size')
        self.patch_size = (tubelet_size, ph, pw)
        self.grid_size = (num_frames // tubelet_size, h // ph, w // pw)
        self.num_patches = self.grid_size[0] * self.grid_size[1] * \
            self.grid_size[2]
        self.proj = nn.Conv3d(in_channels, embed_dims,
                              kernel_size=self.patch_size,
                              stride=self.patch_size)


class PatchEmbed2D(_PatchEmbed):
    """Embed a ``(B, C, time, mel)`` spectrogram into ``(B, N, D)`` tokens.

    Tokens are ordered ``(time, mel)``.
    """

    def __init__(self, input_size: Sequence[int] = (256, 128),
                 patch_size: int = 16, in_channels: int = 1,
                 embed_dims: int = 512) -> None:
        super().__init__()
        t, f = _pair(input_size)
        pt, pf = _pair(patch_size)
        if t % pt or f % pf:
            raise ValueError(
                f'spectrogram size {t}x{f} is not divisible by the patch '
                f'{pt}x{pf}; change input_size or patch_size')
        self.patch_size = (pt, pf)
        self.grid_size = (t // pt, f // pf)
        self.num_patches = self.grid_size[0] * self.grid_size[1]
        self.proj = nn.Conv2d(in_channels, embed_dims,
                              kernel_size=self.patch_size,
                              stride=self.patch_size)
