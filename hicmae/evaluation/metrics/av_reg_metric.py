"""Dimensional emotion regression metric with test-time view averaging."""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from hicmae.evaluation import functional as F
from hicmae.registry import METRICS
from .av_cls_metric import merge_views, require_field, to_numpy, view_key

_SCORES = (('CCC', F.ccc), ('PCC', F.pcc), ('MSE', F.mse))


@METRICS.register_module()
class AVRegMetric(BaseMetric):
    """Regression metrics per target dimension over whole videos.

    Reports ``CCC_<name>``, ``PCC_<name>``, ``MSE_<name>`` for every target
    dimension and their means ``CCC``, ``PCC``, ``MSE``. In multi-view
    testing the ``pred_value`` of all views sharing a ``video_idx`` is
    averaged first, so a video counts once.

    Args:
        names: one name per target dimension; ``None`` names them
            ``target_0``, ``target_1``, ...
        average_views: average the views of a video (``video_idx``); with
            ``False`` every view is scored on its own.
        collect_device, prefix, collect_dir: as in MMEngine's
            ``BaseMetric``.
    """

    # '' rather than None: plain keys, without BaseMetric's no-prefix
    # warning on every build
    default_prefix: Optional[str] = ''

    def __init__(self, names: Optional[Sequence[str]] = ('arousal',
                                                          'valence'),
                 average_views: bool = True, collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix,
                         collect_dir=collect_dir)
        self.names = None if names is None else tuple(names)
        if self.names is not None and len(set(self.names)) != len(
                self.names):
            raise ValueError(f'target names must be unique: {self.names}')
        self.average_views = average_views

    def process(self, data_batch: Any, data_samples: Sequence) -> None:
        """Keep prediction, target and video id of every sample (one result
        per sample, so ``collect_results`` can drop padding)."""
        name = type(self).__name__
        for sample in data_samples:
            pred = to_numpy(require_field(sample, 'pred_value', name))
            gt = to_numpy(require_field(sample, 'gt_value', name))
            self.results.append(dict(
                pred=pred.astype(np.float32).reshape(-1),
                gt=gt.astype(np.float32).reshape(-1),
                video_idx=view_key(sample)))

    def _target_names(self, dims: int) -> Sequence[str]:
        if self.names is None:
            return [f'target_{i}' for i in range(dims)]
        if len(self.names) != dims:
            raise ValueError(f'{dims} target dimensions but names='
                             f'{self.names}')
        return self.names

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Merge views into videos, then score each target dimension."""
        if not results:
            raise ValueError(f'{type(self).__name__} got no results')
        preds, gts = merge_views(results, self.average_views)
        if preds.shape != gts.shape:
            raise ValueError(f'pred_value has {preds.shape[1]} dimensions, '
                             f'gt_value {gts.shape[1]}')
        names = self._target_names(preds.shape[1])
        metrics: Dict[str, float] = {}
        for key, fn in _SCORES:
            per_dim = [fn(preds[:, d], gts[:, d]) for d in range(len(names))]
            metrics.update({f'{key}_{n}': v for n, v in zip(names, per_dim)})
            metrics[key] = float(np.mean(per_dim))
        return metrics
