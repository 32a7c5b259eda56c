"""Identity features of the ``valence_arousal4`` look: hair on top of the
head, glasses and dot eyes (see :func:`~.speakers.sample_round_speaker`).

Every function draws in face units through ``tf(u, v)``, the frame's map
from face coordinates (u in half-widths, v in half-heights of the head,
y down) to pixels, so the features follow the head's sway and roll. None
of them depends on the class: they carry identity only.
"""
from typing import Callable

import numpy as np

from .drawing import FEATURE, SHIFT, pts

Transform = Callable[..., np.ndarray]


def _fringe(style: str, line: float, u: np.ndarray) -> np.ndarray:
    """Hairline height (v) at the face positions ``u``."""
    if style == 'bangs':        # zigzag fringe, 5 strands
        return line + 0.07 * np.abs(((u + 1.) * 2.5) % 1. - 0.5) * 2
    if style == 'side':         # side parting: lower on one side
        return line + 0.1 * (u + 1.) / 2. - 0.03
    return line - 0.08 * u**2   # 'cap', 'tuft': rounded hairline


def draw_hair(img: np.ndarray, tf: Transform, hair: dict) -> None:
    """Hair covering the top of the head down to ``hair['line']``, with a
    tuft on top for the ``tuft`` style."""
    import cv2
    colour = tuple(hair['colour'])
    line = hair['line']
    a = np.arcsin(-line)
    theta = np.linspace(np.pi + a, 2 * np.pi - a, 33)
    grow = 1.06                 # hair volume beyond the skull
    top_u, top_v = grow * np.cos(theta), grow * np.sin(theta)
    u = np.linspace(top_u[-1], top_u[0], 25)
    poly = np.concatenate([tf(top_u, top_v),
                           tf(u, _fringe(hair['style'], line, u))])
    cv2.fillPoly(img, [pts(poly)], colour, cv2.LINE_AA, SHIFT)
    if hair['style'] == 'tuft':
        t = np.linspace(0., np.pi, 13)
        tuft = tf(0.28 * np.cos(t) + 0.05, -0.98 - 0.3 * np.sin(t))
        cv2.fillPoly(img, [pts(tuft)], colour, cv2.LINE_AA, SHIFT)


def draw_dot_eye(img: np.ndarray, tf: Transform, u: float, v: float,
                 radius: float) -> None:
    """A solid dark eye of ``radius`` pixels at face position (u, v)."""
    import cv2
    cv2.circle(img, tuple(pts(tf(u, v)).ravel()),
               int(max(radius, 1.) * (1 << SHIFT)), FEATURE, -1,
               cv2.LINE_AA, SHIFT)


def draw_glasses(img: np.ndarray, tf: Transform, spk: dict, rx: float,
                 ry: float, thick: int) -> None:
    """Round glasses around both eyes, a bridge and the temple arms."""
    import cv2
    r = spk['eye_w'] + 0.1              # ring radius, in half-widths
    sep, eye_y = spk['eye_sep'], spk['eye_y']
    phi = np.linspace(0., 2 * np.pi, 25)
    lines = []
    for side in (-1., 1.):
        lines.append(tf(side * sep + r * np.cos(phi),
                        eye_y + r * rx / ry * np.sin(phi)))
        # temple arm: outer ring edge -> side of the head
        lines.append(tf(side * np.array([sep + r, 0.97]),
                        [eye_y, eye_y - 0.05]))
    lines.append(tf([-(sep - r), sep - r], [eye_y, eye_y]))   # bridge
    cv2.polylines(img, [pts(p) for p in lines], False, FEATURE, thick,
                  cv2.LINE_AA, SHIFT)
