"""Shared ViT trunk of the video and audio encoders."""
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from ..layers import (Block, CheckpointMode, check_cp_mode, run_block,
                      sincos_table, stochastic_depth_rates)
from ..layers.token_select import check_mask, gather_tokens, split_indices
from ..utils import init_xavier_


class ViTEncoder(BaseModule):
    """Pre-norm ViT over patch tokens with a fixed sine-cosine table.

    Subclasses create ``self.patch_embed`` (anything with ``num_patches`` and
    ``grid_size``) before calling :meth:`_build_trunk`.

    ``forward(x, mask, num_hidden)`` embeds ``x``, keeps the visible tokens
    (``mask`` is ``(B, N)`` bool, ``True`` = hidden, the same count per
    sample; pass that count as ``num_hidden`` and no value is read back
    from the device), runs the blocks and returns the final tokens after
    the final LayerNorm plus the outputs of the blocks in ``out_indices``
    (0-based), each passed through that same LayerNorm.

    Args:
        embed_dims: token width.
        depth: number of blocks.
        num_heads: attention heads.
        mlp_ratio: MLP hidden width over ``embed_dims``.
        qkv_bias: learn q and v biases.
        drop_rate: dropout after projections.
        attn_drop_rate: dropout on attention weights.
        drop_path_rate: stochastic depth, rising linearly to this value.
        init_values: layer-scale start value (0 = off).
        norm_eps: LayerNorm epsilon.
        out_indices: blocks whose (normalised) outputs are also returned.
        with_cp: activation checkpointing for every block: ``False``,
            ``True``/``'full'`` or ``'selective'`` (see
            :mod:`hicmae.models.layers.checkpointing`).
        use_sdpa: fused attention kernel.
    """

    def _build_trunk(self, embed_dims: int, depth: int, num_heads: int,
                     mlp_ratio: float, qkv_bias: bool, drop_rate: float,
                     attn_drop_rate: float, drop_path_rate: float,
                     init_values: float, norm_eps: float,
                     out_indices: Sequence[int], with_cp: CheckpointMode,
                     use_sdpa: bool) -> None:
        out_indices = tuple(int(i) for i in out_indices)
        for i in out_indices:
            if not 0 <= i < depth:
                raise ValueError(
                    f'{type(self).__name__}: out index {i} is outside the '
                    f'{depth} blocks (valid: 0..{depth - 1}); change the '
                    'contrastive/skip layer indices or the encoder depth')
        self.embed_dims = embed_dims
        self.depth = depth
        self.out_indices = out_indices
        self.with_cp = check_cp_mode(with_cp)
        self.register_buffer(
            'pos_embed', sincos_table(self.patch_embed.num_patches,
                                      embed_dims), persistent=False)
        rates = stochastic_depth_rates(drop_path_rate, depth)
        self.blocks = nn.ModuleList([
            Block(embed_dims, num_heads, mlp_ratio, qkv_bias, drop_rate,
                  attn_drop_rate, rates[i], init_values, norm_eps, use_sdpa)
            for i in range(depth)
        ])
        self.norm = nn.LayerNorm(embed_dims, eps=norm_eps)
        init_xavier_(self.blocks)

    @property
    def num_patches(self) -> int:
        return self.patch_embed.num_patches

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None,
                num_hidden: Optional[int] = None
                ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        if mask is None:
            tokens = self.patch_embed(x) + self.pos_embed.to(x.dtype)
        else:
            check_mask(mask, x.shape[0], self.num_patches)
            visible, _ = split_indices(mask, num_hidden)
            pos = gather_tokens(self.pos_embed.to(x.dtype).expand(
                x.shape[0], -1, -1), visible)
            tokens = self.patch_embed(x, visible) + pos
        inters = []
        for i, block in enumerate(self.blocks):
            tokens = run_block(block, tokens, with_cp=self.with_cp)
            if i in self.out_indices:
                inters.append(self.norm(tokens))
        return self.norm(tokens), inters

    def forward_all_layers(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Every block's output, un-normalised (for hierarchical fusion)."""
        tokens = self.patch_embed(x) + self.pos_embed.to(x.dtype)
        outs = []
        for block in self.blocks:
            tokens = run_block(block, tokens, with_cp=self.with_cp)
            outs.append(tokens)
        return outs

    def get_layer_depth(self, param_name: str) -> Tuple[int, int]:
        """Depth id of a parameter for layer-wise lr decay.

        Patch embedding is 0, block ``i`` is ``i + 1``, the final norm
        ``depth + 1``; returns ``(layer_id, depth + 2)``. ``param_name`` is
        relative to this module.
        """
        num_layers = self.depth + 2
        if param_name.startswith(('patch_embed', 'pos_embed')):
            return 0, num_layers
        if param_name.startswith('blocks.'):
            return int(param_name.split('.')[1]) + 1, num_layers
        return num_layers - 1, num_layers


def keep_visible(tokens: torch.Tensor, mask: torch.Tensor,
                 num_hidden: Optional[int] = None) -> torch.Tensor:
    """Select the visible tokens (``mask`` False) of every sample.

    Every sample must hide the same number of tokens (``num_hidden``; read
    from the mask when not given), so the result stays a dense
    ``(B, N_visible, C)`` tensor.
    """
    check_mask(mask, *tokens.shape[:2])
    return gather_tokens(tokens, split_indices(mask, num_hidden)[0])
