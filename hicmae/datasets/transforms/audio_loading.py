"""Load a waveform (wav or any container's audio track) and cut its span."""
import io
import os.path as osp

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio

from hicmae.registry import TRANSFORMS
from ..errors import BadSampleError
from .fallbacks import note_fallback
from .video_loading import _first_line, read_bytes


def read_wav(path: str) -> tuple:
    """``(float32 mono waveform in [-1, 1], sample rate)`` of a wav file."""
    from scipy.io import wavfile
    try:
        sr, data = wavfile.read(io.BytesIO(read_bytes(path)))
    except BadSampleError:
        raise
    except Exception as err:
        raise BadSampleError(path, 'cannot decode wav '
                             f'({_first_line(err)})') from None
    if data.dtype == np.int16:
        wave = data.astype(np.float32) / 32768.
    elif data.dtype == np.int32:
        wave = data.astype(np.float32) / 2147483648.
    elif data.dtype == np.uint8:
        wave = (data.astype(np.float32) - 128.) / 128.
    else:
        wave = data.astype(np.float32)
    if wave.ndim == 2:
        wave = wave.mean(axis=1)
    return wave, int(sr)


def read_track(path: str, sample_rate: int) -> np.ndarray:
    """A container's audio track, resampled to mono ``sample_rate``."""
    import decord
    try:
        reader = decord.AudioReader(io.BytesIO(read_bytes(path)),
                                    sample_rate=sample_rate, mono=True)
        wave = reader[:].asnumpy()
    except BadSampleError:
        raise
    except Exception as err:
        raise BadSampleError(path, 'no decodable audio track '
                             f'({_first_line(err)})') from None
    return wave.reshape(-1).astype(np.float32)


@TRANSFORMS.register_module()
class LoadAudio(BaseTransform):
    """Load the waveform of ``audio_filename`` (or of the video itself).

    A ``.wav`` is read directly and must already be at ``sample_rate`` (as
    the authors' lists are), unless ``resample_wav=True``; any other file is
    decoded with decord, which resamples its track to ``sample_rate`` mono.
    Without ``audio_filename`` the video's sibling ``.wav`` is used if it
    exists, else the video's own track.

    Required keys: ``audio_filename`` or ``filename``. Added keys:
    ``waveform`` (float32 ``(N,)``), ``sample_rate``, ``audio_filename``.

    Args:
        sample_rate: target rate in Hz.
        resample_wav: resample wav files at another rate instead of
            rejecting them.
        min_samples: shorter waveforms are bad samples.
        min_peak: waveforms whose peak absolute amplitude is below this are
            silent; 0 accepts silence.
        on_silent: ``'raise'``: a silent waveform is a bad sample (skipped
            in training); ``'keep'``: it is used (its fbank is the constant
            log floor, as in the authors' loader) and noted in
            ``results['fallbacks']`` (validation and test: every clip the
            authors score is scored).
    """

    modality = 'audio'  # dropped when the model has no audio

    def __init__(self, sample_rate: int = 16000, resample_wav: bool = False,
                 min_samples: int = 1024, min_peak: float = 1e-4,
                 on_silent: str = 'raise') -> None:
        if on_silent not in ('raise', 'keep'):
            raise ValueError("on_silent must be 'raise' or 'keep', got "
                             f'{on_silent!r}')
        self.sample_rate = sample_rate
        self.resample_wav = resample_wav
        self.min_samples = min_samples
        self.min_peak = min_peak
        self.on_silent = on_silent

    def _source(self, results: dict) -> str:
        if results.get('audio_filename'):
            return results['audio_filename']
        video = results['filename']
        sibling = osp.splitext(video)[0] + '.wav'
        return sibling if fileio.exists(sibling) else video

    def transform(self, results: dict) -> dict:
        path = self._source(results)
        if path.lower().endswith('.wav'):
            wave, sr = read_wav(path)
            if sr != self.sample_rate:
                if not self.resample_wav:
                    raise BadSampleError(
                        path, f'sample rate {sr} Hz, expected '
                        f'{self.sample_rate} Hz (resample the file, or set '
                        'LoadAudio(resample_wav=True))')
                wave = _resample(wave, sr, self.sample_rate)
        else:
            wave = read_track(path, self.sample_rate)
        if len(wave) <= self.min_samples:
            raise BadSampleError(path, f'audio of {len(wave)} samples, '
                                 f'needs more than {self.min_samples}')
        peak = float(np.abs(wave).max())
        if not np.isfinite(peak):
            raise BadSampleError(path, 'audio holds NaN or infinite values')
        if peak < self.min_peak:
            reason = (f'silent audio (peak amplitude {peak:.2g} < '
                      f'{self.min_peak:g})')
            if self.on_silent == 'raise':
                raise BadSampleError(path, reason)
            note_fallback(results, reason + ', scored as silence')
        results['waveform'] = wave
        results['sample_rate'] = self.sample_rate
        results['audio_filename'] = path
        return results


def _resample(wave: np.ndarray, src: int, dst: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly
    g = gcd(src, dst)
    return resample_poly(wave, dst // g, src // g).astype(np.float32)


@TRANSFORMS.register_module()
class CropAudioSpan(BaseTransform):
    """Keep the part of the waveform that the sampled frames cover.

    The relative span ``(start, end)`` from :class:`SampleClip` is mapped
    proportionally onto the waveform. A span of at most ``min_samples``
    samples falls back to the whole waveform when that is shorter than
    ``fallback_seconds``; otherwise the sample is bad (the video and audio
    lengths disagree).

    Required keys: ``waveform``, ``audio_span``. Modified: ``waveform``.

    Args:
        min_samples: shortest usable span.
        fallback_seconds: longest waveform used whole (2.56 s = 256 fbank
            frames).
    """

    modality = 'audio'  # dropped when the model has no audio

    def __init__(self, min_samples: int = 1024,
                 fallback_seconds: float = 2.56) -> None:
        self.min_samples = min_samples
        self.fallback_seconds = fallback_seconds

    def transform(self, results: dict) -> dict:
        wave = results['waveform']
        start, end = results['audio_span']
        i, j = int(start * len(wave)), int(end * len(wave))
        if j - i > self.min_samples:
            results['waveform'] = wave[i:j]
            return results
        limit = self.fallback_seconds * results['sample_rate']
        if len(wave) >= limit:
            raise BadSampleError(
                results.get('audio_filename', '?'),
                f'audio span of {j - i} samples for frames covering '
                f'{start:.3f}-{end:.3f} of the video is too short')
        return results
