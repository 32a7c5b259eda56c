"""Open videos (decord) or frame folders, sample clip indices, decode
frames."""
import io
import os.path as osp
from typing import List, Sequence

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio

from hicmae.registry import TRANSFORMS
from ..errors import BadSampleError, clean_reason
from .fallbacks import note_fallback

FRAME_EXTENSIONS = ('.jpg', '.jpeg', '.png')


def read_bytes(path: str) -> bytes:
    """Read a whole file through MMEngine's fileio (local or remote)."""
    try:
        data = fileio.get(path)
    except FileNotFoundError:
        raise BadSampleError(path, 'file not found') from None
    except (IsADirectoryError, PermissionError, OSError) as err:
        raise BadSampleError(path, f'cannot read ({err})') from None
    if not data:
        raise BadSampleError(path, 'empty file (0 bytes)')
    return data


class FrameFolderReader:
    """Sorted image files of one folder, read on demand (RGB uint8)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        try:
            names = [n for n in fileio.list_dir_or_file(folder,
                                                        list_dir=False)
                     if n.lower().endswith(FRAME_EXTENSIONS)]
        except (FileNotFoundError, NotADirectoryError):
            raise BadSampleError(folder, 'frame folder not found') from None
        if not names:
            raise BadSampleError(folder, 'frame folder holds no .jpg or '
                                 '.png images')
        self.frames = sorted(names)

    def __len__(self) -> int:
        return len(self.frames)

    def get_batch(self, indices: Sequence[int]) -> List[np.ndarray]:
        cache = {}
        out = []
        for i in indices:
            if i not in cache:
                path = fileio.join_path(self.folder, self.frames[i])
                img = _decode_image(read_bytes(path))
                if img is None:
                    raise BadSampleError(path, 'cannot decode image')
                cache[i] = img
            out.append(cache[i])
        return out


def _decode_image(data: bytes):
    """RGB image of ``data``, or ``None`` when it does not decode (mmcv's
    cv2 backend raises on the colour conversion of an undecodable JPEG
    instead of returning ``None``)."""
    import cv2
    try:
        return mmcv.imfrombytes(data, channel_order='rgb')
    except (cv2.error, ValueError, OSError):
        return None


class DecordVideoReader:
    """A decord reader over a video's bytes (so remote files work too)."""

    def __init__(self, path: str) -> None:
        import decord
        self.path = path
        try:
            self.reader = decord.VideoReader(io.BytesIO(read_bytes(path)),
                                             num_threads=1)
        except BadSampleError:
            raise
        except Exception as err:  # decord raises its own DECORDError
            raise BadSampleError(path, 'cannot decode video '
                                 f'({_first_line(err)})') from None

    def __len__(self) -> int:
        return len(self.reader)

    def get_batch(self, indices: Sequence[int]) -> List[np.ndarray]:
        try:
            frames = self.reader.get_batch(list(indices)).asnumpy()
        except Exception as err:
            raise BadSampleError(self.path, 'cannot decode frames '
                                 f'{list(indices)[:3]}... '
                                 f'({_first_line(err)})') from None
        return list(frames)


def _first_line(err: Exception) -> str:
    # decord's messages start with its build path and a timestamp
    text = str(err).strip().splitlines()
    return clean_reason(text[0])[:200] if text else type(err).__name__


@TRANSFORMS.register_module()
class OpenVideo(BaseTransform):
    """Open ``filename`` as a video file (decord) or a frame folder.

    Required keys: ``filename``. Added keys: ``video_reader``,
    ``total_frames``.
    """

    def transform(self, results: dict) -> dict:
        path = results['filename']
        # a local file without extension is a video all the same
        if fileio.isdir(path) or (osp.splitext(path)[1] == ''
                                  and not osp.isfile(path)):
            reader = FrameFolderReader(path)
        else:
            reader = DecordVideoReader(path)
        results['video_reader'] = reader
        results['total_frames'] = len(reader)
        return results


@TRANSFORMS.register_module()
class SampleClip(BaseTransform):
    """Choose the frame indices of one clip and the audio span they cover.

    Training (``test_mode=False``), ``train_sampling='linspace'`` (the
    authors' fine-tuning sampler): a video of ``n <= L = clip_len *
    frame_interval`` frames takes ``n // frame_interval`` evenly spaced
    indices padded with the last frame; a longer one ends at a random frame
    in ``[L, n)`` and takes ``clip_len`` evenly spaced indices over the ``L``
    frames before it. The audio span runs from the first index to
    ``min(first + L, n - 1)``.

    ``train_sampling='stride'`` (the authors' pre-training sampler): a
    random start in ``[0, n - L]`` (0 for shorter videos) and exactly
    ``start + frame_interval * i``; on short videos the index stops at the
    last such frame below ``n - 1`` and repeats. The audio span runs from
    the first index to ``min(last + frame_interval, n - 1)``.

    Test (``test_mode=True``): every ``frame_interval``-th frame (padded
    with the last to ``clip_len``), cut into ``num_segments`` evenly spaced
    windows; the window is ``results['temporal_view']`` (default 0). The
    audio span runs from the window's first frame to its last frame plus
    ``frame_interval``.

    A test-mode video shorter than ``min_frames`` is still scored, padded
    with its last frame as the authors' loader does, and noted in
    ``results['fallbacks']``; in training it is a bad sample.

    Spans are relative positions ``index / (n - 1)`` in ``[0, 1]``, which
    maps onto a waveform of any length.

    Required keys: ``total_frames``. Added keys: ``frame_inds``,
    ``audio_span`` (relative start, end), ``clip_len``, ``frame_interval``.

    Args:
        clip_len: frames per clip.
        frame_interval: stride between sampled frames.
        num_segments: temporal views in test mode.
        test_mode: deterministic test sampling.
        min_frames: shorter videos are bad samples in training (too short
            to be a clip) and padded fallbacks in test mode.
        train_sampling: ``'linspace'`` or ``'stride'`` (see above).
    """

    def __init__(self, clip_len: int = 16, frame_interval: int = 4,
                 num_segments: int = 1, test_mode: bool = False,
                 min_frames: int = 8,
                 train_sampling: str = 'linspace') -> None:
        if train_sampling not in ('linspace', 'stride'):
            raise ValueError("train_sampling must be 'linspace' or "
                             f"'stride', got {train_sampling!r}")
        self.clip_len = clip_len
        self.frame_interval = frame_interval
        self.num_segments = num_segments
        self.test_mode = test_mode
        self.min_frames = min_frames
        self.train_sampling = train_sampling

    def _stride_indices(self, n: int):
        span = self.clip_len * self.frame_interval
        start = np.random.randint(0, n - span + 1) if n >= span else 0
        index = start + self.frame_interval * np.arange(self.clip_len)
        # the authors stop advancing once the next frame would reach n - 1
        steps = max((n - 2 - start) // self.frame_interval, 0)
        index = np.minimum(index, start + self.frame_interval * steps)
        index = index.astype(np.int64)
        return index, index[0], min(index[-1] + self.frame_interval, n - 1)

    def _train_indices(self, n: int):
        if self.train_sampling == 'stride':
            return self._stride_indices(n)
        span = self.clip_len * self.frame_interval
        if n <= span:
            index = np.linspace(0, n, num=n // self.frame_interval)
            pad = np.full(self.clip_len - len(index), n)
            index = np.clip(np.concatenate([index, pad]), 0, n - 1)
        else:
            end = np.random.randint(span, n)
            index = np.linspace(end - span, end, num=self.clip_len)
            index = np.clip(index, end - span, end - 1)
        index = index.astype(np.int64)
        return index, index[0], min(index[0] + span, n - 1)

    def _test_indices(self, n: int, view: int):
        all_index = list(range(0, n, self.frame_interval))
        all_index += [all_index[-1]] * (self.clip_len - len(all_index))
        if self.num_segments > 1:
            step = max((len(all_index) - self.clip_len) /
                       (self.num_segments - 1), 0)
        else:
            step = 0
        start = int(view * step)
        index = np.asarray(all_index[start:start + self.clip_len])
        last = all_index[min(start + self.clip_len - 1, len(all_index) - 1)]
        return index, all_index[start], min(last + self.frame_interval,
                                            n - 1)

    def transform(self, results: dict) -> dict:
        n = results['total_frames']
        if n < self.min_frames:
            if not self.test_mode or n < 1:
                raise BadSampleError(
                    results.get('filename', '?'), f'only {n} frames, fewer '
                    f'than min_frames={self.min_frames}')
            note_fallback(results, f'only {n} frames (< {self.min_frames}), '
                          'padded with the last one')
        if self.test_mode:
            index, first, last = self._test_indices(
                n, results.get('temporal_view', 0))
        else:
            index, first, last = self._train_indices(n)
        denom = max(n - 1, 1)
        results['frame_inds'] = index
        results['audio_span'] = (first / denom, last / denom)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = self.frame_interval
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(clip_len={self.clip_len}, '
                f'frame_interval={self.frame_interval}, '
                f'num_segments={self.num_segments}, '
                f'test_mode={self.test_mode}, '
                f'train_sampling={self.train_sampling!r})')


@TRANSFORMS.register_module()
class DecodeFrames(BaseTransform):
    """Decode the sampled frames (only those) into RGB uint8 images.

    Required keys: ``video_reader``, ``frame_inds``. Added keys: ``imgs``
    (list of ``(H, W, 3)``), ``img_shape``, ``original_shape``. Removed:
    ``video_reader``.
    """

    modality = 'video'  # dropped when the model has no video

    def transform(self, results: dict) -> dict:
        reader = results.pop('video_reader')
        imgs = reader.get_batch(results['frame_inds'])
        shapes = {img.shape for img in imgs}
        if len(shapes) != 1:
            raise BadSampleError(results.get('filename', '?'),
                                 f'frames of different sizes {shapes}')
        results['imgs'] = imgs
        results['img_shape'] = imgs[0].shape[:2]
        results['original_shape'] = imgs[0].shape[:2]
        return results
