"""Generated audio-visual tensors for smoke runs and throughput benchmarks."""
from typing import Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from hicmae.registry import DATASETS


@DATASETS.register_module()
class SyntheticTensorDataset(BaseDataset):
    """Clips and filterbanks made in memory, like timm's synthetic mode.

    Each item holds ``imgs`` (uint8 ``(T, H, W, 3)``), ``fbank`` (float32
    ``(time, mel)``) and ``gt_label``, then runs the pipeline (which
    packs them). Items are a pure function of ``(seed, index)``, so every
    epoch, worker and rank sees the same data.

    ``pattern='random'`` draws uniform noise (speed tests);
    ``pattern='fixed'`` draws a smooth moving grating in the video and a
    harmonic tone stack in the filterbank whose frequency and motion depend
    on the class, so reconstruction and cross-modal alignment are
    learnable.

    Args:
        num_samples: length of the dataset.
        num_frames: frames per clip.
        img_size: frame side.
        audio_size: ``(time frames, mel bins)``.
        num_classes: classes cycled over the items.
        pattern: ``'random'`` or ``'fixed'``.
        seed: base seed of the generator.
        pipeline: transforms applied to each item.
    """

    METAINFO = dict(classes=None)

    def __init__(self, num_samples: int = 64, num_frames: int = 16,
                 img_size: int = 160, audio_size: Sequence[int] = (256, 128),
                 num_classes: int = 4, pattern: str = 'fixed', seed: int = 0,
                 pipeline: Sequence = (),
                 metainfo: Optional[dict] = None,
                 test_mode: bool = False) -> None:
        if pattern not in ('random', 'fixed'):
            raise ValueError(f"pattern must be 'random' or 'fixed', "
                             f'got {pattern!r}')
        if num_samples < 1 or num_classes < 1:
            raise ValueError('num_samples and num_classes must be positive')
        self.num_samples = num_samples
        self.num_frames = num_frames
        self.img_size = img_size
        self.audio_size = tuple(audio_size)
        self.num_classes = num_classes
        self.pattern = pattern
        self.seed = seed
        metainfo = dict(classes=[f'class_{i}' for i in range(num_classes)],
                        **(metainfo or {}))
        super().__init__(ann_file='', metainfo=metainfo, data_root='',
                         pipeline=list(pipeline), test_mode=test_mode,
                         serialize_data=False)

    def load_data_list(self) -> list:
        return [dict(sample_idx=i, gt_label=i % self.num_classes)
                for i in range(self.num_samples)]

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        rng = np.random.default_rng([self.seed, idx])
        if self.pattern == 'random':
            info['imgs'] = rng.integers(
                0, 256, (self.num_frames, self.img_size, self.img_size, 3),
                dtype=np.uint8)
            info['fbank'] = rng.standard_normal(self.audio_size,
                                                dtype=np.float32) * 0.5
        else:
            info['imgs'], info['fbank'] = self._fixed(info['gt_label'], rng)
        return info

    def _fixed(self, label: int, rng: np.random.Generator):
        t = np.arange(self.num_frames)[:, None, None]
        y, x = np.mgrid[0:self.img_size, 0:self.img_size]
        freq = 2 * np.pi * (label + 1) / self.img_size * 2
        phase = rng.uniform(0, 2 * np.pi)
        speed = 0.3 * (label + 1)
        wave = np.sin(freq * (x + 0.5 * y)[None] + speed * t + phase)
        colour = np.array([1.0, 0.6, 0.3]) + 0.2 * rng.standard_normal(3)
        video = 127.5 + 100 * wave[..., None] * colour
        video += rng.normal(0, 5, video.shape)
        frames, mels = self.audio_size
        mel = np.arange(mels)[None]
        time = np.arange(frames)[:, None]
        base = 6 + 5 * label
        harmonics = sum(np.exp(-0.5 * ((mel - k * base) / 1.5)**2) / k
                        for k in range(1, 4))
        envelope = 0.6 + 0.4 * np.sin(2 * np.pi * time / frames * (label + 1)
                                      + phase)
        fbank = -0.5 + 1.5 * harmonics * envelope
        fbank += 0.05 * rng.standard_normal(fbank.shape)
        return (np.clip(video, 0, 255).astype(np.uint8),
                fbank.astype(np.float32))
