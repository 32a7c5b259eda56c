"""Move an audio-visual batch to the device and normalise the video there."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from hicmae.registry import MODELS


@MODELS.register_module()
class AVDataPreprocessor(BaseDataPreprocessor):
    """Collated ``{video, audio}`` batch → normalised float tensors.

    Video arrives as uint8 ``(B, 3, T, H, W)`` (4× less host-to-device
    traffic than float) and becomes ``(x - mean) / std`` on the device;
    audio ``(B, 1, time, mel)`` is already normalised by the pipeline and is
    only moved and cast.

    Args:
        mean: per-channel video mean, in the input's units (0-255).
        std: per-channel video std, in the input's units.
        batch_augments: config of a callable ``(inputs, data_samples) ->
            (inputs, data_samples)`` (e.g. :class:`AVMixup`) applied after
            normalisation, in training only.
        modalities: the inputs the model reads; others are dropped before
            they are moved to the device (an audio-only model never uploads
            video, and mixup sees only what the model sees). A model with
            one encoder sets it (:class:`AVRecognizer`).
    """

    def __init__(self, mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 non_blocking: bool = True,
                 batch_augments: Optional[dict] = None,
                 modalities: Sequence[str] = ('video', 'audio')) -> None:
        super().__init__(non_blocking=non_blocking)
        self.modalities = tuple(modalities)
        self.register_buffer('mean', torch.tensor(mean).view(1, -1, 1, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std).view(1, -1, 1, 1, 1),
                             persistent=False)
        self.batch_augments = MODELS.build(batch_augments) \
            if batch_augments is not None else None

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        if not isinstance(inputs, dict):
            raise TypeError('AVDataPreprocessor expects inputs as a dict with '
                            f"'video' and/or 'audio', got {type(inputs)}")
        data = dict(data, inputs={k: v for k, v in inputs.items()
                                  if k in self.modalities})
        data = self.cast_data(data)
        inputs = data['inputs']
        out = {}
        if inputs.get('video') is not None:
            video = inputs['video']
            if isinstance(video, (list, tuple)):
                video = torch.stack(video)
            out['video'] = (video.float() - self.mean) / self.std
        if inputs.get('audio') is not None:
            audio = inputs['audio']
            if isinstance(audio, (list, tuple)):
                audio = torch.stack(audio)
            out['audio'] = audio.float()
        data_samples = data.get('data_samples')
        if training and self.batch_augments is not None and data_samples:
            out, data_samples = self.batch_augments(out, data_samples)
        return dict(inputs=out, data_samples=data_samples)
