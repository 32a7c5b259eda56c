"""Encoders of local-global blocks (MAE-DFER / AVF-MAE++).

Tokens are grouped into regions, each led by a learned region token. How the
groups are cut differs between the authors' two models, and both are kept:

* with a mask (pre-training) the *visible* tokens, in raster order, are cut
  into runs of consecutive tokens: ``(nt, t, nhw, hw) -> (nt nhw, t hw)``
  with ``hw = int(region_h * region_w * visible_ratio)`` (so a "region" is
  a run of visible tokens, not a spatial window);
* without a mask (fine-tuning) the regions are true ``region_size``
  windows of the token grid.

Pre-training returns the local tokens (region tokens dropped) in the
region-grouped order, as the authors' encoder does; their decoder then adds
raster-order position embeddings to them, a mismatch whenever a region spans
several frames and several parts of a frame. ``token_order='raster'``
returns them in raster order instead (the corrected behaviour).
"""
import math
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from hicmae.registry import MODELS
from ..layers import (CheckpointMode, PatchEmbed2D, PatchEmbed3D,
                      check_cp_mode, run_block, sincos_table,
                      stochastic_depth_rates)
from ..layers.local_global_block import LocalGlobalBlock, region_token_param
from ..layers.token_select import check_mask, gather_tokens, split_indices
from ..utils import init_xavier_
from .vit_encoder import ViTEncoder

TOKEN_ORDERS = ('region', 'raster')


class LocalGlobalEncoder(ViTEncoder):
    """Shared trunk of :class:`LGVideoEncoder` and :class:`LGAudioEncoder`.

    ``forward(x, mask, num_hidden)`` is the pre-training interface of
    :class:`ViTEncoder` (normalised local tokens and intermediate outputs);
    ``forward_all_layers(x)`` returns every block's region tokens
    ``(B, R, C)`` (the authors' ``lg_classify_token_type='region'``), which
    the recognizer stacks and normalises.
    """

    def _build_lg_trunk(self, region_size: Sequence[int], embed_dims: int,
                        depth: int, num_heads: int, mlp_ratio: float,
                        qkv_bias: bool, drop_rate: float,
                        attn_drop_rate: float, drop_path_rate: float,
                        norm_eps: float, out_indices: Sequence[int],
                        with_cp: CheckpointMode, use_sdpa: bool,
                        with_region_gather: bool, token_order: str) -> None:
        grid = self._grid3d()
        region = (1, ) * (3 - len(region_size)) + tuple(region_size)
        if any(g % r for g, r in zip(grid, region)):
            raise ValueError(
                f'{type(self).__name__}: region_size {tuple(region_size)} '
                f'does not tile the token grid '
                f'{tuple(self.patch_embed.grid_size)}')
        if token_order not in TOKEN_ORDERS:
            raise ValueError(f'token_order must be one of {TOKEN_ORDERS}, '
                             f'got {token_order!r}')
        for i in out_indices:
            if not 0 <= i < depth:
                raise ValueError(f'{type(self).__name__}: out index {i} is '
                                 f'outside the {depth} blocks')
        self.region = region
        self.num_region_grid = tuple(g // r for g, r in zip(grid, region))
        self.token_order = token_order
        self.embed_dims, self.depth = embed_dims, depth
        self.out_indices = tuple(int(i) for i in out_indices)
        self.with_cp = check_cp_mode(with_cp)
        self.register_buffer('pos_embed', sincos_table(
            self.patch_embed.num_patches, embed_dims), persistent=False)
        rates = stochastic_depth_rates(drop_path_rate, depth)
        self.blocks = nn.ModuleList([
            LocalGlobalBlock(embed_dims, num_heads, mlp_ratio, qkv_bias,
                             drop_rate, attn_drop_rate, rates[i], norm_eps,
                             with_region_gather, use_sdpa)
            for i in range(depth)
        ])
        self.norm = nn.LayerNorm(embed_dims, eps=norm_eps)
        init_xavier_(self.blocks)
        self.region_tokens = region_token_param(
            math.prod(self.num_region_grid), embed_dims)

    @property
    def num_regions(self) -> int:
        return math.prod(self.num_region_grid)

    def _grid3d(self) -> Tuple[int, int, int]:
        grid = tuple(self.patch_embed.grid_size)
        return (1, ) * (3 - len(grid)) + grid

    def _run(self, groups: torch.Tensor, collect: str
             ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """Run the blocks on ``(B, R, S, C)`` groups; return the final
        ``(B * R, 1 + S, C)`` tokens and per block either the local tokens
        (``collect='local'``) or the region tokens (``'region'``)."""
        b, r, s, c = groups.shape
        lead = self.region_tokens.to(groups.dtype).expand(b, -1, -1)
        x = torch.cat([lead.unsqueeze(2), groups], dim=2).reshape(
            b * r, s + 1, c)
        outs = []
        for block in self.blocks:
            x = run_block(block, x, b, with_cp=self.with_cp)
            if collect == 'region':
                outs.append(x[:, 0].reshape(b, r, c))
            else:
                outs.append(x[:, 1:].reshape(b, r * s, c))
        return x, outs

    def _run_split(self, tokens: torch.Tensor, nt: int, t: int, nhw: int,
                   hw: int) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """Cut raster-ordered tokens ``(nt, t, nhw, hw)`` into ``nt * nhw``
        groups of ``t * hw``, run the blocks, and return the local tokens
        of the last block and of every block."""
        b, _, c = tokens.shape
        groups = tokens.reshape(b, nt, t, nhw, hw, c).transpose(2, 3) \
            .reshape(b, nt * nhw, t * hw, c)
        _, outs = self._run(groups, 'local')
        if self.token_order == 'raster':
            outs = [o.reshape(b, nt, nhw, t, hw, c).transpose(2, 3)
                    .reshape(b, -1, c) for o in outs]
        return outs[-1], outs

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None,
                num_hidden: Optional[int] = None
                ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        b = x.shape[0]
        pos = self.pos_embed.to(x.dtype)
        nt, nh, nw = self.num_region_grid
        t, h, w = self.region
        if mask is None:
            tokens = self.patch_embed(x) + pos
            last, outs = self._run_windows(tokens, 'local')
        else:
            check_mask(mask, b, self.num_patches)
            visible, _ = split_indices(mask, num_hidden)
            tokens = self.patch_embed(x, visible) + gather_tokens(
                pos.expand(b, -1, -1), visible)
            # the authors' int(): a region keeps the visible share of its
            # area, rounded down; the visible count must then split evenly
            hw = int(h * w * tokens.shape[1] / self.num_patches)
            if hw < 1 or nt * t * nh * nw * hw != tokens.shape[1]:
                raise ValueError(
                    f'{type(self).__name__}: {tokens.shape[1]} visible '
                    f'tokens of {self.num_patches} cannot be cut into '
                    f'{nt * nh * nw} regions of {t} x {hw}; choose a mask '
                    f'ratio that leaves whole regions for region_size '
                    f'{self.region}')
            last, outs = self._run_split(tokens, nt, t, nh * nw, hw)
        inters = [self.norm(outs[i]) for i in self.out_indices]
        return self.norm(last), inters

    def _window_groups(self, tokens: torch.Tensor) -> torch.Tensor:
        """``(B, N, C)`` raster tokens -> ``(B, R, t*h*w, C)`` windows."""
        b, _, c = tokens.shape
        nt, nh, nw = self.num_region_grid
        t, h, w = self.region
        return tokens.reshape(b, nt, t, nh, h, nw, w, c) \
            .permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(b, nt * nh * nw,
                                                     t * h * w, c)

    def _run_windows(self, tokens: torch.Tensor, collect: str
                     ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        _, outs = self._run(self._window_groups(tokens), collect)
        return outs[-1], outs

    def forward_all_layers(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Every block's region tokens ``(B, R, C)``, un-normalised."""
        tokens = self.patch_embed(x) + self.pos_embed.to(x.dtype)
        return self._run_windows(tokens, 'region')[1]

    def get_layer_depth(self, param_name: str) -> Tuple[int, int]:
        """As :meth:`ViTEncoder.get_layer_depth`; the region tokens are in
        the last bucket (the full learning rate under layer-wise decay), as
        the authors' layer-id rule puts every name it does not know."""
        if param_name.startswith('region_tokens'):
            return self.depth + 1, self.depth + 2
        return super().get_layer_depth(param_name)


@MODELS.register_module()
class LGVideoEncoder(LocalGlobalEncoder):
    """Video encoder of local-global blocks (AVF-MAE++'s ``local_global``).

    Args:
        region_size: ``(t, h, w)`` tokens per region; the authors' Base
            scripts use ``(2, 5, 10)``.
        with_region_gather: AVF-MAE++'s fourth step (region tokens attend
            to the local tokens); ``False`` gives MAE-DFER's block.
        token_order: pre-training output order, ``'region'`` (the authors)
            or ``'raster'`` (corrected; see the module docstring).
        Remaining arguments: see :class:`~hicmae.models.encoders.VideoEncoder`.
    """

    def __init__(self, img_size: int = 160, num_frames: int = 16,
                 tubelet_size: int = 2, patch_size: int = 16,
                 in_channels: int = 3, embed_dims: int = 512,
                 depth: int = 10, num_heads: int = 8,
                 region_size: Sequence[int] = (2, 5, 10),
                 mlp_ratio: float = 4., qkv_bias: bool = True,
                 drop_rate: float = 0., attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0., init_values: float = 0.,
                 norm_eps: float = 1e-6, out_indices: Sequence[int] = (),
                 with_region_gather: bool = True, token_order: str = 'region',
                 with_cp: CheckpointMode = False, use_sdpa: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        BaseModule.__init__(self, init_cfg=init_cfg)
        if init_values:
            raise ValueError('local-global blocks have no layer scale '
                             '(init_values must be 0), as the authors')
        self.patch_embed = PatchEmbed3D(img_size, num_frames, tubelet_size,
                                        patch_size, in_channels, embed_dims)
        self._build_lg_trunk(region_size, embed_dims, depth, num_heads,
                             mlp_ratio, qkv_bias, drop_rate, attn_drop_rate,
                             drop_path_rate, norm_eps, out_indices, with_cp,
                             use_sdpa, with_region_gather, token_order)


@MODELS.register_module()
class LGAudioEncoder(LocalGlobalEncoder):
    """Spectrogram encoder of local-global blocks.

    Args:
        region_size: ``(time, mel)`` tokens per region; the authors' scripts
            use ``(4, 4)``.
        Remaining arguments: see :class:`LGVideoEncoder` and
            :class:`~hicmae.models.encoders.AudioEncoder`.
    """

    def __init__(self, input_size: Sequence[int] = (256, 128),
                 patch_size: int = 16, in_channels: int = 1,
                 embed_dims: int = 512, depth: int = 10, num_heads: int = 8,
                 region_size: Sequence[int] = (4, 4),
                 mlp_ratio: float = 4., qkv_bias: bool = True,
                 drop_rate: float = 0., attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0., init_values: float = 0.,
                 norm_eps: float = 1e-6, out_indices: Sequence[int] = (),
                 with_region_gather: bool = True, token_order: str = 'region',
                 with_cp: CheckpointMode = False, use_sdpa: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        BaseModule.__init__(self, init_cfg=init_cfg)
        if init_values:
            raise ValueError('local-global blocks have no layer scale '
                             '(init_values must be 0), as the authors')
        self.patch_embed = PatchEmbed2D(input_size, patch_size, in_channels,
                                        embed_dims)
        self._build_lg_trunk(region_size, embed_dims, depth, num_heads,
                             mlp_ratio, qkv_bias, drop_rate, attn_drop_rate,
                             drop_path_rate, norm_eps, out_indices, with_cp,
                             use_sdpa, with_region_gather, token_order)
