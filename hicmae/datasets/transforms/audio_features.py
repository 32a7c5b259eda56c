"""Kaldi filterbanks and their normalisation."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform

from hicmae.registry import TRANSFORMS
from ..errors import BadSampleError


@TRANSFORMS.register_module()
class KaldiFbank(BaseTransform):
    """Kaldi-compatible log-mel filterbank, cut or zero-padded in time.

    The waveform's mean is removed first; then
    ``torchaudio.compliance.kaldi.fbank`` with a Hanning window, 10 ms
    shift, HTK-compatible output, no energy, no dither.

    Required keys: ``waveform``, ``sample_rate``. Added keys: ``fbank``
    (float32 ``(target_length, num_mel_bins)``). Removed: ``waveform``.

    Args:
        num_mel_bins: mel bands.
        target_length: frames kept (256 = 2.56 s).
    """

    modality = 'audio'  # dropped when the model has no audio

    def __init__(self, num_mel_bins: int = 128,
                 target_length: int = 256) -> None:
        self.num_mel_bins = num_mel_bins
        self.target_length = target_length

    def transform(self, results: dict) -> dict:
        from torchaudio.compliance.kaldi import fbank
        wave = torch.as_tensor(results.pop('waveform'), dtype=torch.float32)
        wave = (wave - wave.mean()).reshape(1, -1)
        sr = results['sample_rate']
        if wave.shape[1] < int(0.025 * sr):
            raise BadSampleError(results.get('audio_filename', '?'),
                                 f'{wave.shape[1]} samples, shorter than one '
                                 '25 ms analysis window')
        feats = fbank(wave, htk_compat=True, sample_frequency=sr,
                      use_energy=False, window_type='hanning',
                      num_mel_bins=self.num_mel_bins, dither=0.0,
                      frame_shift=10)
        pad = self.target_length - feats.shape[0]
        if pad > 0:
            feats = torch.nn.functional.pad(feats, (0, 0, 0, pad))
        else:
            feats = feats[:self.target_length]
        results['fbank'] = feats.numpy()
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_mel_bins={self.num_mel_bins}, '
                f'target_length={self.target_length})')


@TRANSFORMS.register_module()
class NormalizeFbank(BaseTransform):
    """``(fbank - mean) / (2 * std)`` with AudioSet-style statistics.

    Required keys: ``fbank``. Modified: ``fbank``.
    """

    modality = 'audio'  # dropped when the model has no audio

    def __init__(self, mean: float = -4.2677393,
                 std: float = 4.5689974) -> None:
        self.mean = mean
        self.std = std

    def transform(self, results: dict) -> dict:
        results['fbank'] = ((results['fbank'] - self.mean) /
                            (self.std * 2)).astype(np.float32)
        return results
