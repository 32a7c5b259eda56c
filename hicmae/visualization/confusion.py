"""Confusion-matrix picture: colours row-normalised, counts in the cells."""
from typing import Optional, Sequence, Tuple

import numpy as np

from .figure import figure_to_array, new_figure


def row_normalise(cm: np.ndarray) -> np.ndarray:
    """Each row divided by its sum (the recall of each true class); rows
    without samples stay zero instead of becoming NaN."""
    cm = np.asarray(cm, dtype=np.float64)
    totals = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, totals, out=np.zeros_like(cm), where=totals > 0)


def confusion_figsize(num_classes: int) -> Tuple[float, float]:
    """Figure size (inches) of :func:`draw_confusion_matrix`."""
    side = 2.5 + 0.55 * num_classes
    return side + 1.0, side


def draw_confusion_matrix(cm: Sequence[Sequence[float]],
                          classes: Optional[Sequence[str]] = None,
                          title: Optional[str] = None,
                          figsize: Optional[Tuple[float, float]] = None,
                          dpi: int = 100) -> np.ndarray:
    """The confusion matrix (rows true, columns predicted) as RGB.

    Cell colour is the row-normalised fraction, cell text the count.

    Args:
        cm: square ``(K, K)`` counts.
        classes: ``K`` class names; ``0 .. K-1`` by default.
        title: figure title.
        figsize: inches; by default from :func:`confusion_figsize`.
        dpi: dots per inch; the image is ``figsize * dpi`` pixels.
    """
    counts = np.asarray(cm)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or \
            counts.shape[0] == 0:
        raise ValueError(f'a confusion matrix must be square and non-empty, '
                         f'got shape {counts.shape}')
    k = counts.shape[0]
    if classes is None:
        classes = [str(i) for i in range(k)]
    if len(classes) != k:
        raise ValueError(f'{len(classes)} class names for a {k}x{k} '
                         'confusion matrix')
    fractions = row_normalise(counts)
    fig = new_figure(figsize or confusion_figsize(k), dpi)
    ax = fig.add_subplot()
    image = ax.imshow(fractions, cmap='Blues', vmin=0.0, vmax=1.0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04,
                 label='fraction of the true class')
    ax.set_xticks(range(k), [str(c) for c in classes], rotation=45,
                  ha='right', fontsize=8)
    ax.set_yticks(range(k), [str(c) for c in classes], fontsize=8)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    for i in range(k):
        for j in range(k):
            value = counts[i, j]
            text = f'{value:g}' if isinstance(value, (float, np.floating)) \
                else str(value)
            ax.text(j, i, text, ha='center', va='center', fontsize=8,
                    color='white' if fractions[i, j] > 0.5 else 'black')
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return figure_to_array(fig)
