"""Cross-modal fusion encoder: video and audio attend to each other."""
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from hicmae.registry import MODELS
from ..layers import (CheckpointMode, CrossSelfBlock, check_cp_mode, run_block,
                      stochastic_depth_rates)
from ..utils import init_xavier_


@MODELS.register_module()
class CrossModalFusionEncoder(BaseModule):
    """Stacked pairs of :class:`CrossSelfBlock`, one per modality.

    Layer ``i`` updates both streams from layer ``i - 1``'s outputs:
    ``video ← blk_v(video, ctx=audio)`` and ``audio ← blk_a(audio, ctx=video)``
    computed from the same inputs; a final LayerNorm per stream follows.
    ``depth=0`` leaves only the two norms (the "no fusion" ablation).

    Args:
        video_dims: width of the video tokens.
        audio_dims: width of the audio tokens.
        depth: number of layers.
        num_heads: heads of every attention.
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
        rates = stochastic_depth_rates(drop_path_rate, depth)
        common = dict(num_heads=num_heads, mlp_ratio=mlp_ratio,
                      qkv_bias=qkv_bias, drop=drop_rate,
                      attn_drop=attn_drop_rate, init_values=init_values,
                      norm_eps=norm_eps, use_sdpa=use_sdpa)
        self.depth = depth
        self.with_cp = check_cp_mode(with_cp)
        self.video_blocks = nn.ModuleList([
            CrossSelfBlock(video_dims, audio_dims, drop_path=rates[i],
                           **common) for i in range(depth)
        ])
        self.audio_blocks = nn.ModuleList([
            CrossSelfBlock(audio_dims, video_dims, drop_path=rates[i],
                           **common) for i in range(depth)
        ])
        self.video_norm = nn.LayerNorm(video_dims, eps=norm_eps)
        self.audio_norm = nn.LayerNorm(audio_dims, eps=norm_eps)
        init_xavier_(self)

    def forward(self, video: torch.Tensor, audio: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        for blk_v, blk_a in zip(self.video_blocks, self.audio_blocks):
            video, audio = (run_block(blk_v, video, audio,
                                      with_cp=self.with_cp),
                            run_block(blk_a, audio, video,
                                      with_cp=self.with_cp))
        return self.video_norm(video), self.audio_norm(audio)

    def get_layer_depth(self, param_name: str) -> Tuple[int, int]:
        """Depth id of a parameter for layer-wise lr decay.

        Layer ``i`` of either stream is ``i``, the norms ``depth``; returns
        ``(layer_id, depth + 1)``, relative to the fusion module.
        """
        if param_name.startswith(('video_blocks.', 'audio_blocks.')):
            return int(param_name.split('.')[1]), self.depth + 1
        return self.depth, self.depth + 1
