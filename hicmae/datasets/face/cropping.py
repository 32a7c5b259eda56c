"""Crop the face of a clip: detect, fill gaps, smooth, square, crop."""
from typing import List, NamedTuple, Optional, Sequence, Union

import cv2
import numpy as np

from ..errors import BadSampleError
from .detectors import FaceBoxes, FaceDetector, build_face_detector


class ClipCrops(NamedTuple):
    """Face crops of a clip: ``imgs`` (list of equal-size square RGB
    frames) and ``boxes`` (float32 ``(T, 4)`` crop squares ``x1, y1, x2,
    y2`` in the source frames, before clipping to the image)."""
    imgs: List[np.ndarray]
    boxes: np.ndarray


def largest_face(faces: FaceBoxes) -> Optional[np.ndarray]:
    """The box of largest area (the most confident among equal areas), or
    ``None`` when there is none."""
    if len(faces) == 0:
        return None
    order = np.lexsort((-faces.scores, -faces.areas()))
    return faces.boxes[order[0]]


def moving_median(values: np.ndarray, window: int) -> np.ndarray:
    """Median of each row's ``window`` neighbours along axis 0 (edges
    repeated), which removes single-frame outliers without lagging."""
    if window <= 1 or len(values) < 2:
        return values.copy()
    half = window // 2
    padded = np.concatenate([np.repeat(values[:1], half, 0), values,
                             np.repeat(values[-1:], half, 0)])
    windows = np.lib.stride_tricks.sliding_window_view(
        padded, 2 * half + 1, axis=0)
    return np.median(windows, axis=-1).astype(values.dtype)


def fill_nearest(known: np.ndarray, values: np.ndarray,
                 length: int) -> np.ndarray:
    """Rows for every index in ``range(length)``: the row of the nearest
    ``known`` index (sorted, non-empty); a tie takes the earlier one."""
    if len(known) == 1:
        return np.repeat(values, length, 0)
    idx = np.arange(length)
    pos = np.clip(np.searchsorted(known, idx), 1, len(known) - 1)
    before, after = known[pos - 1], known[pos]
    take_after = (after - idx) < (idx - before)
    return values[np.where(take_after, pos, pos - 1)]


def crop_square(frame: np.ndarray, x1: int, y1: int, side: int,
                pad_value: int = 0) -> np.ndarray:
    """The ``side`` x ``side`` square at ``(x1, y1)``.

    Along an axis where the square fits in the frame it is shifted inside
    (no border, the face slightly off-centre); where it does not fit, the
    part outside is padded with ``pad_value``.
    """
    h, w = frame.shape[:2]
    if side <= w:
        x1 = min(max(x1, 0), w - side)
    if side <= h:
        y1 = min(max(y1, 0), h - side)
    x2, y2 = x1 + side, y1 + side
    crop = frame[max(y1, 0):min(y2, h), max(x1, 0):min(x2, w)]
    pads = (max(0, -y1), max(0, y2 - h), max(0, -x1), max(0, x2 - w))
    if any(pads):
        crop = cv2.copyMakeBorder(crop, *pads, cv2.BORDER_CONSTANT,
                                  value=(pad_value, ) * 3)
    return crop


def resize_square(img: np.ndarray, size: int) -> np.ndarray:
    """Resize a square image to ``size`` x ``size`` (area filter when
    shrinking, bilinear when enlarging)."""
    if img.shape[0] == size and img.shape[1] == size:
        return img
    interp = cv2.INTER_AREA if img.shape[0] > size else cv2.INTER_LINEAR
    return cv2.resize(img, (size, size), interpolation=interp)


class ClipFaceCropper:
    """Crops the largest face of every frame of a clip, steadily.

    1. Detect on frames ``0, every, 2 * every, ...`` (and always the last
       one) and keep the largest face of each.
    2. Describe each face by its centre and side (the longer box side) and
       take the moving median over ``smooth`` consecutive detections, so
       the crop neither jitters nor follows a one-frame false face.
    3. Give each frame the values of the nearest frame with a detection.
    4. Enlarge the side by ``margin``; cut the square (see
       :func:`crop_square`); resize every crop to ``size``, or to the
       clip's median crop side, so all frames share one shape.

    Args:
        detector: a ``FACE_DETECTORS`` config or a detector instance;
            default: :class:`HaarFaceDetector` with its defaults.
        every: detect on every ``every``-th frame.
        margin: crop side / face box side (detector boxes are tight;
            1.25 keeps the forehead, chin and some hair in the crop).
        smooth: moving-median window, in detections (1: no smoothing).
        size: output side in pixels; ``None``: the clip's median crop side.
        pad_value: grey level of the padding where a crop leaves the frame.
    """

    def __init__(self, detector: Union[dict, FaceDetector, None] = None,
                 every: int = 1, margin: float = 1.25, smooth: int = 5,
                 size: Optional[int] = None, pad_value: int = 0) -> None:
        if every < 1:
            raise ValueError(f'every must be >= 1, got {every}')
        if margin <= 0:
            raise ValueError(f'margin must be positive, got {margin}')
        if size is not None and size < 1:
            raise ValueError(f'size must be >= 1, got {size}')
        self.detector = build_face_detector(
            dict(type='HaarFaceDetector') if detector is None else detector)
        self.every = every
        self.margin = margin
        self.smooth = smooth
        self.size = size
        self.pad_value = pad_value

    def detection_indices(self, length: int) -> np.ndarray:
        """Frames the detector runs on."""
        idx = np.arange(0, length, self.every)
        if idx[-1] != length - 1:
            idx = np.append(idx, length - 1)
        return idx

    def locate(self, frames: Sequence[np.ndarray],
               path: str = '?') -> np.ndarray:
        """Crop squares ``(T, 3)`` as ``centre x, centre y, side``.

        Raises :class:`BadSampleError` naming ``path`` when no face is
        found in any of the frames searched.
        """
        if len(frames) == 0:
            raise BadSampleError(path, 'no frames to find a face in')
        tried = self.detection_indices(len(frames))
        found, params = [], []
        for i in tried:
            box = largest_face(self.detector(frames[i]))
            if box is None:
                continue
            x1, y1, x2, y2 = (float(v) for v in box)
            found.append(i)
            params.append(((x1 + x2) / 2, (y1 + y2) / 2,
                           max(x2 - x1, y2 - y1)))
        if not found:
            raise BadSampleError(path, f'no face found in {len(tried)} '
                                 'sampled frames')
        params = moving_median(np.asarray(params, np.float64), self.smooth)
        squares = fill_nearest(np.asarray(found), params, len(frames))
        squares[:, 2] *= self.margin
        return squares

    def crop(self, frames: Sequence[np.ndarray],
             squares: np.ndarray) -> ClipCrops:
        """Cut ``squares`` (from :meth:`locate`) out of ``frames``."""
        sides = np.maximum(np.round(squares[:, 2]).astype(int), 1)
        size = self.size or int(np.median(sides))
        x1 = np.round(squares[:, 0] - sides / 2).astype(int)
        y1 = np.round(squares[:, 1] - sides / 2).astype(int)
        imgs = [resize_square(crop_square(f, x, y, s, self.pad_value), size)
                for f, x, y, s in zip(frames, x1, y1, sides)]
        boxes = np.stack([x1, y1, x1 + sides, y1 + sides], 1)
        return ClipCrops(imgs, boxes.astype(np.float32))

    def __call__(self, frames: Sequence[np.ndarray],
                 path: str = '?') -> ClipCrops:
        """Face crops of ``frames`` (RGB uint8); ``path`` names the clip
        in the error raised when no face is found."""
        return self.crop(frames, self.locate(frames, path))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(detector={self.detector!r}, '
                f'every={self.every}, margin={self.margin}, '
                f'smooth={self.smooth}, size={self.size})')
