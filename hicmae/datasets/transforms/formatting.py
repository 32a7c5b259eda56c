"""Pack a transformed sample into model inputs and a data sample."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from hicmae.registry import TRANSFORMS
from hicmae.structures import AVDataSample


@TRANSFORMS.register_module()
class PackAVInputs(BaseTransform):
    """Build ``{inputs: {video, audio}, data_samples: AVDataSample}``.

    Required keys: ``imgs`` (uint8 ``(T, H, W, C)`` array or list of
    ``(H, W, C)`` frames) and/or ``fbank`` (float ``(time, mel)``).
    Optional keys: ``video_mask``, ``audio_mask``, ``gt_label``,
    ``gt_value`` and the ``meta_keys``.
    Added keys: ``inputs`` (video uint8 ``(C, T, H, W)``, audio float
    ``(1, time, mel)``) and ``data_samples``.

    Args:
        meta_keys: keys copied into the data sample's meta information.
    """

    def __init__(self, meta_keys: Sequence[str] = (
            'sample_idx', 'filename', 'audio_filename', 'video_idx',
            'temporal_view', 'spatial_view', 'fallbacks')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        inputs = {}
        if 'imgs' in results:
            imgs = results['imgs']
            if isinstance(imgs, (list, tuple)):
                imgs = np.stack(imgs)
            if imgs.ndim != 4:
                raise ValueError('imgs must be (T, H, W, C) frames, got '
                                 f'shape {imgs.shape}')
            video = torch.from_numpy(np.ascontiguousarray(imgs))
            if video.dtype != torch.uint8:
                raise TypeError(f'imgs must be uint8, got {video.dtype}')
            inputs['video'] = video.permute(3, 0, 1, 2).contiguous()
        if 'fbank' in results:
            fbank = torch.as_tensor(results['fbank'], dtype=torch.float32)
            inputs['audio'] = fbank.reshape(1, *fbank.shape[-2:])
        if not inputs:
            raise KeyError('PackAVInputs found neither imgs nor fbank')
        sample = AVDataSample()
        sample.set_masks(results.get('video_mask'), results.get('audio_mask'))
        if results.get('gt_label') is not None:
            sample.set_gt_label(results['gt_label'])
        if results.get('gt_value') is not None:
            sample.set_gt_value(results['gt_value'])
        sample.set_metainfo({k: results[k] for k in self.meta_keys
                             if k in results})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
