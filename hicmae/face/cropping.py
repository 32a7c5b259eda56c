"""Crop the face of a clip: detect, fill gaps, smooth, square, crop."""
from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from hicmae.datasets.errors import BadSampleError
from .detectors import (FaceBoxes, FaceDetector, build_face_detector,
                        default_face_detector)


class ClipCrops(NamedTuple):
    """Face crops of a clip: ``imgs`` (list of equal-size square RGB
    frames) and ``boxes`` (float32 ``(T, 4)`` crop squares ``x1, y1, x2,
    y2`` in the source frames, before clipping to the image)."""
    imgs: List[np.ndarray]
    boxes: np.ndarray


def largest_face(faces: FaceBoxes) -> Optional[np.ndarray]:
    """The box of largest area (the most confident among equal areas), or
    ``None`` when there is none."""
    index = largest_index(faces)
    return None if index is None else faces.boxes[index]


def largest_index(faces: FaceBoxes) -> Optional[int]:
    """Index of the largest box (the most confident among equal areas)."""
    if len(faces) == 0:
        return None
    return int(np.lexsort((-faces.scores, -faces.areas()))[0])


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of ``box`` with each of ``boxes``."""
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-6)


def track_faces(detections: Sequence[FaceBoxes], min_iou: float = 0.3
                ) -> List[Optional[int]]:
    """One face per frame, the same person throughout.

    A face joins the track whose last box it overlaps most, by at least
    ``min_iou`` (larger faces first; a track may skip frames where the
    person was missed), or starts a new one. The clip's person is the track of
    largest summed box area, i.e. large *and* present in many frames: a
    one-frame false face or someone passing through loses to the person
    the camera is on. Returns, per frame, the index of that person's box,
    or ``None`` where they were not found (filled from the nearest frame
    later; another face is never taken in their place).
    """
    tracks: List[dict] = []  # last box, frame of the last box, members
    for i, faces in enumerate(detections):
        taken = set()
        for j in np.argsort(-faces.areas(), kind='stable'):
            box = faces.boxes[j]
            open_tracks = [t for t in tracks
                           if t['frame'] < i and id(t) not in taken]
            overlaps = [iou(t['box'], box[None])[0] for t in open_tracks]
            if overlaps and max(overlaps) >= min_iou:
                track = open_tracks[int(np.argmax(overlaps))]
            else:
                track = dict(members={}, weight=0.)
                tracks.append(track)
            taken.add(id(track))
            track.update(box=box, frame=i)
            track['members'][i] = int(j)
            track['weight'] += float(faces.areas()[j])
    chosen: List[Optional[int]] = [None] * len(detections)
    if tracks:
        person = max(tracks, key=lambda t: t['weight'])
        for i, j in person['members'].items():
            chosen[i] = j
    return chosen


# Where the five landmarks sit in an upright face box of side 1 (x right,
# y down), measured on the two test portraits (portraits.py) and made
# symmetric: eyes, nose tip, mouth corners.
FACE_TEMPLATE = np.array([[0.30, 0.36], [0.70, 0.36], [0.50, 0.58],
                          [0.33, 0.76], [0.67, 0.76]])


def fit_face(points: np.ndarray) -> Tuple[float, float, float, float]:
    """Centre x, centre y, side and angle (degrees) of the face square
    whose :data:`FACE_TEMPLATE` best fits ``points`` (5 x 2), by least
    squares over rotation, scale and shift: eyes level, a fixed scale."""
    t = FACE_TEMPLATE[:, 0] + 1j * FACE_TEMPLATE[:, 1]
    z = points[:, 0].astype(np.float64) + 1j * points[:, 1]
    tc, zc = t - t.mean(), z - z.mean()
    a = np.vdot(tc, zc) / np.vdot(tc, tc).real  # scale * e^(i angle)
    centre = a * (0.5 + 0.5j) + z.mean() - a * t.mean()
    return (centre.real, centre.imag, abs(a),
            float(np.degrees(np.angle(a))))


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


def warp_square(frame: np.ndarray, cx: float, cy: float, side: float,
                angle: float, size: int, pad_value: int = 0) -> np.ndarray:
    """The ``side``-pixel square centred at ``(cx, cy)`` and turned by
    ``angle`` degrees (clockwise as seen), resampled to ``size`` x
    ``size`` and turned upright."""
    k = side / size  # frame pixels per output pixel
    rad = np.radians(angle)
    cos, sin = k * np.cos(rad), k * np.sin(rad)
    half = size / 2
    # output (u, v) -> frame: centre + R(angle) * k * (u - half, v - half)
    mat = np.array([[cos, -sin, cx - cos * half + sin * half],
                    [sin, cos, cy - sin * half - cos * half]])
    interp = cv2.INTER_AREA if k > 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(frame, mat, (size, size),
                          flags=interp | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT,
                          borderValue=(pad_value, ) * 3)


POLICIES = ('track', 'largest')


class ClipFaceCropper:
    """Crops one person's face in every frame of a clip, steadily.

    1. Detect on frames ``0, every, 2 * every, ...`` (and always the last
       one) and choose one face per frame by ``policy``: ``'track'``
       follows the clip's largest face from frame to frame by overlap, so
       the crop stays on one person when two are in view (IEMOCAP's dyadic
       sessions) even if the other comes nearer for a moment;
       ``'largest'`` takes each frame's largest face.
    2. Describe each face by its centre and side (the longer box side;
       with ``align``, the square and angle that put the five landmarks on
       :data:`FACE_TEMPLATE`) and take the moving median over ``smooth``
       consecutive detections, so the crop neither jitters nor follows a
       one-frame false face.
    3. Give each frame the values of the nearest frame with a detection.
    4. Enlarge the side by ``margin``; cut the square (see
       :func:`crop_square`; with ``align`` turned so that the eyes are
       level, see :func:`warp_square`); resize every crop to ``size``, or
       to the clip's median crop side, so all frames share one shape.

    Args:
        detector: a ``FACE_DETECTORS`` config or a detector instance;
            default: :func:`default_face_detector` (the SSD detector when
            its package is installed, else Haar).
        every: detect on every ``every``-th frame.
        margin: crop side / face box side (detector boxes are tight;
            1.25 keeps the forehead, chin and some hair in the crop).
        smooth: moving-median window, in detections (1: no smoothing).
        size: output side in pixels; ``None``: the clip's median crop side.
        pad_value: grey level of the padding where a crop leaves the frame.
        policy: how the face is chosen when there are several, see 1.
        align: eyes level and a fixed face scale from five landmarks (as
            OpenFace's aligned crops, which the benchmarks' crops were);
            needs a detector that gives landmarks.
    """

    def __init__(self, detector: Union[dict, FaceDetector, None] = None,
                 every: int = 1, margin: float = 1.25, smooth: int = 5,
                 size: Optional[int] = None, pad_value: int = 0,
                 policy: str = 'track', align: bool = False) -> None:
        if every < 1:
            raise ValueError(f'every must be >= 1, got {every}')
        if margin <= 0:
            raise ValueError(f'margin must be positive, got {margin}')
        if size is not None and size < 1:
            raise ValueError(f'size must be >= 1, got {size}')
        if policy not in POLICIES:
            raise ValueError(f'policy must be one of {POLICIES}, got '
                             f'{policy!r}')
        self.detector = build_face_detector(
            default_face_detector(align) if detector is None else detector)
        self.every = every
        self.margin = margin
        self.smooth = smooth
        self.size = size
        self.pad_value = pad_value
        self.policy = policy
        self.align = align

    def detection_indices(self, length: int) -> np.ndarray:
        """Frames the detector runs on."""
        idx = np.arange(0, length, self.every)
        if idx[-1] != length - 1:
            idx = np.append(idx, length - 1)
        return idx

    def choose(self, detections: Sequence[FaceBoxes]) -> List[Optional[int]]:
        """The chosen face of each frame's detections (see ``policy``)."""
        if self.policy == 'largest':
            return [largest_index(faces) for faces in detections]
        return track_faces(detections)

    def _square(self, faces: FaceBoxes, index: int, path: str
                ) -> Tuple[float, float, float, float]:
        if self.align:
            if faces.landmarks is None:
                raise ValueError(
                    f'{path}: aligned crops need landmarks, and '
                    f'{self.detector!r} gives none (use '
                    "dict(type='SSDFaceDetector', landmarks=True))")
            return fit_face(faces.landmarks[index])
        x1, y1, x2, y2 = (float(v) for v in faces.boxes[index])
        return (x1 + x2) / 2, (y1 + y2) / 2, max(x2 - x1, y2 - y1), 0.

    def locate(self, frames: Sequence[np.ndarray],
               path: str = '?') -> np.ndarray:
        """Crop squares ``(T, 4)`` as ``centre x, centre y, side, angle``
        (degrees in image axes, y down: positive is clockwise as seen; 0
        without ``align``).

        Raises :class:`BadSampleError` naming ``path`` when no face is
        found in any of the frames searched.
        """
        if len(frames) == 0:
            raise BadSampleError(path, 'no frames to find a face in')
        tried = self.detection_indices(len(frames))
        detections = [self.detector(frames[i]) for i in tried]
        found, params = [], []
        for i, faces, index in zip(tried, detections,
                                   self.choose(detections)):
            if index is not None:
                found.append(i)
                params.append(self._square(faces, index, path))
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
        if self.align:
            imgs = [warp_square(f, cx, cy, side, angle, size, self.pad_value)
                    for f, (cx, cy, side, angle) in zip(frames, squares)]
            half = squares[:, 2:3] / 2
            boxes = np.concatenate([squares[:, :2] - half,
                                    squares[:, :2] + half], 1)
            return ClipCrops(imgs, boxes.astype(np.float32))
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
                f'smooth={self.smooth}, size={self.size}, '
                f'policy={self.policy!r}, align={self.align})')
