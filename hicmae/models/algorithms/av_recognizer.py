"""Audio-visual emotion recognizer for fine-tuning and evaluation."""
from typing import Dict, List, Optional, Sequence, Union

import torch

from hicmae.registry import MODELS
from hicmae.structures import AVDataSample
from ..heads import head_is_regression
from .base_av_model import BaseAVModel


@MODELS.register_module()
class AVRecognizer(BaseAVModel):
    """Encoders (no masking) → fusion → hierarchical feature fusion head.

    Either encoder may be ``None`` for an audio-only or video-only model
    (fusion is then dropped and the head shrinks). The head config is
    completed with the encoders' widths and depths.

    Args:
        video_encoder / audio_encoder: encoder configs or ``None``.
        fusion: fusion encoder config or ``None``.
        head: :class:`HFFClsHead` or :class:`HFFRegHead` config; its
            ``num_classes`` is the model's one class count (a label-mixing
            ``batch_augments`` of the data preprocessor takes it).
        data_preprocessor: batch preprocessor config.
        guard: ``on_nonfinite_loss`` / ``max_nonfinite_skips`` of
            :class:`BaseAVModel`.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` loads a
            pre-training or fine-tuning checkpoint of this package or of the
            authors (see :func:`hicmae.utils.load_pretrained`), with
            MMEngine's ``PretrainedInit`` keys: ``prefix`` (load only the
            weights under ``prefix.``, renamed without it) and
            ``map_location``. It is not handed to ``PretrainedInit`` itself
            because that loader knows neither the authors' key layout, nor
            the weights-only allow-list, nor skipping tensors of other
            shapes (a classifier for other classes), which fine-tuning needs.
    """

    def __init__(self, video_encoder: Optional[dict], audio_encoder:
                 Optional[dict], fusion: Optional[dict], head: dict,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None, **guard) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg, **guard)
        if video_encoder is None and audio_encoder is None:
            raise ValueError('AVRecognizer needs at least one encoder')
        self.video_encoder = MODELS.build(video_encoder) \
            if video_encoder else None
        self.audio_encoder = MODELS.build(audio_encoder) \
            if audio_encoder else None
        both = self.video_encoder is not None and \
            self.audio_encoder is not None
        v_dims = self.video_encoder.embed_dims if self.video_encoder else 0
        a_dims = self.audio_encoder.embed_dims if self.audio_encoder else 0
        self.fusion = MODELS.build(dict(dict(video_dims=v_dims,
                                             audio_dims=a_dims), **fusion)) \
            if fusion and both else None
        defaults = dict(
            video_dims=v_dims, audio_dims=a_dims,
            video_layers=self.video_encoder.depth if v_dims else 0,
            audio_layers=self.audio_encoder.depth if a_dims else 0,
            with_fusion=self.fusion is not None)
        self.head = MODELS.build(dict(defaults, **head))
        if hasattr(self.data_preprocessor, 'modalities'):
            # the absent modality is neither uploaded nor mixed
            self.data_preprocessor.modalities = tuple(
                name for name, dims in (('video', v_dims), ('audio', a_dims))
                if dims)
        self._bind_label_mixing()

    @property
    def is_regression(self) -> bool:
        """Whether the head regresses values (``pred_value``) rather than
        scoring classes."""
        return head_is_regression(self.head)

    def _bind_label_mixing(self) -> None:
        """Give the batch augment that mixes class labels (``AVMixup``)
        the head's class count, the one source of it."""
        augment = getattr(self.data_preprocessor, 'batch_augments', None)
        if augment is None or not hasattr(augment, 'num_classes'):
            return
        name = type(augment).__name__
        if self.is_regression:
            raise ValueError(
                f'{name} mixes class labels but model.head is a regression '
                f'head ({type(self.head).__name__}); set '
                'model.data_preprocessor.batch_augments=None')
        stated, classes = augment.num_classes, self.head.num_classes
        if stated is not None and stated != classes:
            raise ValueError(
                f'{name} num_classes={stated} but model.head.num_classes='
                f'{classes}: leave num_classes out of batch_augments, it '
                'takes the head\'s')
        augment.num_classes = classes

    def init_weights(self) -> None:
        if self.init_cfg and self.init_cfg.get('type') == 'Pretrained':
            from hicmae.utils.pretrained import load_pretrained
            load_pretrained(
                self, self.init_cfg['checkpoint'],
                prefix=self.init_cfg.get('prefix'),
                map_location=self.init_cfg.get('map_location', 'cpu'))
            return
        super().init_weights()

    @staticmethod
    def _layers(encoder, x: torch.Tensor) -> torch.Tensor:
        """``(B, N, L, C)`` every block's output after the final norm."""
        return encoder.norm(torch.stack(encoder.forward_all_layers(x), 2))

    def extract_feat(self, inputs: dict) -> Dict[str, torch.Tensor]:
        feats, last = {}, {}
        for name, encoder in (('video', self.video_encoder),
                              ('audio', self.audio_encoder)):
            if encoder is None:
                continue
            if inputs.get(name) is None:
                raise ValueError(f'the model has a {name} encoder but the '
                                 f'batch has no {name}')
            layers = self._layers(encoder, inputs[name])
            feats[f'{name}_layers'] = layers.mean(dim=1)
            last[name] = layers[:, :, -1]
        if self.fusion is not None:
            v, a = self.fusion(last['video'], last['audio'])
            feats['fused_video'] = v.mean(dim=1)
            feats['fused_audio'] = a.mean(dim=1)
        return feats

    def _targets(self, data_samples: Sequence[AVDataSample],
                 device) -> torch.Tensor:
        if all('gt_score' in s for s in data_samples):  # mixed targets
            return torch.stack([s.gt_score for s in data_samples]).to(device)
        if all('gt_value' in s for s in data_samples):
            return torch.stack([s.gt_value for s in data_samples]).to(device)
        if all('gt_label' in s for s in data_samples):
            return torch.cat([s.gt_label for s in data_samples]).to(device)
        raise ValueError('every data sample needs gt_label (classification)'
                         ' or gt_value (regression)')

    def loss(self, inputs: dict, data_samples: Sequence[AVDataSample]
             ) -> Dict[str, torch.Tensor]:
        logits = self.head(self.extract_feat(inputs))
        return self.head.loss(logits,
                              self._targets(data_samples, logits.device))

    def predict(self, inputs: dict,
                data_samples: Optional[Sequence[AVDataSample]] = None
                ) -> List[AVDataSample]:
        out = self.head.predict(self.head(self.extract_feat(inputs)))
        if data_samples is None:
            data_samples = [AVDataSample() for _ in range(out.shape[0])]
        regression = self.is_regression
        for sample, row in zip(data_samples, out):
            if regression:
                sample.set_field(row, 'pred_value')
            else:
                sample.set_field(row, 'pred_score')
                sample.set_field(row.argmax().reshape(1), 'pred_label')
        return list(data_samples)

    def forward(self, inputs: dict,
                data_samples: Optional[Sequence[AVDataSample]] = None,
                mode: str = 'tensor') -> Union[dict, list, torch.Tensor]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.head(self.extract_feat(inputs))
        raise ValueError(f'unknown mode {mode!r}; use loss, predict or '
                         'tensor')
