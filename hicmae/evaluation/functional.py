"""NumPy implementations of the emotion-recognition metrics.

Classification metrics take integer label arrays ``pred`` and ``gt`` of the
same length; regression metrics take 1-D float arrays. All return plain
Python floats (fractions, not percentages) so callers decide the scale.
"""
from typing import Hashable, List, Optional, Sequence, Tuple

import numpy as np


def _labels(pred, gt) -> Tuple[np.ndarray, np.ndarray]:
    pred = np.asarray(pred).reshape(-1).astype(np.int64)
    gt = np.asarray(gt).reshape(-1).astype(np.int64)
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt differ in length: {pred.size} vs '
                         f'{gt.size}')
    if gt.size == 0:
        raise ValueError('cannot compute a metric of zero samples')
    return pred, gt


def _values(pred, gt) -> Tuple[np.ndarray, np.ndarray]:
    # float64: CCC/PCC on long float32 series lose digits in the sums
    pred = np.asarray(pred, dtype=np.float64).reshape(-1)
    gt = np.asarray(gt, dtype=np.float64).reshape(-1)
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt differ in length: {pred.size} vs '
                         f'{gt.size}')
    if gt.size == 0:
        raise ValueError('cannot compute a metric of zero samples')
    return pred, gt


def confusion_matrix(pred, gt, num_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as ``j``.

    Returns an int64 ``(num_classes, num_classes)`` array; labels outside
    ``[0, num_classes)`` raise ``ValueError``.
    """
    pred, gt = _labels(pred, gt)
    for name, arr in (('pred', pred), ('gt', gt)):
        if arr.min() < 0 or arr.max() >= num_classes:
            raise ValueError(f'{name} holds labels outside [0, '
                             f'{num_classes})')
    flat = gt * num_classes + pred
    return np.bincount(flat, minlength=num_classes ** 2).reshape(
        num_classes, num_classes)


def war(pred, gt) -> float:
    """Weighted average recall: per-class recall weighted by class support,
    which equals plain accuracy."""
    pred, gt = _labels(pred, gt)
    return float(np.mean(pred == gt))


def per_class_recall(pred, gt, num_classes: int) -> np.ndarray:
    """Recall of every class; ``nan`` for classes absent from ``gt``."""
    cm = confusion_matrix(pred, gt, num_classes)
    support = cm.sum(axis=1)
    recall = np.full(num_classes, np.nan)
    present = support > 0
    recall[present] = np.diag(cm)[present] / support[present]
    return recall


def uar(pred, gt, num_classes: int) -> float:
    """Unweighted average recall: the mean recall over the classes present
    in ``gt`` (a class nobody belongs to has no defined recall)."""
    recall = per_class_recall(pred, gt, num_classes)
    return float(np.nanmean(recall))


def f1_scores(pred, gt, num_classes: int) -> Tuple[float, float]:
    """``(weighted_f1, macro_f1)`` as scikit-learn's ``f1_score`` with
    ``average='weighted'`` / ``'macro'`` and ``zero_division=0``.

    As in scikit-learn's default ``labels``, the macro mean runs over the
    classes that occur in ``gt`` or ``pred``; the weighted mean weights each
    class by its support in ``gt``. A class with no true positive scores 0.
    """
    cm = confusion_matrix(pred, gt, num_classes)
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1)  # true count of each class
    predicted = cm.sum(axis=0)
    # 2TP / (2TP + FP + FN) == 2PR / (P + R), without the 0/0 cases
    denom = support + predicted
    seen = denom > 0
    f1 = np.zeros(num_classes)
    f1[seen] = 2.0 * tp[seen] / denom[seen]
    macro = float(f1[seen].mean())
    weighted = float((f1 * support).sum() / support.sum())
    return weighted, macro


def ccc(pred, gt) -> float:
    """Lin's concordance correlation coefficient with unbiased (n - 1)
    variances and covariance, as the authors compute it (``np.cov``):
    ``2 cov / (var_p + var_g + (mean_p - mean_g)^2)``.

    Two identical constant series score 1 (the only case of a zero
    denominator); a constant prediction of a varying target scores 0. A
    single value has no unbiased variance: population moments then.
    """
    pred, gt = _values(pred, gt)
    ddof = 1 if pred.size > 1 else 0
    mp, mg = pred.mean(), gt.mean()
    cov = np.sum((pred - mp) * (gt - mg)) / (pred.size - ddof)
    denom = pred.var(ddof=ddof) + gt.var(ddof=ddof) + (mp - mg) ** 2
    if denom == 0:
        return 1.0
    return float(2.0 * cov / denom)


def pcc(pred, gt) -> float:
    """Pearson correlation coefficient.

    Undefined when either series is constant; returns 0 then (rather than
    ``nan``) so that best-checkpoint selection keeps comparing numbers.
    """
    pred, gt = _values(pred, gt)
    dp, dg = pred - pred.mean(), gt - gt.mean()
    norm = np.sqrt((dp ** 2).sum() * (dg ** 2).sum())
    if norm == 0:
        return 0.0
    # clip: rounding can push |r| of exact lines a hair above 1
    return float(np.clip((dp * dg).sum() / norm, -1.0, 1.0))


def mse(pred, gt) -> float:
    """Mean squared error."""
    pred, gt = _values(pred, gt)
    return float(np.mean((pred - gt) ** 2))


def group_ids(keys: Sequence[Optional[Hashable]]
              ) -> Tuple[np.ndarray, np.ndarray]:
    """Number the distinct keys by first appearance.

    ``None`` keys never merge: such a row is a group of its own.

    Returns:
        ``(ids, first)``: the group id of every row and, per group, the
        index of its first row (e.g. to read the group's target).
    """
    ids = np.empty(len(keys), dtype=np.int64)
    index: dict = {}
    first: List[int] = []
    for row, key in enumerate(keys):
        # tag keys so a None row cannot collide with a real key
        tagged = ('row', row) if key is None else ('key', key)
        gid = index.setdefault(tagged, len(first))
        if gid == len(first):
            first.append(row)
        ids[row] = gid
    return ids, np.asarray(first, dtype=np.int64)


def group_mean(values, ids: np.ndarray) -> np.ndarray:
    """Mean of the rows of ``values`` per group id (ids ``0..G-1``, as
    :func:`group_ids` returns them); a ``(G, ...)`` float64 array."""
    values = np.asarray(values, dtype=np.float64)
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) != len(values):
        raise ValueError(f'{len(values)} rows but {len(ids)} group ids')
    num = int(ids.max()) + 1 if len(ids) else 0
    sums = np.zeros((num,) + values.shape[1:])
    np.add.at(sums, ids, values)
    counts = np.bincount(ids, minlength=num).astype(np.float64)
    return sums / counts.reshape((-1,) + (1,) * (values.ndim - 1))
