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
        """Set the token masks; their hidden-token counts go into the meta
        information (``video_num_hidden``, ``audio_num_hidden``), counted
        here on the host, so the model needs no device sync to know them.
        """
        for key, mask in (('video', video_mask), ('audio', audio_mask)):
            if mask is None:
                continue
            mask = _to_tensor(mask).bool().reshape(-1)
            self.set_field(mask, f'{key}_mask', dtype=torch.Tensor)
            self.set_metainfo({f'{key}_num_hidden': int(mask.sum())})
        return self
