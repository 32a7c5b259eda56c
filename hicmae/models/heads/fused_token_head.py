"""Classifier on the token-averaged fusion outputs (AVF-MAE++'s head)."""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import nn

from hicmae.registry import MODELS
from .hff_head import HFFClsHead


@MODELS.register_module()
class FusedTokenClsHead(HFFClsHead):
    """``Linear(LN(cat[mean fused video, mean fused audio]))``.

    Unlike :class:`HFFClsHead` the encoder layers enter only through the
    fusion's global tokens (see :class:`~hicmae.models.algorithms.
    AVFRecognizer`), not through the feature.

    Args:
        num_classes: classes.
        video_dims / audio_dims: fusion output widths.
        label_smoothing: of the cross-entropy.
        norm_eps: LayerNorm epsilon.
        unused: the recognizer's layer counts (not needed here).
    """

    def __init__(self, num_classes: int, video_dims: int, audio_dims: int,
                 label_smoothing: float = 0., norm_eps: float = 1e-6,
                 init_cfg: Optional[dict] = None, **unused) -> None:
        BaseModule.__init__(self, init_cfg=init_cfg)
        if not (video_dims and audio_dims):
            raise ValueError('FusedTokenClsHead needs both modalities')
        self.with_fusion = True
        self.feature_dims = video_dims + audio_dims
        self.norm = nn.LayerNorm(self.feature_dims, eps=norm_eps)
        self.fc = nn.Linear(self.feature_dims, num_classes)
        self.num_classes = num_classes
        self.label_smoothing = label_smoothing

    def feature(self, feats: Dict[str, torch.Tensor]) -> torch.Tensor:
        return self.norm(torch.cat([feats['fused_video'],
                                    feats['fused_audio']], dim=-1))
