"""Hierarchical cross-modal contrastive learning (HCMCL)."""
from typing import Dict, Optional, Sequence

import torch
from mmengine.model import BaseModule

from hicmae.registry import MODELS


@MODELS.register_module()
class HierarchicalContrastiveHead(BaseModule):
    """InfoNCE between pooled video and audio features at several layers.

    Each level's visible tokens are mean-pooled, L2-normalised and contrasted
    with the other modality's (in-batch diagonal positives). Each level gives
    ``loss_con_l{layer}`` = ``loss_weight × InfoNCE``, so the total is the
    weighted sum over levels, and a diagnostic ``acc_con_l{layer}``: the
    fraction of video→audio retrievals that hit the true pair.

    Args:
        loss: config of the pairwise loss (an :class:`InfoNCELoss`).
        loss_weight: weight of every level's loss in the total.
    """

    def __init__(self, loss: dict = dict(type='InfoNCELoss',
                                         temperature=0.07),
                 loss_weight: float = 0.0025,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_module = MODELS.build(loss)
        self.loss_weight = loss_weight

    def logits(self, video: torch.Tensor, audio: torch.Tensor,
               video_ids: Optional[torch.Tensor] = None):
        """Pool ``(B, N, C)`` tokens and return the pair of logit matrices
        (same-video negatives masked when ``video_ids`` are given)."""
        return self.loss_module.logits(video.mean(dim=1), audio.mean(dim=1),
                                       video_ids)

    def loss(self, video_feats: Sequence[torch.Tensor],
             audio_feats: Sequence[torch.Tensor],
             layer_ids: Sequence[int],
             video_ids: Optional[torch.Tensor] = None
             ) -> Dict[str, torch.Tensor]:
        """``video_ids``: ``(B,)`` source video of each sample, so that the
        other clips of a video (repeated sampling) are no negatives."""
        losses = {}
        for v, a, layer in zip(video_feats, audio_feats, layer_ids):
            logits_v, logits_a, targets = self.logits(v, a, video_ids)
            loss = self.loss_module.from_logits(logits_v, logits_a, targets)
            losses[f'loss_con_l{layer}'] = self.loss_weight * loss
            with torch.no_grad():
                hits = (logits_v.argmax(dim=1) == targets).float().mean()
            losses[f'acc_con_l{layer}'] = hits
        return losses
