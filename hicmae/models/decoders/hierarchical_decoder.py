"""MAE decoder with hierarchical skip connections to encoder layers."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseModule
from torch import nn

from hicmae.registry import MODELS
from ..layers import (Block, CheckpointMode, CrossSelfBlock, check_cp_mode,
                      run_block, sincos_table, stochastic_depth_rates)
from ..layers.token_select import check_mask, gather_tokens, split_indices
from ..utils import init_xavier_


@MODELS.register_module()
class HierarchicalDecoder(BaseModule):
    """Reconstruct masked tokens, attending to intermediate encoder layers.

    The visible encoder tokens are projected to the decoder width, given
    their position embedding and followed by one learned mask token per hidden
    position. With ``num_skips = k`` the last ``k`` blocks are
    :class:`CrossSelfBlock`\\ s whose contexts are the projected intermediate
    features, deepest first (HiCMAE uses ``k = depth - 1``: block 1 attends to
    the deepest listed layer, block ``depth-1`` to the shallowest); ``k = 0``
    is a plain MAE decoder. The head predicts the hidden tokens only.

    Args:
        in_dims: width of the encoder tokens.
        embed_dims: decoder width.
        depth: number of blocks.
        num_heads: attention heads.
        num_patches: tokens of the full input.
        out_channels: values predicted per token.
        num_skips: number of intermediate features the decoder attends to;
            0 or ``depth - 1``.
        Remaining arguments: as for :class:`~hicmae.models.layers.Block`.
    """

    def __init__(self, in_dims: int, embed_dims: int = 384, depth: int = 4,
                 num_heads: int = 6, num_patches: int = 800,
                 out_channels: int = 1536, num_skips: int = 3,
                 mlp_ratio: float = 4., qkv_bias: bool = True,
                 drop_rate: float = 0., attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0., init_values: float = 0.,
                 norm_eps: float = 1e-6, with_cp: CheckpointMode = False,
                 use_sdpa: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_skips not in (0, depth - 1):
            raise ValueError(
                f'a decoder of depth {depth} takes {depth - 1} skip '
                f'connections (one per block after the first) or none, got '
                f'{num_skips}; make len(skip_layers) == decoder depth - 1 '
                'or set skip_layers=()')
        self.num_skips = num_skips
        self.with_cp = check_cp_mode(with_cp)
        self.embed = nn.Linear(in_dims, embed_dims, bias=False)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        nn.init.trunc_normal_(self.mask_token, std=.02, a=-.02, b=.02)
        self.register_buffer('pos_embed', sincos_table(num_patches,
                                                       embed_dims),
                             persistent=False)
        rates = stochastic_depth_rates(drop_path_rate, depth)
        common = dict(num_heads=num_heads, mlp_ratio=mlp_ratio,
                      qkv_bias=qkv_bias, drop=drop_rate,
                      attn_drop=attn_drop_rate, init_values=init_values,
                      norm_eps=norm_eps, use_sdpa=use_sdpa)
        first_cross = depth - num_skips
        self.blocks = nn.ModuleList([
            Block(embed_dims, drop_path=rates[i], **common)
            if i < first_cross else CrossSelfBlock(
                embed_dims, embed_dims, drop_path=rates[i], **common)
            for i in range(depth)
        ])
        self.norm = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.head = nn.Linear(embed_dims, out_channels)
        init_xavier_(self.blocks)
        init_xavier_(self.norm)
        init_xavier_(self.head)

    def forward(self, x_vis: torch.Tensor, mask: torch.Tensor,
                skips: Sequence[torch.Tensor] = (),
                num_hidden: Optional[int] = None,
                decode_mask: Optional[torch.Tensor] = None,
                num_skipped: Optional[int] = None) -> torch.Tensor:
        """Predict the hidden tokens (or, with a decoder mask, the decoded
        ones).

        Args:
            x_vis: ``(B, N_vis, in_dims)`` visible encoder tokens, in the
                order of ``~mask``.
            mask: ``(B, N)`` bool, ``True`` = hidden.
            skips: ``num_skips`` intermediate features ``(B, N_vis,
                in_dims)``, shallow to deep.
            num_hidden: hidden tokens per sample; read from ``mask`` (a
                device sync) when ``None``.
            decode_mask: dual masking: ``(B, N)`` bool, ``True`` = not
                decoded. One mask token goes to every *decoded* position,
                whether the encoder saw it or not (so a visible token can
                enter both as itself and as a mask token), and those are
                predicted. ``None``: the hidden positions are decoded.
            num_skipped: positions per sample left out by ``decode_mask``.

        Returns:
            ``(B, N_hidden or N_decoded, out_channels)`` predictions in
            token order.
        """
        if len(skips) != self.num_skips:
            raise ValueError(f'decoder expects {self.num_skips} skip '
                             f'features, got {len(skips)}')
        b = x_vis.shape[0]
        pos = self.pos_embed.to(x_vis.dtype).expand(b, -1, -1)
        check_mask(mask, b, pos.shape[1])
        visible, hidden = split_indices(mask, num_hidden)
        if decode_mask is not None:
            check_mask(decode_mask, b, pos.shape[1])
            hidden = split_indices(decode_mask, num_skipped)[0]
        pos_vis = gather_tokens(pos, visible)
        pos_hid = gather_tokens(pos, hidden)
        x = torch.cat([self.embed(x_vis) + pos_vis,
                       self.mask_token.to(x_vis.dtype) + pos_hid], dim=1)
        contexts = [self.embed(s) + pos_vis for s in skips]
        first_cross = len(self.blocks) - self.num_skips
        for i, block in enumerate(self.blocks):
            if i < first_cross:
                x = run_block(block, x, with_cp=self.with_cp)
            else:
                # block first_cross + j attends to the j-th deepest feature
                ctx = contexts[-(i - first_cross + 1)]
                x = run_block(block, x, ctx, with_cp=self.with_cp)
        num_hidden = pos_hid.shape[1]
        return self.head(self.norm(x[:, -num_hidden:]))
