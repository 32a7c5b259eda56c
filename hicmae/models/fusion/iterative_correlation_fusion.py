"""AVF-MAE++'s iterative audio-visual correlation fusion."""
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from hicmae.registry import MODELS
from ..layers import (Attention, CheckpointMode, Mlp, check_cp_mode, run_block,
                      stochastic_depth_rates)
from ..layers.blocks import _drop_path
from ..layers.gated_fusion_block import GatedFusionBlock, GlobalTokenRefinement
from ..utils import init_xavier_


class _StageMerge(nn.Module):
    """Per token, let the ``S`` stage outputs attend to each other, then
    sum them with sigmoid weights: ``(B, N, S, C) -> (B, N, C)``."""

    def __init__(self, dims: int, num_heads: int, mlp_ratio: float,
                 qkv_bias: bool, drop: float, attn_drop: float,
                 norm_eps: float, use_sdpa: bool) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dims, eps=norm_eps)
        self.attn = Attention(dims, num_heads, qkv_bias=qkv_bias,
                              attn_drop=attn_drop, proj_drop=drop,
                              use_sdpa=use_sdpa)
        self.mlp_norm = nn.LayerNorm(dims, eps=norm_eps)
        self.mlp = Mlp(dims, int(dims * mlp_ratio), drop)
        self.score = nn.Linear(dims, 1)

    def forward(self, stages: torch.Tensor, drop_path: nn.Module
                ) -> torch.Tensor:
        b, n, s, c = stages.shape
        x = stages.reshape(b * n, s, c)
        x = x + drop_path(self.attn(self.norm(x)))
        x = x + drop_path(self.mlp(self.mlp_norm(x)))
        weights = torch.sigmoid(self.score(x))  # (B*N, S, 1)
        return (x.transpose(1, 2) @ weights).reshape(b, n, c)


@MODELS.register_module()
class IterativeCorrelationFusion(BaseModule):
    """Gated fusion layers refined by a global audio-visual token.

    Story: a global token starts as ``cat(video, audio)`` summaries (``2C``
    wide); every :class:`GatedFusionBlock` updates both streams and the one
    shared :class:`GlobalTokenRefinement` refines the global token from
    them; the per-layer outputs of each stream are merged by attention over
    the layers and sigmoid weights; both streams then attend to the global
    token (one cross-attention shared by the two streams, its query norms
    per stream) and pass an MLP. No final norm follows.

    ``forward(video, audio, overall=None)``: ``overall`` is the starting
    global token(s) ``(B, M, 2C)``; when ``None`` it is
    ``cat(mean(video), mean(audio))`` ``(B, 1, 2C)`` (AVF-MAE++'s
    pre-training). Fine-tuning passes layer-weighted per-region tokens.
    Returns ``(video, audio)``.

    Args:
        video_dims / audio_dims: token widths (they must be equal).
        depth: number of gated fusion layers.
        num_heads: heads of every attention.
        drop_path_rate: stochastic depth of the layers (rising linearly);
            the merge and output steps use half of it, as the authors.
        Remaining arguments: as for :class:`~hicmae.models.layers.Block`.
    """

    def __init__(self, video_dims: int = 512, audio_dims: int = 512,
                 depth: int = 2, num_heads: int = 8, mlp_ratio: float = 4.,
                 qkv_bias: bool = True, drop_rate: float = 0.,
                 attn_drop_rate: float = 0., drop_path_rate: float = 0.,
                 init_values: float = 0., norm_eps: float = 1e-6,
                 with_cp: CheckpointMode = False, use_sdpa: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if video_dims != audio_dims:
            raise ValueError('IterativeCorrelationFusion needs equal video '
                             f'and audio widths, got {video_dims} and '
                             f'{audio_dims}')
        if init_values:
            raise ValueError('IterativeCorrelationFusion has no layer scale '
                             '(init_values must be 0), as the authors')
        if depth < 1:
            raise ValueError(f'depth must be >= 1, got {depth}')
        dims = video_dims
        self.depth = depth
        self.with_cp = check_cp_mode(with_cp)
        rates = stochastic_depth_rates(drop_path_rate, depth)
        common = dict(mlp_ratio=mlp_ratio, qkv_bias=qkv_bias,
                      drop=drop_rate, attn_drop=attn_drop_rate,
                      norm_eps=norm_eps, use_sdpa=use_sdpa)
        self.blocks = nn.ModuleList([
            GatedFusionBlock(dims, num_heads, drop_path=rates[i], **common)
            for i in range(depth)
        ])
        self.refine = GlobalTokenRefinement(dims)
        merge = dict(common, num_heads=num_heads)
        merge.pop('norm_eps')
        self.video_merge = _StageMerge(dims, norm_eps=norm_eps, **merge)
        self.audio_merge = _StageMerge(dims, norm_eps=norm_eps, **merge)
        self.global_attn = Attention(dims, num_heads, context_dims=dims,
                                     qkv_bias=qkv_bias,
                                     attn_drop=attn_drop_rate,
                                     proj_drop=drop_rate, use_sdpa=use_sdpa)
        self.video_global_norm = nn.LayerNorm(dims, eps=norm_eps)
        self.audio_global_norm = nn.LayerNorm(dims, eps=norm_eps)
        self.global_ctx_norm = nn.LayerNorm(dims, eps=norm_eps)
        self.video_out_norm = nn.LayerNorm(dims, eps=norm_eps)
        self.video_out_mlp = Mlp(dims, int(dims * mlp_ratio), drop_rate)
        self.audio_out_norm = nn.LayerNorm(dims, eps=norm_eps)
        self.audio_out_mlp = Mlp(dims, int(dims * mlp_ratio), drop_rate)
        self.drop_path = _drop_path(drop_path_rate * 0.5)
        init_xavier_(self)

    def forward(self, video: torch.Tensor, audio: torch.Tensor,
                overall: Optional[torch.Tensor] = None
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        if overall is None:
            overall = torch.cat([video.mean(dim=1, keepdim=True),
                                 audio.mean(dim=1, keepdim=True)], dim=-1)
        v_stages, a_stages = [], []
        for block in self.blocks:
            video, audio = run_block(block, video, audio,
                                     with_cp=self.with_cp)
            overall = self.refine(audio, video, overall)
            v_stages.append(video)
            a_stages.append(audio)
        video = self.video_merge(torch.stack(v_stages, 2), self.drop_path)
        audio = self.audio_merge(torch.stack(a_stages, 2), self.drop_path)
        ctx = self.global_ctx_norm(overall)
        video = video + self.drop_path(
            self.global_attn(self.video_global_norm(video), ctx))
        audio = audio + self.drop_path(
            self.global_attn(self.audio_global_norm(audio), ctx))
        video = video + self.drop_path(
            self.video_out_mlp(self.video_out_norm(video)))
        audio = audio + self.drop_path(
            self.audio_out_mlp(self.audio_out_norm(audio)))
        return video, audio

    def get_layer_depth(self, param_name: str) -> Tuple[int, int]:
        """Layer ``i`` is ``i``; everything after the layers ``depth``."""
        if param_name.startswith('blocks.'):
            return int(param_name.split('.')[1]), self.depth + 1
        return self.depth, self.depth + 1
