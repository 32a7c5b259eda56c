"""Training curves from the ``vis_data/scalars.json`` of a work dir.

MMEngine's ``LocalVisBackend`` writes one JSON object per logged step in
``WORK_DIR/<timestamp>/vis_data/scalars.json``: training rows hold the
losses, ``lr``, ``epoch``, ``iter`` and ``step`` (the global iteration);
validation rows hold the metrics with ``step`` = the epoch (the iteration
in iteration-based runs).
"""
import json
import math
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .figure import figure_to_array, new_figure

# bookkeeping columns, not curves
_NOT_CURVES = {'step', 'epoch', 'iter', 'time', 'data_time', 'memory',
               'base_lr'}
Curve = Tuple[List[float], List[float]]


def find_scalars(work_dir: Union[str, Path],
                 all_runs: bool = False) -> List[Path]:
    """``scalars.json`` of the newest run in ``work_dir`` (or of every
    run, oldest first, with ``all_runs``; a resumed run continues in a new
    timestamp folder).

    Raises:
        FileNotFoundError: if ``work_dir`` holds no
        ``*/vis_data/scalars.json``.
    """
    work_dir = Path(work_dir)
    if not work_dir.is_dir():
        raise FileNotFoundError(f'{work_dir}: work dir not found')
    # timestamp folder names (YYYYMMDD_HHMMSS) sort in time order
    found = sorted(work_dir.glob('*/vis_data/scalars.json'),
                   key=lambda p: (p.parent.parent.name, p.stat().st_mtime))
    if not found:
        raise FileNotFoundError(
            f'{work_dir}: no */vis_data/scalars.json (was the run logged '
            'with LocalVisBackend?)')
    return found if all_runs else found[-1:]


def load_scalars(path: Union[str, Path]) -> List[dict]:
    """The records of one ``scalars.json`` (one JSON object a line).

    Raises:
        FileNotFoundError / ValueError: naming the file and, for a corrupt
        line, its number.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{path}: file not found')
    records = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f'{path}: line {number} is not JSON ({err})')
        if not isinstance(row, dict):
            raise ValueError(f'{path}: line {number} is not a JSON object')
        records.append(row)
    if not records:
        raise ValueError(f'{path}: no records')
    return records


def split_curves(records: Sequence[dict]
                 ) -> Tuple[Dict[str, Curve], Dict[str, Curve],
                            Dict[str, Curve]]:
    """``(losses, metrics, lr)`` curves as ``{name: (steps, values)}``.

    A row with a key containing ``loss`` is a training row (its ``loss*``
    keys are losses, ``lr`` the learning rate); any other row is a
    validation row whose numeric keys are metrics.
    """
    losses: Dict[str, Curve] = {}
    metrics: Dict[str, Curve] = {}
    lr: Dict[str, Curve] = {}
    for row in records:
        step = row.get('step')
        if not _is_number(step):
            continue
        training = any('loss' in key for key in row)
        for key, value in row.items():
            if key in _NOT_CURVES or not _is_number(value):
                continue
            if training:
                target = losses if 'loss' in key else \
                    lr if key == 'lr' else None
            else:
                target = metrics
            if target is not None:
                xs, ys = target.setdefault(key, ([], []))
                xs.append(float(step))
                ys.append(float(value))
    return losses, metrics, lr


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def draw_curves(source: Union[str, Path, Sequence[dict]],
                title: Optional[str] = None,
                figsize: Optional[Tuple[float, float]] = None,
                dpi: int = 100) -> np.ndarray:
    """Losses (per iteration), validation metrics (per epoch) and the
    learning rate, one panel each, as an RGB image.

    Args:
        source: path of a ``scalars.json`` or its records.
        title: figure title.
        figsize: inches; ``(5 * panels, 4)`` by default.
        dpi: dots per inch; the image is ``figsize * dpi`` pixels.
    """
    records = load_scalars(source) if isinstance(source, (str, Path)) \
        else list(source)
    losses, metrics, lr = split_curves(records)
    if not losses and not metrics:
        raise ValueError(f'{_name(source)}: no loss or metric values to '
                         'plot')
    epoch_based = any('epoch' in row for row in records)
    panels = [(losses, 'training losses', 'iteration', True)]
    if metrics:
        panels.append((metrics, 'validation metrics',
                       'epoch' if epoch_based else 'iteration', False))
    if lr:
        panels.append((lr, 'learning rate', 'iteration', False))
    panels = [p for p in panels if p[0]]
    fig = new_figure(figsize or (5.0 * len(panels), 4.0), dpi)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (curves, label, xlabel, log_y) in zip(axes, panels):
        for key, (xs, ys) in sorted(curves.items(),
                                    key=lambda kv: kv[0] != 'loss'):
            # markers so that a curve of one point (one epoch) shows up
            ax.plot(xs, ys, marker='o' if len(xs) < 30 else None,
                    markersize=3, linewidth=2 if key == 'loss' else 1,
                    label=key)
        if log_y and all(v > 0 for _, ys in curves.values() for v in ys):
            ax.set_yscale('log')
        ax.set_title(label, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return figure_to_array(fig)


def _name(source) -> str:
    return str(source) if isinstance(source, (str, Path)) else 'records'
