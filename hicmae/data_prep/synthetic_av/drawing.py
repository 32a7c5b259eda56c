"""Drawing primitives shared by the face renderers (OpenCV sub-pixel)."""
import numpy as np

FEATURE = (28, 24, 32)      # brows, pupils, mouth outline (BGR)
SHIFT = 4                   # cv2 sub-pixel bits
SCALE = 1 << SHIFT


def pts(points: np.ndarray) -> np.ndarray:
    """Float pixel points -> the fixed-point int32 array cv2 draws."""
    return np.round(points * SCALE).astype(np.int32).reshape(-1, 1, 2)
