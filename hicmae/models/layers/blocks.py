"""Pre-norm transformer blocks: self-attention ``Block`` and
``CrossSelfBlock``."""
import torch
from mmcv.cnn.bricks import DropPath
from torch import nn

from .attention import Attention


class Mlp(nn.Module):
    """Two-layer GELU MLP (dropout after the second layer, as in BEiT)."""

    def __init__(self, dims: int, hidden_dims: int, drop: float = 0.) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dims, hidden_dims)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_dims, dims)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.act(self.fc1(x))))


class LayerScale(nn.Module):
    """Learned per-channel residual scale (CaiT); ``gamma`` starts at
    ``init``."""

    def __init__(self, dims: int, init_values: float) -> None:
        super().__init__()
        self.gamma = nn.Parameter(init_values * torch.ones(dims))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


def _residual_scale(dims: int, init_values: float) -> nn.Module:
    return LayerScale(dims, init_values) if init_values > 0 else nn.Identity()


def _drop_path(rate: float) -> nn.Module:
    return DropPath(rate) if rate > 0 else nn.Identity()


class Block(nn.Module):
    """``x + SelfAttn(LN(x))`` then ``x + MLP(LN(x))``.

    Args:
        dims: token width.
        num_heads: attention heads.
        mlp_ratio: MLP hidden width over ``dims``.
        qkv_bias: learn q and v biases.
        drop: dropout after the attention and MLP projections.
        attn_drop: dropout on attention weights.
        drop_path: stochastic-depth rate of this block.
        init_values: layer-scale start value; 0 disables layer scale.
        norm_eps: LayerNorm epsilon.
        use_sdpa: fused attention kernel (``False``: explicit softmax).
    """

    def __init__(self, dims: int, num_heads: int, mlp_ratio: float = 4.,
                 qkv_bias: bool = True, drop: float = 0.,
                 attn_drop: float = 0., drop_path: float = 0.,
                 init_values: float = 0., norm_eps: float = 1e-6,
                 use_sdpa: bool = True) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dims, eps=norm_eps)
        self.attn = Attention(dims, num_heads, qkv_bias=qkv_bias,
                              attn_drop=attn_drop, proj_drop=drop,
                              use_sdpa=use_sdpa)
        self.ls1 = _residual_scale(dims, init_values)
        self.norm2 = nn.LayerNorm(dims, eps=norm_eps)
        self.mlp = Mlp(dims, int(dims * mlp_ratio), drop)
        self.ls2 = _residual_scale(dims, init_values)
        self.drop_path = _drop_path(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.ls1(self.attn(self.norm1(x))))
        return x + self.drop_path(self.ls2(self.mlp(self.norm2(x))))


class CrossSelfBlock(Block):
    """Cross-attention to a context, then a self-attention ``Block``'s body.

    ``x + CrossAttn(LN(x), LN_ctx(ctx))``, ``x + SelfAttn(LN(x))``,
    ``x + MLP(LN(x))``. Arguments as for :class:`Block`, plus
    ``context_dims``, the width of the context tokens.
    """

    def __init__(self, dims: int, context_dims: int, num_heads: int,
                 mlp_ratio: float = 4., qkv_bias: bool = True,
                 drop: float = 0., attn_drop: float = 0.,
                 drop_path: float = 0., init_values: float = 0.,
                 norm_eps: float = 1e-6, use_sdpa: bool = True) -> None:
        super().__init__(dims, num_heads, mlp_ratio, qkv_bias, drop,
                         attn_drop, drop_path, init_values, norm_eps,
                         use_sdpa)
        self.cross_norm1 = nn.LayerNorm(dims, eps=norm_eps)
        self.cross_norm2 = nn.LayerNorm(context_dims, eps=norm_eps)
        self.cross_attn = Attention(dims, num_heads,
                                    context_dims=context_dims,
                                    qkv_bias=qkv_bias, attn_drop=attn_drop,
                                    proj_drop=drop, use_sdpa=use_sdpa)
        self.ls0 = _residual_scale(dims, init_values)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.ls0(self.cross_attn(
            self.cross_norm1(x), self.cross_norm2(context))))
        return super().forward(x)


def stochastic_depth_rates(rate: float, depth: int) -> list:
    """Linearly increasing drop-path rates ``0 … rate`` over ``depth``
    blocks."""
    # plain floats (not tensor.item()) so models can be built on 'meta'
    if depth == 1:
        return [0.]
    return [rate * i / (depth - 1) for i in range(depth)]
