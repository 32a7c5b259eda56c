"""Face detectors: one RGB frame in, candidate face boxes out."""
from typing import NamedTuple, Optional

import cv2
import numpy as np

from hicmae.registry import FACE_DETECTORS


class FaceBoxes(NamedTuple):
    """Faces found in one frame.

    ``boxes``: float32 ``(N, 4)`` as ``x1, y1, x2, y2`` in pixels of the
    frame; ``scores``: float32 ``(N,)``, larger is more confident (its scale
    depends on the detector).
    """
    boxes: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> 'FaceBoxes':
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32))

    def __len__(self) -> int:
        return len(self.boxes)

    def areas(self) -> np.ndarray:
        return ((self.boxes[:, 2] - self.boxes[:, 0]) *
                (self.boxes[:, 3] - self.boxes[:, 1]))


class FaceDetector:
    """Interface of a face detector registered in ``FACE_DETECTORS``.

    Call it on an RGB uint8 frame ``(H, W, 3)``; it returns
    :class:`FaceBoxes` (possibly empty). Subclasses implement
    :meth:`detect`; the frame is checked here.
    """

    def __call__(self, frame: np.ndarray) -> FaceBoxes:
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError('a face detector takes an RGB uint8 (H, W, 3) '
                             f'frame, got {frame.dtype} {frame.shape}')
        return self.detect(frame)

    def detect(self, frame: np.ndarray) -> FaceBoxes:
        raise NotImplementedError


def haar_cascade_path(name: str = 'haarcascade_frontalface_default.xml'
                      ) -> str:
    """Path of one of the Haar cascades bundled with opencv-python 4.x."""
    folder = getattr(getattr(cv2, 'data', None), 'haarcascades', None)
    if folder is None:
        raise FileNotFoundError(
            f'this OpenCV ({cv2.__version__}) ships no Haar cascades '
            '(cv2.data.haarcascades is missing; opencv-python 5 dropped '
            'them): install opencv-python 4.x or pass cascade_file=')
    return folder + name


@FACE_DETECTORS.register_module()
class HaarFaceDetector(FaceDetector):
    """OpenCV's Viola-Jones cascade (frontal faces), fast on a CPU.

    The frame is converted to grey, shrunk so its long side is at most
    ``max_side`` (detection cost grows with the pixel count, and faces
    worth cropping are large), then searched. Scores
    are the cascade's neighbour counts: how many overlapping windows
    agreed, so higher means more confident.

    Args:
        cascade_file: cascade XML; default: the bundled
            ``haarcascade_frontalface_default.xml``.
        scale_factor: step between the searched window sizes.
        min_neighbors: overlapping windows needed to keep a face (higher:
            fewer false faces, more misses).
        min_size: smallest face side as a fraction of the frame's short
            side.
        max_side: long side of the image the search runs on; ``None``
            searches at full resolution.
        equalize: equalise the grey histogram first. Off by default: the
            cascade normalises each window's contrast itself, and global
            equalisation blows up compression noise on flat backgrounds.
    """

    def __init__(self, cascade_file: Optional[str] = None,
                 scale_factor: float = 1.1, min_neighbors: int = 5,
                 min_size: float = 0.1, max_side: Optional[int] = 320,
                 equalize: bool = False) -> None:
        if scale_factor <= 1:
            raise ValueError(f'scale_factor must exceed 1, got {scale_factor}')
        if not 0 <= min_size < 1:
            raise ValueError(f'min_size is a fraction of the short side in '
                             f'[0, 1), got {min_size}')
        self.cascade_file = cascade_file or haar_cascade_path()
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size = min_size
        self.max_side = max_side
        self.equalize = equalize
        self._cascade = None  # loaded on first use, not at build time

    @property
    def cascade(self) -> cv2.CascadeClassifier:
        if self._cascade is None:
            cascade = cv2.CascadeClassifier(self.cascade_file)
            if cascade.empty():
                raise FileNotFoundError(
                    f'cannot load a Haar cascade from {self.cascade_file}')
            self._cascade = cascade
        return self._cascade

    def __getstate__(self) -> dict:
        # cv2.CascadeClassifier cannot be pickled; worker processes reload it
        state = self.__dict__.copy()
        state['_cascade'] = None
        return state

    def detect(self, frame: np.ndarray) -> FaceBoxes:
        h, w = frame.shape[:2]
        scale = 1.0
        if self.max_side and max(h, w) > self.max_side:
            scale = self.max_side / max(h, w)
        grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        if scale != 1.0:
            grey = cv2.resize(grey, (max(1, round(w * scale)),
                                     max(1, round(h * scale))),
                              interpolation=cv2.INTER_AREA)
        if self.equalize:
            grey = cv2.equalizeHist(grey)
        side = max(1, int(self.min_size * min(grey.shape)))
        rects, neighbours = self.cascade.detectMultiScale2(
            grey, scaleFactor=self.scale_factor,
            minNeighbors=self.min_neighbors, minSize=(side, side))
        if len(rects) == 0:
            return FaceBoxes.empty()
        rects = np.asarray(rects, np.float32).reshape(-1, 4) / scale
        boxes = np.concatenate([rects[:, :2], rects[:, :2] + rects[:, 2:]],
                               axis=1)
        return FaceBoxes(boxes.astype(np.float32),
                         np.asarray(neighbours, np.float32).reshape(-1))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale_factor={self.scale_factor}, '
                f'min_neighbors={self.min_neighbors}, '
                f'min_size={self.min_size}, max_side={self.max_side})')


def build_face_detector(cfg) -> FaceDetector:
    """A detector from a config dict (``type`` in ``FACE_DETECTORS``), or a
    ready detector / any callable with the same contract, unchanged."""
    if isinstance(cfg, dict):
        return FACE_DETECTORS.build(cfg)
    if callable(cfg):
        return cfg
    raise TypeError(f'a face detector is a config dict or a callable, got '
                    f'{type(cfg).__name__}')
