"""Local-global interaction block (MAE-DFER, with AVF-MAE++'s fourth step).

Tokens arrive grouped into regions, each led by one learned *region token*
(the authors' "messenger"): ``(B * R, 1 + S, C)``. One block runs

1. self-attention inside every region (region token included);
2. self-attention among the ``R`` region tokens of a sample;
3. every local token of a sample attends to the sample's region tokens;
4. (AVF-MAE++) every region token attends to all local tokens of the sample;
5. an MLP on every token.

The fourth step reads the region tokens of step 2 and the local tokens of
step 3, as the authors' code does.
"""
from typing import Optional

import torch
from torch import nn

from .attention import Attention
from .blocks import Mlp, _drop_path


class LocalGlobalBlock(nn.Module):
    """One local-global block over region-grouped tokens.

    Every attention is a q / kv attention (separate query and key-value
    projections, the authors' ``GeneralAttention``), also where it attends
    to its own input.

    Args:
        dims: token width.
        num_heads: attention heads.
        mlp_ratio: MLP hidden width over ``dims``.
        qkv_bias: learn q and v biases.
        drop: dropout after projections.
        attn_drop: dropout on attention weights.
        drop_path: stochastic-depth rate.
        norm_eps: LayerNorm epsilon.
        with_region_gather: the fourth step (AVF-MAE++); ``False`` is
            MAE-DFER's three-step block.
        use_sdpa: fused attention kernel.
    """

    def __init__(self, dims: int, num_heads: int, mlp_ratio: float = 4.,
                 qkv_bias: bool = True, drop: float = 0.,
                 attn_drop: float = 0., drop_path: float = 0.,
                 norm_eps: float = 1e-6, with_region_gather: bool = True,
                 use_sdpa: bool = True) -> None:
        super().__init__()

        def attn() -> Attention:
            return Attention(dims, num_heads, context_dims=dims,
                             qkv_bias=qkv_bias, attn_drop=attn_drop,
                             proj_drop=drop, use_sdpa=use_sdpa)

        def norm() -> nn.LayerNorm:
            return nn.LayerNorm(dims, eps=norm_eps)

        self.local_norm, self.local_attn = norm(), attn()
        self.region_norm, self.region_attn = norm(), attn()
        self.inject_norm, self.inject_ctx_norm = norm(), norm()
        self.inject_attn = attn()
        self.with_region_gather = with_region_gather
        if with_region_gather:
            self.gather_norm, self.gather_ctx_norm = norm(), norm()
            self.gather_attn = attn()
        self.norm2 = norm()
        self.mlp = Mlp(dims, int(dims * mlp_ratio), drop)
        self.drop_path = _drop_path(drop_path)

    def forward(self, x: torch.Tensor, batch_size: int) -> torch.Tensor:
        """``x``: ``(B * R, 1 + S, C)``, region token first in every group.
        """
        br, s1, c = x.shape
        regions = br // batch_size
        h = self.local_norm(x)
        x = x + self.drop_path(self.local_attn(h, h))
        summary = x[:, 0].reshape(batch_size, regions, c)
        h = self.region_norm(summary)
        summary = summary + self.drop_path(self.region_attn(h, h))
        local = x[:, 1:].reshape(batch_size, regions * (s1 - 1), c)
        local = local + self.drop_path(self.inject_attn(
            self.inject_norm(local), self.inject_ctx_norm(summary)))
        if self.with_region_gather:
            summary = summary + self.drop_path(self.gather_attn(
                self.gather_norm(summary), self.gather_ctx_norm(local)))
        x = torch.cat([summary.reshape(br, 1, c),
                       local.reshape(br, s1 - 1, c)], dim=1)
        return x + self.drop_path(self.mlp(self.norm2(x)))


def region_token_param(num_regions: int, dims: int,
                       std: Optional[float] = .02) -> nn.Parameter:
    """The learned region tokens ``(R, C)``, truncated-normal initialised."""
    tokens = nn.Parameter(torch.zeros(num_regions, dims))
    if std:
        nn.init.trunc_normal_(tokens, std=std, a=-std, b=std)
    return tokens
