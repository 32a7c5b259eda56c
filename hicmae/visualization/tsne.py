"""t-SNE map of clip features, one colour per class."""
from typing import Optional, Sequence, Tuple

import numpy as np

from .figure import figure_to_array, new_figure


def tsne_embedding(features: np.ndarray, perplexity: float = 30.0,
                   random_state: int = 0) -> np.ndarray:
    """2-D t-SNE of ``(N, D)`` features (deterministic for a seed).

    The perplexity is capped at ``(N - 1) / 3`` (scikit-learn needs it
    below ``N``; a third keeps the neighbourhoods meaningful for small N).
    """
    from sklearn.manifold import TSNE  # heavy import, only when used
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f'features must be (N, D), got shape {x.shape}')
    n = len(x)
    if n < 3:
        raise ValueError(f't-SNE needs at least 3 samples, got {n}')
    if not np.isfinite(x).all():
        raise ValueError('features contain NaN or infinite values')
    capped = float(min(perplexity, max((n - 1) / 3.0, 1.0)))
    # PCA initialisation needs at least 2 feature dimensions
    init = 'pca' if x.shape[1] >= 2 else 'random'
    tsne = TSNE(n_components=2, perplexity=capped, init=init,
                random_state=random_state)
    return tsne.fit_transform(x)


def draw_tsne(features: np.ndarray, labels: Sequence[int],
              classes: Optional[Sequence[str]] = None,
              perplexity: float = 30.0, random_state: int = 0,
              title: Optional[str] = None,
              figsize: Tuple[float, float] = (7.0, 6.0),
              dpi: int = 100) -> np.ndarray:
    """Scatter plot of the t-SNE of ``features`` coloured by label.

    Args:
        features: ``(N, D)``.
        labels: ``N`` integer class indices; negative = unlabelled (grey).
        classes: names of the class indices; ``class k`` by default.
        perplexity / random_state: see :func:`tsne_embedding`.
        title: figure title.
        figsize / dpi: the image is ``figsize * dpi`` pixels.
    """
    labels = np.asarray(labels).astype(int).reshape(-1)
    if len(labels) != len(features):
        raise ValueError(f'{len(labels)} labels for {len(features)} '
                         'feature rows')
    if labels.size == 0:
        raise ValueError('t-SNE needs at least 3 samples, got 0')
    num = max(int(labels.max()) + 1, len(classes or ()), 1)
    if classes is not None and labels.max() >= len(classes):
        raise ValueError(f'label {labels.max()} has no name among '
                         f'{len(classes)} classes')
    names = list(classes) if classes is not None else \
        [f'class {k}' for k in range(num)]
    points = tsne_embedding(features, perplexity, random_state)
    fig = new_figure(figsize, dpi)
    ax = fig.add_subplot()
    colours = _palette(num)
    for k in range(num):
        sel = labels == k
        if sel.any():
            ax.scatter(points[sel, 0], points[sel, 1], s=14,
                       color=colours[k], label=names[k], alpha=0.85)
    if (labels < 0).any():
        sel = labels < 0
        ax.scatter(points[sel, 0], points[sel, 1], s=10, color='0.6',
                   label='unlabelled', alpha=0.6)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=8, markerscale=1.5, loc='best')
    ax.set_title(title or f't-SNE of {len(labels)} clips', fontsize=10)
    fig.tight_layout()
    return figure_to_array(fig)


def _palette(num: int) -> list:
    from matplotlib import colormaps
    cmap = colormaps['tab10' if num <= 10 else 'tab20']
    return [cmap(k % cmap.N) for k in range(num)]
