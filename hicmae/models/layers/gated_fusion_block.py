"""Gated self/cross fusion block and the global-token refinement of
AVF-MAE++'s iterative audio-visual correlation fusion."""
import math
from typing import Tuple

import torch
from torch import nn

from .attention import Attention
from .blocks import Mlp, _drop_path


class _Branch(nn.Module):
    """``x + Attn(LN(x)[, LN(ctx)])`` then ``+ MLP(LN(.))``."""

    def __init__(self, dims: int, num_heads: int, cross: bool,
                 mlp_ratio: float, qkv_bias: bool, drop: float,
                 attn_drop: float, drop_path: float, norm_eps: float,
                 use_sdpa: bool) -> None:
        super().__init__()
        self.cross = cross
        self.norm = nn.LayerNorm(dims, eps=norm_eps)
        if cross:
            self.ctx_norm = nn.LayerNorm(dims, eps=norm_eps)
        self.attn = Attention(dims, num_heads,
                              context_dims=dims if cross else None,
                              qkv_bias=qkv_bias, attn_drop=attn_drop,
                              proj_drop=drop, use_sdpa=use_sdpa)
        self.mlp_norm = nn.LayerNorm(dims, eps=norm_eps)
        self.mlp = Mlp(dims, int(dims * mlp_ratio), drop)
        self.drop_path = _drop_path(drop_path)

    def forward(self, x: torch.Tensor, ctx: torch.Tensor) -> torch.Tensor:
        if self.cross:
            y = self.attn(self.norm(x), self.ctx_norm(ctx))
        else:
            y = self.attn(self.norm(x))
        x = x + self.drop_path(y)
        return x + self.drop_path(self.mlp(self.mlp_norm(x)))


class _Gate(nn.Module):
    """``LN(σ(W1[s, c]) · s + σ(W2[s, c]) · c)``."""

    def __init__(self, dims: int, norm_eps: float) -> None:
        super().__init__()
        self.self_gate = nn.Linear(2 * dims, dims)
        self.cross_gate = nn.Linear(2 * dims, dims)
        self.norm = nn.LayerNorm(dims, eps=norm_eps)

    def forward(self, s: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        both = torch.cat([s, c], dim=-1)
        return self.norm(torch.sigmoid(self.self_gate(both)) * s +
                         torch.sigmoid(self.cross_gate(both)) * c)


class GatedFusionBlock(nn.Module):
    """One fusion layer: per modality a self branch and a cross branch, both
    from the layer input, merged by sigmoid gates and a LayerNorm (the
    authors' ``CSBlock_new_no_Mask``).

    Args:
        dims: token width of both modalities.
        num_heads: heads of every attention.
        Remaining arguments: as for :class:`~hicmae.models.layers.Block`.
    """

    def __init__(self, dims: int, num_heads: int, mlp_ratio: float = 4.,
                 qkv_bias: bool = True, drop: float = 0.,
                 attn_drop: float = 0., drop_path: float = 0.,
                 norm_eps: float = 1e-6, use_sdpa: bool = True) -> None:
        super().__init__()
        common = (mlp_ratio, qkv_bias, drop, attn_drop, drop_path, norm_eps,
                  use_sdpa)
        self.video_self = _Branch(dims, num_heads, False, *common)
        self.video_cross = _Branch(dims, num_heads, True, *common)
        self.audio_self = _Branch(dims, num_heads, False, *common)
        self.audio_cross = _Branch(dims, num_heads, True, *common)
        self.video_gate = _Gate(dims, norm_eps)
        self.audio_gate = _Gate(dims, norm_eps)

    def forward(self, video: torch.Tensor, audio: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        v = self.video_gate(self.video_self(video, None),
                            self.video_cross(video, audio))
        a = self.audio_gate(self.audio_self(audio, None),
                            self.audio_cross(audio, video))
        return v, a


class GlobalTokenRefinement(nn.Module):
    """Refine the global tokens from both modalities' tokens.

    For each modality: single-head attention of the global tokens to the
    tokens (no projections), then a 1x1 convolution, BatchNorm and PReLU;
    the two results are added to the global tokens and a LayerNorm follows.
    A ``2C``-wide input (the first call) is projected to ``C`` first.

    The BatchNorm normalises over the batch and the tokens in training, so
    it mixes samples (as the authors').
    """

    def __init__(self, dims: int) -> None:
        super().__init__()
        self.dims = dims
        self.in_proj = nn.Linear(2 * dims, dims)
        self.audio_branch = _conv_bn_prelu(dims)
        self.video_branch = _conv_bn_prelu(dims)
        # the authors build this norm with nn.LayerNorm's own eps (1e-5)
        self.norm = nn.LayerNorm(dims)

    def forward(self, audio: torch.Tensor, video: torch.Tensor,
                glob: torch.Tensor) -> torch.Tensor:
        if glob.shape[-1] == 2 * self.dims:
            glob = self.in_proj(glob)
        out = glob
        for tokens, branch in ((audio, self.audio_branch),
                               (video, self.video_branch)):
            weights = torch.softmax(
                glob @ tokens.transpose(1, 2) / math.sqrt(self.dims), dim=-1)
            out = out + branch((weights @ tokens).transpose(1, 2)) \
                .transpose(1, 2)
        return self.norm(out)


def _conv_bn_prelu(dims: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(dims, dims, 1), nn.BatchNorm1d(dims),
                         nn.PReLU())
