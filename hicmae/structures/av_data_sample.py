"""Per-sample annotations and predictions of audio-visual data."""
from typing import Sequence, Union

import numpy as np
import torch
from mmengine.structures import BaseDataElement


def _to_tensor(value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    return torch.as_tensor(value)


class AVDataSample(BaseDataElement):
    """Data sample of one audio-visual clip.

    Fields (all optional):
        gt_label: int class index (classification).
        gt_value: float tensor of regression targets (e.g. arousal, valence).
        video_mask / audio_mask: bool ``(N,)`` token masks, ``True`` = hidden.
        pred_score: class probabilities; pred_label: argmax;
        pred_value: regression outputs.
    """

    def set_gt_label(self, label: Union[int, torch.Tensor]) -> 'AVDataSample':
        self.set_field(_to_tensor(label).long().reshape(-1), 'gt_label',
                       dtype=torch.Tensor)
        return self

    def set_gt_value(self, value: Union[Sequence[float], torch.Tensor]
                     ) -> 'AVDataSample':
        self.set_field(_to_tensor(value).float().reshape(-1), 'gt_value',
                       dtype=torch.Tensor)
        return self

    def set_masks(self, video_mask=None, audio_mask=None) -> 'AVDataSample':
        if video_mask is not None:
            self.set_field(_to_tensor(video_mask).bool().reshape(-1),
                           'video_mask', dtype=torch.Tensor)
        if audio_mask is not None:
            self.set_field(_to_tensor(audio_mask).bool().reshape(-1),
                           'audio_mask', dtype=torch.Tensor)
        return self
