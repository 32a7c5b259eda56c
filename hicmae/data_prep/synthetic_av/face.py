"""Face rendering: the per-frame mouth opening and the cartoon frames."""
from statistics import NormalDist
from typing import List, NamedTuple, Optional

import numpy as np

from .drawing import FEATURE as _FEATURE
from .drawing import SCALE as _SCALE
from .drawing import SHIFT as _SHIFT
from .drawing import pts as _pts
from .round_look import draw_dot_eye, draw_glasses, draw_hair

_MOUTH_IN = (40, 30, 70)     # inside of the open mouth
_SCLERA = (235, 238, 240)
# 256 equiprobable standard-normal quantiles (pixel noise by lookup)
_NORMAL_Q = np.array([NormalDist().inv_cdf((i + 0.5) / 256)
                      for i in range(256)])


def mouth_opening(env: np.ndarray, n_frames: int, fps: float,
                  sr: int) -> np.ndarray:
    """Mean envelope over each frame's display interval."""
    edges = np.round(np.arange(n_frames + 1) / fps * sr).astype(int)
    edges = np.clip(edges, 0, len(env))
    csum = np.concatenate([[0.], np.cumsum(env)])
    return (csum[edges[1:]] - csum[edges[:-1]]) / np.maximum(
        edges[1:] - edges[:-1], 1)


# Clip-level palettes (BGR value ranges) of the two looks: background
# colour ``bg``, its gradient (+-``bg_delta``, clipped to ``bg_clip``) and
# the shirt colour.
CARTOON_LOOK = dict(bg=(90., 235.), bg_delta=35., bg_clip=(90., 245.),
                    shirt=(90., 230.))
ROUND_LOOK = dict(bg=(35., 150.), bg_delta=45., bg_clip=(20., 170.),
                  shirt=(40., 210.))


class RenderedClip(NamedTuple):
    """Frames of a clip and where the head is in each."""
    frames: List[np.ndarray]  # BGR uint8 (size, size, 3)
    heads: np.ndarray  # (n, 4) float: centre x, centre y, radii x, y (px)


def render_frames(rng: np.random.Generator, face: dict, spk: dict,
                  opening: np.ndarray, size: int, fps: float,
                  look: Optional[dict] = None) -> RenderedClip:
    """BGR ``size`` x ``size`` frames of ``spk`` showing the ``face`` cue
    group, the mouth following ``opening`` (one value per frame), and the
    head ellipse of every frame.

    ``look`` holds the clip palettes (default :data:`CARTOON_LOOK`); the
    optional identity traits ``hair``, ``glasses`` and ``eye_style='dot'``
    of ``spk`` add the features of :mod:`.round_look`.
    """
    import cv2
    look = CARTOON_LOOK if look is None else look
    n = len(opening)
    s = float(size)
    # background: colour + linear gradient (clip nuisance)
    bg0 = rng.uniform(*look['bg'], 3)
    bg1 = np.clip(bg0 + rng.uniform(-look['bg_delta'], look['bg_delta'], 3),
                  *look['bg_clip'])
    ang = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:size, 0:size] / s
    w = (np.cos(ang) * (xx - .5) + np.sin(ang) * (yy - .5) + .5)[..., None]
    background = np.clip(bg0 * (1 - w) + bg1 * w, 0, 255).astype(np.uint8)
    shirt = tuple(float(v) for v in rng.uniform(*look['shirt'], 3))
    skin = tuple(spk['skin'])
    dark_skin = tuple(0.8 * v for v in spk['skin'])
    scale = rng.uniform(0.93, 1.07)
    rx = spk['face_w'] * s * scale
    ry = rx * spk['aspect']
    cx0 = s / 2 + rng.uniform(-0.06, 0.06) * s
    cy0 = s / 2 + rng.uniform(-0.05, 0.05) * s + face['head_dy'] * s
    sway_amp = rng.uniform(0.0, 0.015, 2) * s
    sway_hz = rng.uniform(0.2, 0.8, 2)
    sway_ph = rng.uniform(0, 2 * np.pi, 2)
    roll_amp = rng.uniform(0., 4.)
    roll_hz = rng.uniform(0.2, 0.7)
    roll_ph = rng.uniform(0, 2 * np.pi)
    nod_ph = rng.uniform(0, 2 * np.pi)
    talk = rng.uniform(0.22, 0.32)
    noise_sigma = rng.uniform(2., 6.)
    blink = np.zeros(n, bool)
    f = int(rng.integers(0, int(fps)))
    while f < n:
        blink[f:f + 3] = True
        f += int(rng.integers(int(1.5 * fps), int(3.5 * fps)))
    thick = max(1, int(round(s / 45.)))
    sep, eye_y = spk['eye_sep'], spk['eye_y']

    frames, heads = [], []
    for i in range(n):
        t = i / fps
        cx = cx0 + sway_amp[0] * np.sin(2 * np.pi * sway_hz[0] * t
                                        + sway_ph[0])
        cy = cy0 + sway_amp[1] * np.sin(2 * np.pi * sway_hz[1] * t
                                        + sway_ph[1])
        cy += face['nod'] * s * np.sin(2 * np.pi * 1.3 * t + nod_ph)
        heads.append((cx, cy, rx, ry))
        roll = roll_amp * np.sin(2 * np.pi * roll_hz * t + roll_ph)
        c, sn = np.cos(np.radians(roll)), np.sin(np.radians(roll))

        def tf(u, v):
            u = np.asarray(u, np.float64) * rx
            v = np.asarray(v, np.float64) * ry
            return np.stack([cx + u * c - v * sn, cy + u * sn + v * c], -1)

        img = background.copy()
        # shoulders, head
        sh = tf(0., 1.9)
        cv2.ellipse(img, tuple(_pts(sh).ravel()),
                    (int(rx * 1.9 * _SCALE), int(ry * 0.95 * _SCALE)), roll,
                    0, 360, shirt, -1, cv2.LINE_AA, _SHIFT)
        neck = tf([-0.35, 0.35, 0.35, -0.35], [0.6, 0.6, 1.2, 1.2])
        cv2.fillPoly(img, [_pts(neck)], dark_skin, cv2.LINE_AA, _SHIFT)
        cv2.ellipse(img, tuple(_pts(tf(0., 0.)).ravel()),
                    (int(rx * _SCALE), int(ry * _SCALE)), roll, 0, 360,
                    skin, -1, cv2.LINE_AA, _SHIFT)
        if spk.get('hair'):
            draw_hair(img, tf, spk['hair'])
        # eyes
        for side in (-1., 1.):
            centre = tf(side * sep, eye_y)
            ex = spk['eye_w'] * rx
            ey = 0.075 * face['eye_open'] * ry
            if blink[i]:
                lid = tf(side * sep + np.array([-spk['eye_w'],
                                                spk['eye_w']]),
                         [eye_y, eye_y])
                cv2.polylines(img, [_pts(lid)], False, _FEATURE, thick,
                              cv2.LINE_AA, _SHIFT)
            elif spk.get('eye_style') == 'dot':
                draw_dot_eye(img, tf, side * sep, eye_y, 0.5 * ex)
            else:
                cv2.ellipse(img, tuple(_pts(centre).ravel()),
                            (int(ex * _SCALE), int(ey * _SCALE)), roll, 0,
                            360, _SCLERA, -1, cv2.LINE_AA, _SHIFT)
                pr = 0.8 * min(ex, ey, 0.06 * ry)
                cv2.circle(img, tuple(_pts(centre).ravel()),
                           int(max(pr, 1.) * _SCALE), _FEATURE, -1,
                           cv2.LINE_AA, _SHIFT)
            # brow: inner -> middle -> outer
            bu = side * np.array([sep - 0.13, sep + 0.02, sep + 0.19])
            bi = eye_y + face['brow_inner']
            bo = eye_y + face['brow_outer']
            bv = np.array([bi, 0.5 * (bi + bo) - face['brow_arch'], bo])
            cv2.polylines(img, [_pts(tf(bu, bv))], False, _FEATURE,
                          thick + 1, cv2.LINE_AA, _SHIFT)
        if spk.get('glasses'):
            draw_glasses(img, tf, spk, rx, ry, thick)
        if spk['nose']:
            nose = tf([0., -0.06, 0.06], [0.05, 0.22, 0.22])
            cv2.polylines(img, [_pts(nose)], False, dark_skin, thick,
                          cv2.LINE_AA, _SHIFT)
        # mouth: base curve (expression) opened by the syllable envelope
        u = np.linspace(-1., 1., 17)
        half = 0.5 * face['mouth_w']
        base = spk['mouth_y'] + face['curve'] * (0.5 - u**2)
        o = face['rest_open'] + talk * opening[i]
        bulge = (1. - u**2)**0.8
        upper = tf(u * half, base - 0.35 * o * bulge)
        lower = tf(u * half, base + 0.65 * o * bulge)
        if o * ry > 0.8:
            poly = np.concatenate([upper, lower[::-1]])
            cv2.fillPoly(img, [_pts(poly)], _MOUTH_IN, cv2.LINE_AA, _SHIFT)
        cv2.polylines(img, [_pts(upper), _pts(lower)], False, _FEATURE,
                      thick, cv2.LINE_AA, _SHIFT)
        frames.append(img)
    # Gaussian pixel noise by table lookup (quantised, cut at 2.7 sigma)
    video = np.stack(frames).astype(np.int16)
    lut = np.round(_NORMAL_Q * noise_sigma).astype(np.int16)
    video += lut[rng.integers(0, 256, video.shape, np.uint8)]
    return RenderedClip(list(np.clip(video, 0, 255).astype(np.uint8)),
                        np.asarray(heads, np.float64))


def face_crops(clip: RenderedClip, size: int = 64,
               margin: float = 1.15) -> List[np.ndarray]:
    """Square face crops that follow the head, ``size`` pixels, cut around
    the head position this generator drew (ground truth), not found by a
    face detector. They stand in for what ``tools/data/crop_faces.py``
    makes of a real video (a detector's box, tracked and enlarged by a
    margin); on these drawn faces they are tighter than the boxes of
    OpenCV's SSD detector.

    The box is centred on the head in every frame and ``margin`` times the
    head's width (the same side throughout the clip), so it holds brows,
    eyes and mouth, and cuts the top of the hair and the chin of long
    faces, as a detector's face box does; pixels outside the frame repeat
    the border.
    """
    import cv2
    side = int(round(margin * 2 * clip.heads[:, 2].mean()))
    h, w = clip.frames[0].shape[:2]
    pad = side
    crops = []
    for img, (cx, cy, _, _) in zip(clip.frames, clip.heads):
        x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
        if x0 < 0 or y0 < 0 or x0 + side > w or y0 + side > h:
            img = cv2.copyMakeBorder(img, pad, pad, pad, pad,
                                     cv2.BORDER_REPLICATE)
            x0, y0 = x0 + pad, y0 + pad
        crops.append(cv2.resize(img[y0:y0 + side, x0:x0 + side],
                                (size, size), interpolation=cv2.INTER_AREA))
    return crops
