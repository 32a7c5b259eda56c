"""Test clips made from real portraits that ship with Python packages.

scikit-image ships a photograph of astronaut Eileen Collins
(``skimage.data.astronaut()``) and matplotlib one of Grace Hopper
(``grace_hopper.jpg`` in its sample data). Both are frontal, well-lit
studio portraits; :func:`make_case` turns one into a short clip that is
harder in one way (moved, small, rotated, dim, mirrored, partly covered,
a second face, no face), with the true face box of every frame, so
detectors and the crop policy can be measured offline on real faces
(``tools/analysis/face_detector_table.py``, ``tests/face/test_face_real.py``).

The packages are imported only when a portrait is asked for
(scikit-image is a test dependency, not a runtime one).
"""
from typing import Dict, List, NamedTuple, Optional, Tuple

import cv2
import numpy as np

# Hand-checked face boxes (x1, y1, x2, y2) in the original pictures: brow
# to chin, ear to ear (where hair allows); square-ish like detector boxes.
FACE_BOXES: Dict[str, Tuple[float, float, float, float]] = {
    'astronaut': (176., 64., 268., 166.),
    'grace_hopper': (168., 120., 368., 330.),
}

FRAME_SIZE = (480, 640)  # (H, W) of every test frame, a 4:3 webcam frame

# the cases a detector is expected to find the face in ...
FACE_CASES = ('upright', 'moved', 'small', 'rotated+30', 'rotated-30',
              'dim', 'mirrored', 'occluded')
# ... the one where it must find nothing, and the two-face one
ALL_CASES = FACE_CASES + ('two_faces', 'no_face')


def portrait(name: str) -> np.ndarray:
    """An RGB uint8 portrait: ``'astronaut'`` (scikit-image) or
    ``'grace_hopper'`` (matplotlib)."""
    if name == 'astronaut':
        try:
            from skimage import data
        except ImportError as err:
            raise ImportError('the astronaut portrait comes with '
                              'scikit-image: pip install scikit-image'
                              ) from err
        return np.ascontiguousarray(data.astronaut())
    if name == 'grace_hopper':
        from matplotlib import cbook
        path = cbook.get_sample_data('grace_hopper.jpg', asfileobj=False)
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(f'cannot read {path}')
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    raise KeyError(f'unknown portrait {name!r}; one of {sorted(FACE_BOXES)}')


class Clip(NamedTuple):
    """Frames (RGB uint8 ``(H, W, 3)``) and, per frame, the true boxes of
    the faces in it (float32 ``(N, 4)``, largest first; ``N = 0`` in the
    no-face case)."""
    frames: List[np.ndarray]
    faces: List[np.ndarray]


def _background(rng: np.random.Generator) -> np.ndarray:
    """A textured grey backdrop (flat colour would be too easy for a
    detector's false-positive rate)."""
    h, w = FRAME_SIZE
    noise = rng.normal(0, 1, (h // 16 + 1, w // 16 + 1, 3)).astype(np.float32)
    smooth = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(110 + 30 * smooth, 0, 255).astype(np.uint8)


def _place(canvas: np.ndarray, img: np.ndarray, box: np.ndarray,
           centre: Tuple[float, float], side: float, angle: float = 0.,
           mirror: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """Paste ``img`` on ``canvas`` so that its face ``box`` is ``side``
    pixels wide, centred at ``centre``, turned ``angle`` degrees (counter
    clockwise); the face box in canvas pixels (an upright square around
    the turned face centre, as detectors report)."""
    if mirror:
        img = img[:, ::-1]
        box = np.array([img.shape[1] - box[2], box[1],
                        img.shape[1] - box[0], box[3]], np.float32)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    scale = side / (box[2] - box[0])
    mat = cv2.getRotationMatrix2D((float(cx), float(cy)), angle, scale)
    mat[:, 2] += np.array(centre) - np.array([cx, cy])
    h, w = canvas.shape[:2]
    warped = cv2.warpAffine(np.ascontiguousarray(img), mat, (w, h),
                            flags=cv2.INTER_AREA if scale < 1
                            else cv2.INTER_LINEAR)
    inside = cv2.warpAffine(np.full(img.shape[:2], 255, np.uint8), mat,
                            (w, h), flags=cv2.INTER_NEAREST)
    out = canvas.copy()
    out[inside > 0] = warped[inside > 0]
    half_w = side / 2
    half_h = side * (box[3] - box[1]) / (box[2] - box[0]) / 2
    return out, np.array([centre[0] - half_w, centre[1] - half_h,
                          centre[0] + half_w, centre[1] + half_h],
                         np.float32)


def make_case(name: str, case: str, frames: int = 4, seed: int = 0,
              other: Optional[str] = None) -> Clip:
    """A clip of ``frames`` frames of portrait ``name`` in test ``case``
    (one of :data:`ALL_CASES`).

    The face is 120 px wide in a 640 x 480 frame unless the case changes
    that; it drifts a few pixels per frame, as a talking head does.
    ``two_faces`` puts ``name`` large on the left and ``other`` (default:
    the other portrait) at 60 % of its size on the right, largest first
    in ``faces``.
    """
    if case not in ALL_CASES:
        raise KeyError(f'unknown case {case!r}; one of {ALL_CASES}')
    rng = np.random.default_rng(seed)
    img = portrait(name)
    box = np.asarray(FACE_BOXES[name], np.float32)
    h, w = FRAME_SIZE
    side, angle, mirror = 120., 0., False
    centre = np.array([w / 2, h * 0.42])
    step = np.array([3., 1.])  # drift per frame
    if case == 'moved':
        centre, step = np.array([w * 0.22, h * 0.3]), np.array([12., 4.])
    elif case == 'small':
        side = 40.
    elif case.startswith('rotated'):
        angle = float(case[len('rotated'):])
    elif case == 'mirrored':
        mirror = True
    clip = Clip([], [])
    for t in range(frames):
        canvas = _background(rng)
        c = centre + t * step
        if case == 'no_face':
            # the picture's lower half: a uniform, badges, no face
            crop = img[img.shape[0] // 2:]
            frame = _background(rng)
            ch, cw = crop.shape[:2]
            y0, x0 = (h - ch) // 2, max(0, (w - cw) // 2)
            frame[max(0, y0):max(0, y0) + min(ch, h),
                  x0:x0 + min(cw, w)] = crop[:h, :w]
            clip.frames.append(frame)
            clip.faces.append(np.zeros((0, 4), np.float32))
            continue
        if case == 'two_faces':
            second = other or next(k for k in FACE_BOXES if k != name)
            frame, big = _place(canvas, img, box, (w * 0.3 + t * 3, h * 0.42),
                                side)
            frame, small = _place(frame, portrait(second),
                                  np.asarray(FACE_BOXES[second], np.float32),
                                  (w * 0.78, h * 0.42), side * 0.6)
            clip.frames.append(frame)
            clip.faces.append(np.stack([big, small]))
            continue
        frame, face = _place(canvas, img, box, tuple(c), side, angle, mirror)
        if case == 'dim':
            # a dark room: an eighth of the light, and sensor noise
            dark = frame.astype(np.float32) * 0.125
            dark += rng.normal(0, 3., dark.shape)
            frame = np.clip(dark, 0, 255).astype(np.uint8)
        elif case == 'occluded':
            # a hand over the mouth and chin: the lower 40 % of the face
            x1, y1, x2, y2 = face
            top = int(y1 + 0.6 * (y2 - y1))
            frame[top:int(y2), int(x1) - 5:int(x2) + 5] = (190, 150, 130)
        clip.frames.append(frame)
        clip.faces.append(face[None])
    return clip


def box_error(found: np.ndarray, truth: np.ndarray) -> float:
    """Distance between the box centres over the true box's width."""
    fc = (found[:2] + found[2:]) / 2
    tc = (truth[:2] + truth[2:]) / 2
    return float(np.linalg.norm(fc - tc) / (truth[2] - truth[0]))


def matches(found: np.ndarray, truth: np.ndarray,
            max_error: float = 0.35, max_ratio: float = 1.6) -> bool:
    """Whether ``found`` is the face ``truth``: centres within
    ``max_error`` of the true width and widths within ``max_ratio`` of
    each other (detectors disagree on where a face box ends, so IoU with
    one convention would punish the others)."""
    ratio = (found[2] - found[0]) / (truth[2] - truth[0])
    return (box_error(found, truth) <= max_error
            and 1 / max_ratio <= ratio <= max_ratio)
