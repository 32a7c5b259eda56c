"""Batch mixup / cutmix of the video (and optionally the audio) with one λ
and pairing."""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from hicmae.registry import MODELS


def smooth_one_hot(labels: torch.Tensor, num_classes: int,
                   smoothing: float) -> torch.Tensor:
    """``(B, K)`` targets: ``smoothing / K`` off, ``1 - smoothing + off``
    on."""
    off = smoothing / num_classes
    on = 1. - smoothing + off
    return F.one_hot(labels, num_classes).float() * (on - off) + off


def rand_box(height: int, width: int, lam: float
             ) -> Tuple[int, int, int, int]:
    """A box of about ``1 - lam`` of the frame, centred anywhere, clipped.

    timm's ``rand_bbox``: sides ``int(size * sqrt(1 - lam))``, a uniform
    centre, the half-sides clipped to the frame; returns
    ``(y_low, y_high, x_low, x_high)``.
    """
    ratio = np.sqrt(1. - lam)
    cut_h, cut_w = int(height * ratio), int(width * ratio)
    cy, cx = np.random.randint(height), np.random.randint(width)
    y_low = int(np.clip(cy - cut_h // 2, 0, height))
    y_high = int(np.clip(cy + cut_h // 2, 0, height))
    x_low = int(np.clip(cx - cut_w // 2, 0, width))
    x_high = int(np.clip(cx + cut_w // 2, 0, width))
    return y_low, y_high, x_low, x_high


def rand_span(length: int, fraction: float) -> Tuple[int, int]:
    """A random ``[start, end)`` covering ``round(fraction * length)``."""
    size = int(round(fraction * length))
    size = min(max(size, 0), length)
    start = np.random.randint(length - size + 1)
    return start, start + size


@MODELS.register_module()
class AVMixup:
    """timm-style batch mixup / cutmix of the video, optionally the audio.

    The authors mix the video only (``mix_audio=False``, the paper
    recipes): the audio stays unmixed while the targets are mixed.
    ``mix_audio=True`` mixes both modalities with the same λ and pairing.
    A batch without video (an audio-only model: its data preprocessor
    drops the video) has its audio mixed whatever ``mix_audio`` says:
    mixed targets always come with a mixed input.
    One λ and one pairing (sample ``i`` with ``B - 1 - i``, the batch
    flipped) per batch, shared by the mixed inputs and the targets:

    - mixup: ``x = λ x + (1 - λ) x_flipped`` for video and audio.
    - cutmix: one box (timm's ``rand_bbox``) from the flipped batch pasted
      into every frame of the video; λ becomes ``1 - box area / frame area``;
      the audio gets a random time span (all mel bins) of ``1 - λ`` of its
      time axis from the flipped batch. Without video, λ follows the span.
    - targets: label-smoothed one-hot, mixed with the same λ, set as
      ``gt_score`` on every data sample (also when no mixing happens, so the
      loss sees consistent targets).

    Inputs are expected after normalisation: video ``(B, C, T, H, W)``,
    audio ``(B, 1, time, mel)``, both float. Randomness comes from NumPy's
    global generator (seeded by MMEngine's ``randomness`` setting), as in
    timm.

    Args:
        mixup_alpha: Beta(α, α) for mixup λ; 0 disables mixup.
        cutmix_alpha: Beta(α, α) for cutmix λ; 0 disables cutmix.
        prob: probability of mixing a batch at all.
        switch_prob: probability of cutmix when both are enabled.
        label_smoothing: smoothing of the one-hot targets.
        num_classes: number of classes; leave it out in configs: an
            :class:`AVRecognizer` sets it from ``model.head.num_classes``
            (and fails at build time on a different value).
        mix_audio: mix the audio too (``False``: video only, the authors'
            protocol; an audio-only batch has its audio mixed).
    """

    def __init__(self, num_classes: Optional[int] = None,
                 mixup_alpha: float = 0.8,
                 cutmix_alpha: float = 1.0, prob: float = 1.0,
                 switch_prob: float = 0.5, label_smoothing: float = 0.1,
                 mix_audio: bool = False) -> None:
        if num_classes is not None and num_classes < 1:
            raise ValueError(f'num_classes must be positive, got '
                             f'{num_classes}')
        if mixup_alpha < 0 or cutmix_alpha < 0:
            raise ValueError('mixup_alpha and cutmix_alpha must be >= 0')
        for name, value in (('prob', prob), ('switch_prob', switch_prob),
                            ('label_smoothing', label_smoothing)):
            if not 0 <= value <= 1:
                raise ValueError(f'{name} must be in [0, 1], got {value}')
        self.num_classes = num_classes
        self.mixup_alpha = mixup_alpha
        self.cutmix_alpha = cutmix_alpha
        self.prob = prob
        self.switch_prob = switch_prob
        self.label_smoothing = label_smoothing
        self.mix_audio = mix_audio

    def sample_params(self) -> Tuple[float, bool]:
        """``(λ, use_cutmix)`` for one batch; λ = 1 means no mixing."""
        enabled = self.mixup_alpha > 0 or self.cutmix_alpha > 0
        if not enabled or np.random.rand() >= self.prob:
            return 1., False
        if self.mixup_alpha > 0 and self.cutmix_alpha > 0:
            use_cutmix = bool(np.random.rand() < self.switch_prob)
        else:
            use_cutmix = self.cutmix_alpha > 0
        alpha = self.cutmix_alpha if use_cutmix else self.mixup_alpha
        return float(np.random.beta(alpha, alpha)), use_cutmix

    @staticmethod
    def _mixup(x: Optional[torch.Tensor], lam: float
               ) -> Optional[torch.Tensor]:
        if x is None:
            return None
        return x * lam + x.flip(0) * (1. - lam)

    def _cutmix(self, video: Optional[torch.Tensor],
                audio: Optional[torch.Tensor], lam: float
                ) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor],
                           float]:
        if video is not None:
            h, w = video.shape[-2:]
            y0, y1, x0, x1 = rand_box(h, w, lam)
            video = video.clone()
            # the same box in every frame and channel
            video[..., y0:y1, x0:x1] = video.flip(0)[..., y0:y1, x0:x1]
            lam = 1. - (y1 - y0) * (x1 - x0) / float(h * w)
        if audio is not None:
            length = audio.shape[2]
            t0, t1 = rand_span(length, 1. - lam)
            audio = audio.clone()
            audio[:, :, t0:t1] = audio.flip(0)[:, :, t0:t1]
            if video is None:
                lam = 1. - (t1 - t0) / float(length)
        return video, audio, lam

    def _targets(self, data_samples: Sequence, lam: float,
                 device: torch.device) -> torch.Tensor:
        if not all('gt_label' in s for s in data_samples):
            raise ValueError('AVMixup needs gt_label in every data sample '
                             '(classification only)')
        if self.num_classes is None:
            raise ValueError('AVMixup has no class count: build it inside '
                             'an AVRecognizer, which gives it '
                             'model.head.num_classes')
        # no range check here: on a GPU it would read the labels back every
        # step; label values are checked against the classes on the host
        # (dataset lists, the class count against the head's)
        labels = torch.cat([s.gt_label.reshape(-1)[:1]
                            for s in data_samples]).to(device)
        y = smooth_one_hot(labels, self.num_classes, self.label_smoothing)
        return y * lam + y.flip(0) * (1. - lam)

    def __call__(self, inputs: dict, data_samples: List
                 ) -> Tuple[dict, List]:
        video, audio = inputs.get('video'), inputs.get('audio')
        ref = video if video is not None else audio
        if ref is None:
            raise ValueError('AVMixup needs video and/or audio in inputs')
        if not self.mix_audio and video is not None:
            audio = None  # left as it is in ``out``
        lam, use_cutmix = self.sample_params()
        out = dict(inputs)
        if lam < 1.:
            if use_cutmix:
                video, audio, lam = self._cutmix(video, audio, lam)
            else:
                video, audio = self._mixup(video, lam), self._mixup(audio,
                                                                    lam)
            for key, value in (('video', video), ('audio', audio)):
                if value is not None:
                    out[key] = value
        targets = self._targets(data_samples, lam, ref.device)
        for sample, target in zip(data_samples, targets):
            sample.set_field(target, 'gt_score')
        return out, data_samples

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                f'mixup_alpha={self.mixup_alpha}, '
                f'cutmix_alpha={self.cutmix_alpha}, prob={self.prob}, '
                f'switch_prob={self.switch_prob}, '
                f'label_smoothing={self.label_smoothing}, '
                f'mix_audio={self.mix_audio})')
