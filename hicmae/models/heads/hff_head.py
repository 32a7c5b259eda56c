"""Hierarchical feature fusion heads for classification and regression."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from hicmae.registry import MODELS


@MODELS.register_module()
class HFFClsHead(BaseModule):
    """Hierarchical feature fusion, then a linear classifier.

    Per modality, the token-averaged (normalised) outputs of every encoder
    layer are summed with softmax weights over layers (one learned weight
    per layer, starting equal). The feature is
    ``concat[video_hff, audio_hff, fused_video, fused_audio]`` (only the
    parts that exist: audio-only or video-only models have one, models
    without fusion no fused parts), then LayerNorm and a Linear layer.

    Args:
        num_classes: classes.
        video_dims / audio_dims: encoder widths (0 = modality absent).
        video_layers / audio_layers: encoder depths.
        with_fusion: whether fused streams are part of the feature.
        label_smoothing: of the cross-entropy.
        norm_eps: LayerNorm epsilon.
    """

    # read through hicmae.models.heads.head_is_regression
    is_regression = False

    def __init__(self, num_classes: int, video_dims: int = 0,
                 audio_dims: int = 0, video_layers: int = 0,
                 audio_layers: int = 0, with_fusion: bool = True,
                 label_smoothing: float = 0., norm_eps: float = 1e-6,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not (video_dims or audio_dims):
            raise ValueError('the head needs at least one modality')
        self.with_fusion = with_fusion and bool(video_dims and audio_dims)
        if video_dims:
            self.video_layer_weights = nn.Parameter(
                torch.ones(video_layers) / video_layers)
        if audio_dims:
            self.audio_layer_weights = nn.Parameter(
                torch.ones(audio_layers) / audio_layers)
        dims = (video_dims + audio_dims) * (2 if self.with_fusion else 1)
        self.feature_dims = dims
        self.norm = nn.LayerNorm(dims, eps=norm_eps)
        # nn.Linear's own init (kaiming-uniform weight and bias, bound
        # 1/sqrt(dims)), as the authors: their _init_weights never reaches it
        self.fc = nn.Linear(dims, num_classes)
        self.num_classes = num_classes
        self.label_smoothing = label_smoothing

    def feature(self, feats: Dict[str, torch.Tensor]) -> torch.Tensor:
        """The normalised fused feature from the recognizer's features.

        ``feats`` holds ``video_layers`` / ``audio_layers`` (``(B, L, C)``
        token-averaged normalised layer outputs) and, with fusion,
        ``fused_video`` / ``fused_audio`` (``(B, C)``).
        """
        parts = []
        for key, weights in (('video_layers', 'video_layer_weights'),
                             ('audio_layers', 'audio_layer_weights')):
            if key in feats:
                w = F.softmax(getattr(self, weights), dim=0)
                parts.append((feats[key] * w.view(1, -1, 1)).sum(dim=1))
        if self.with_fusion:
            parts += [feats['fused_video'], feats['fused_audio']]
        return self.norm(torch.cat(parts, dim=-1))

    def forward(self, feats: Dict[str, torch.Tensor]) -> torch.Tensor:
        return self.fc(self.feature(feats))

    def loss(self, logits: torch.Tensor, target: torch.Tensor
             ) -> Dict[str, torch.Tensor]:
        """Cross-entropy to hard labels ``(B,)`` or soft targets ``(B, K)``
        (mixup / cutmix)."""
        if target.dim() == 2:
            loss = torch.sum(-target * F.log_softmax(logits.float(), dim=-1),
                             dim=-1).mean()
        else:
            loss = F.cross_entropy(logits.float(), target,
                                   label_smoothing=self.label_smoothing)
        with torch.no_grad():
            hard = target.argmax(dim=-1) if target.dim() == 2 else target
            acc = (logits.argmax(dim=-1) == hard).float().mean()
        return dict(loss_cls=loss, acc_cls=acc)

    def predict(self, logits: torch.Tensor) -> torch.Tensor:
        return F.softmax(logits.float(), dim=-1)


@MODELS.register_module()
class HFFRegHead(HFFClsHead):
    """Hierarchical feature fusion, then a linear regressor.

    Args:
        num_targets: regression outputs (e.g. 2 for arousal and valence).
        activation: ``None``, ``'sigmoid'``, ``'tanh'`` or ``'relu'`` after
            the linear layer.
        loss_type: ``'ccc'`` (1 - concordance correlation per target,
            averaged) or ``'mse'``.
        Remaining arguments: see :class:`HFFClsHead`.
    """

    ACTIVATIONS = dict(sigmoid=torch.sigmoid, tanh=torch.tanh,
                       relu=torch.relu)
    is_regression = True

    def __init__(self, num_targets: int, activation: Optional[str] = None,
                 loss_type: str = 'ccc', **kwargs) -> None:
        super().__init__(num_classes=num_targets, **kwargs)
        self.num_targets = num_targets
        if activation is not None and activation not in self.ACTIVATIONS:
            raise ValueError(f'activation must be one of '
                             f'{sorted(self.ACTIVATIONS)} or None')
        if loss_type not in ('ccc', 'mse'):
            raise ValueError("loss_type must be 'ccc' or 'mse'")
        self.activation = activation
        self.loss_type = loss_type

    def forward(self, feats: Dict[str, torch.Tensor]) -> torch.Tensor:
        out = self.fc(self.feature(feats))
        if self.activation is not None:
            out = self.ACTIVATIONS[self.activation](out)
        return out

    def loss(self, pred: torch.Tensor, target: torch.Tensor
             ) -> Dict[str, torch.Tensor]:
        pred, target = pred.float(), target.float()
        if self.loss_type == 'mse':
            return dict(loss_reg=F.mse_loss(pred, target))
        return dict(loss_reg=(1 - concordance(pred, target)).mean())

    def predict(self, pred: torch.Tensor) -> torch.Tensor:
        return pred.float()


def concordance(pred: torch.Tensor, target: torch.Tensor,
                eps: float = 1e-8) -> torch.Tensor:
    """Lin's concordance correlation coefficient per column of ``(N, K)``."""
    pm, tm = pred.mean(dim=0), target.mean(dim=0)
    pv, tv = pred.var(dim=0, unbiased=False), target.var(dim=0,
                                                          unbiased=False)
    cov = ((pred - pm) * (target - tm)).mean(dim=0)
    return 2 * cov / (pv + tv + (pm - tm)**2 + eps)
