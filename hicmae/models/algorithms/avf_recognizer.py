"""AVF-MAE++ fine-tuning model: layer-weighted global tokens into the
iterative correlation fusion."""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from hicmae.registry import MODELS
from .av_recognizer import AVRecognizer


@MODELS.register_module()
class AVFRecognizer(AVRecognizer):
    """Encoders -> fusion with layer-weighted global tokens -> head.

    Every encoder returns its per-layer tokens (region tokens for the
    local-global encoders), normalised, ``(B, N, L, C)``. The fusion takes
    the last layer's tokens of both modalities and, as starting global
    tokens, ``cat[Σ_l softmax(w_v)_l video_l, Σ_l softmax(w_a)_l audio_l]``
    ``(B, N, 2C)`` (so both modalities must give the same token count);
    the head sees the fusion outputs averaged over tokens.

    Arguments as for :class:`AVRecognizer`; both encoders and the fusion
    (an :class:`~hicmae.models.fusion.IterativeCorrelationFusion`) are
    required; the default head is :class:`FusedTokenClsHead`.
    """

    def __init__(self, video_encoder: dict, audio_encoder: dict,
                 fusion: dict, head: dict, **kwargs) -> None:
        if not (video_encoder and audio_encoder and fusion):
            raise ValueError('AVFRecognizer needs both encoders and a fusion')
        super().__init__(video_encoder, audio_encoder, fusion, head,
                         **kwargs)
        v_depth = self.video_encoder.depth
        a_depth = self.audio_encoder.depth
        self.video_layer_weights = nn.Parameter(torch.ones(v_depth) /
                                                v_depth)
        self.audio_layer_weights = nn.Parameter(torch.ones(a_depth) /
                                                a_depth)

    def extract_feat(self, inputs: dict) -> Dict[str, torch.Tensor]:
        layers = {}
        for name in ('video', 'audio'):
            if inputs.get(name) is None:
                raise ValueError(f'AVFRecognizer needs {name} in the batch')
            layers[name] = self._layers(getattr(self, f'{name}_encoder'),
                                        inputs[name])
        v, a = layers['video'], layers['audio']
        if v.shape[1] != a.shape[1]:
            raise ValueError(
                f'the video encoder gives {v.shape[1]} tokens per layer and '
                f'the audio encoder {a.shape[1]}; the layer-weighted global '
                'tokens need equal counts (choose region sizes giving as '
                'many video as audio regions)')
        overall = torch.cat([
            torch.einsum('bnlc,l->bnc', v,
                         F.softmax(self.video_layer_weights, dim=0)),
            torch.einsum('bnlc,l->bnc', a,
                         F.softmax(self.audio_layer_weights, dim=0))
        ], dim=-1)
        fused_v, fused_a = self.fusion(v[:, :, -1], a[:, :, -1], overall)
        return dict(video_layers=v.mean(dim=1), audio_layers=a.mean(dim=1),
                    fused_video=fused_v.mean(dim=1),
                    fused_audio=fused_a.mean(dim=1))
