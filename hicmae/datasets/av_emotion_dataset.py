"""Labelled clips in the authors' list format."""
from typing import List, Optional, Sequence

from hicmae.registry import DATASETS
from .av_base_dataset import AVBaseDataset, parse_label


@DATASETS.register_module()
class AVEmotionDataset(AVBaseDataset):
    """``<video> <audio> <label>`` per line (the authors' split files).

    ``<video>`` is a frame folder or a video file, ``<audio>`` a ``.wav`` (or
    any file with an audio track). Classification lists carry one class
    index; regression lists (``task='regression'``) carry
    ``num_targets`` float values (e.g. arousal, valence, dominance).
    Class names come from ``metainfo=dict(classes=[...])``; labels outside
    them are malformed lines.

    Args:
        task: ``'classification'`` or ``'regression'``.
        num_targets: values per line for regression (``None``: any, the
            same on every line).
        Remaining arguments: see :class:`AVBaseDataset`.
    """

    METAINFO = dict(classes=None)

    def __init__(self, ann_file: str, task: str = 'classification',
                 num_targets: Optional[int] = None, **kwargs) -> None:
        if task not in ('classification', 'regression'):
            raise ValueError("task must be 'classification' or "
                             f"'regression', got {task!r}")
        self.task = task
        self.num_targets = num_targets
        super().__init__(ann_file=ann_file, **kwargs)

    def parse_line(self, parts: List[str], where: str) -> dict:
        if len(parts) < 3:
            raise ValueError(f'expected "<video> <audio> <label...>", got '
                             f'{len(parts)} field(s)')
        info = dict(filename=self.resolve(parts[0]),
                    audio_filename=self.resolve(parts[1]))
        if self.task == 'classification':
            if len(parts) != 3:
                raise ValueError(f'expected one class index, got '
                                 f'{len(parts) - 2} values')
            label = parse_label(parts[2], where)
            classes: Optional[Sequence] = self._metainfo.get('classes')
            if label < 0 or (classes and label >= len(classes)):
                raise ValueError(f'label {label} outside the '
                                 f'{len(classes) if classes else "?"} '
                                 'classes')
            info['gt_label'] = label
        else:
            values = [parse_label(v, where, float) for v in parts[2:]]
            if self.num_targets is None:
                self.num_targets = len(values)
            if len(values) != self.num_targets:
                raise ValueError(f'expected {self.num_targets} target '
                                 f'values, got {len(values)}')
            info['gt_value'] = values
        return info
