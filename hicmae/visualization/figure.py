"""Headless matplotlib figures rendered into RGB arrays.

Figures are made with :class:`matplotlib.figure.Figure` on an Agg canvas
rather than through ``pyplot``, so drawing never opens a window, needs no
display and leaves the user's pyplot backend alone.
"""
from typing import Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(figsize: Tuple[float, float], dpi: int = 100) -> Figure:
    """An empty figure of ``figsize`` inches on an Agg canvas."""
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def figure_to_array(fig: Figure) -> np.ndarray:
    """Render ``fig`` to uint8 RGB ``(H, W, 3)``, H and W = inches * dpi."""
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    return np.ascontiguousarray(rgba[..., :3])


def expected_shape(figsize: Tuple[float, float], dpi: int = 100
                   ) -> Tuple[int, int, int]:
    """Shape of :func:`figure_to_array`'s result for a figure size."""
    return int(round(figsize[1] * dpi)), int(round(figsize[0] * dpi)), 3


def save_image(image: np.ndarray, path: str) -> str:
    """Write an RGB array as an image file (format from the suffix),
    creating the folder; returns ``path``."""
    import os

    import cv2
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if not cv2.imwrite(path, np.ascontiguousarray(image[..., ::-1])):
        raise OSError(f'{path}: could not write the image (unknown suffix '
                      'or unwritable folder?)')
    return path
