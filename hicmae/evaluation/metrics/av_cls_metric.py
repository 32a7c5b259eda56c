"""Emotion classification metric with test-time view averaging."""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from hicmae.evaluation import functional as F
from hicmae.registry import METRICS


def sample_field(sample: Any, key: str, default: Any = None) -> Any:
    """Read ``key`` of a data sample given as a dict (what MMEngine's
    ``Evaluator`` passes) or as a ``BaseDataElement``; both expose meta
    information such as ``video_idx`` next to the data fields."""
    return sample.get(key, default)


def to_numpy(value: Any) -> np.ndarray:
    """A CPU numpy copy of a tensor, array or number."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def view_key(sample: Any) -> Optional[int]:
    """The source-video id of a test view, or ``None`` outside multi-view
    testing (the sample is then a video of its own)."""
    idx = sample_field(sample, 'video_idx')
    return None if idx is None else int(idx)


def merge_views(results: Sequence[dict], average: bool = True
                ) -> Tuple[np.ndarray, np.ndarray]:
    """Average ``pred`` per video over the results' views.

    Each result holds ``pred`` (array), ``gt`` and ``video_idx``. With
    ``average=False`` every result counts as one video.

    Returns:
        ``(preds, gts)`` with one row per video, in order of first view.

    Raises:
        ValueError: if the views of one video disagree on the target, a
        sign of ``video_idx`` collisions (e.g. concatenated test sets).
    """
    preds = np.stack([np.asarray(r['pred'], np.float64).reshape(-1)
                      for r in results])
    gts = np.stack([np.asarray(r['gt']).reshape(-1) for r in results])
    keys = [r['video_idx'] if average else None for r in results]
    ids, first = F.group_ids(keys)
    video_gts = gts[first]
    if len(first) < len(results):
        same = np.isclose(gts, video_gts[ids]).all(axis=1)
        if not same.all():
            bad = keys[int(np.argmin(same))]
            raise ValueError(f'the views of video_idx={bad} have different '
                             'targets; are video indices unique?')
    return F.group_mean(preds, ids), video_gts


def require_field(sample: Any, key: str, metric: str) -> Any:
    """``sample_field`` that raises ``KeyError`` naming ``metric`` when the
    field is missing."""
    value = sample_field(sample, key)
    if value is None:
        raise KeyError(f'{metric} needs "{key}" in every data sample')
    return value


@METRICS.register_module()
class AVClsMetric(BaseMetric):
    """Emotion classification metrics over whole videos.

    Reports, in percent: ``WAR`` (accuracy), ``UAR`` (mean recall over the
    classes present), ``weighted_F1`` and ``macro_F1``; optionally
    ``per_class_recall`` (``nan`` for classes absent from the targets) and
    the ``confusion_matrix`` (rows true, columns predicted) as lists.

    In multi-view testing the ``pred_score`` of all views that share a
    ``video_idx`` is averaged before the argmax, so a video counts once.

    Args:
        num_classes: number of classes; by default the length of
            ``dataset_meta['classes']``, else the width of the scores (or
            the largest label + 1 if larger).
        average_views: average the views of a video (``video_idx``); with
            ``False`` every view is scored on its own.
        with_per_class: add ``per_class_recall``.
        with_confusion: add ``confusion_matrix`` (off by default so the
            logged metrics stay scalar).
        collect_device, prefix, collect_dir: as in MMEngine's
            ``BaseMetric``.
    """

    # '' rather than None: plain keys, without BaseMetric's no-prefix
    # warning on every build
    default_prefix: Optional[str] = ''

    def __init__(self, num_classes: Optional[int] = None,
                 average_views: bool = True, with_per_class: bool = False,
                 with_confusion: bool = False, collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix,
                         collect_dir=collect_dir)
        if num_classes is not None and num_classes < 1:
            raise ValueError(f'num_classes must be positive, got '
                             f'{num_classes}')
        self.num_classes = num_classes
        self.average_views = average_views
        self.with_per_class = with_per_class
        self.with_confusion = with_confusion

    def process(self, data_batch: Any, data_samples: Sequence) -> None:
        """Keep score, label and video id of every sample.

        One result per sample (not per batch): ``collect_results`` drops
        the sampler's padding by truncating the list to the dataset size.
        """
        name = type(self).__name__
        for sample in data_samples:
            score = to_numpy(require_field(sample, 'pred_score', name))
            gt = to_numpy(require_field(sample, 'gt_label', name))
            self.results.append(dict(
                pred=score.astype(np.float32).reshape(-1),
                gt=int(gt.reshape(-1)[0]), video_idx=view_key(sample)))

    def _resolve_num_classes(self, width: int, max_gt: int) -> int:
        if self.num_classes is not None:
            num = self.num_classes
        elif self.dataset_meta and self.dataset_meta.get('classes'):
            num = len(self.dataset_meta['classes'])
        else:
            return max(width, max_gt + 1)
        if width != num:
            raise ValueError(f'pred_score has {width} classes, expected '
                             f'{num}')
        if max_gt >= num:
            raise ValueError(f'gt_label {max_gt} is out of range for {num} '
                             'classes')
        return num

    def compute_metrics(self, results: List[dict]) -> Dict[str, Any]:
        """Merge views into videos, then score the videos."""
        if not results:
            raise ValueError(f'{type(self).__name__} got no results')
        scores, gts = merge_views(results, self.average_views)
        gt = gts[:, 0].astype(np.int64)
        num = self._resolve_num_classes(scores.shape[1], int(gt.max()))
        pred = scores.argmax(axis=1)
        weighted_f1, macro_f1 = F.f1_scores(pred, gt, num)
        metrics: Dict[str, Any] = dict(
            WAR=100.0 * F.war(pred, gt),
            UAR=100.0 * F.uar(pred, gt, num),
            weighted_F1=100.0 * weighted_f1,
            macro_F1=100.0 * macro_f1)
        if self.with_per_class:
            recall = F.per_class_recall(pred, gt, num)
            metrics['per_class_recall'] = [100.0 * float(r) for r in recall]
        if self.with_confusion:
            metrics['confusion_matrix'] = F.confusion_matrix(
                pred, gt, num).tolist()
        return metrics
