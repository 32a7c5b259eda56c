"""Checks of a list file made before training starts.

A skip-mode dataset drops the lines it cannot use one by one, with a
warning each: a list written for another class count then loses whole
classes quietly, and a list whose every entry is broken ends in a data
worker's traceback after the first batch. :func:`check_list_file` reads the
list once, cheaply (no decoding), and stops such lists with one line.
"""
import os.path as osp
from typing import List, Mapping, Optional, Tuple

from mmengine.fileio import get_text


class ListFileError(ValueError):
    """A list file that cannot train the model; the message names the
    file (and line) and the reason."""


def _list_lines(dataset) -> List[Tuple[int, List[str]]]:
    text = get_text(dataset.ann_file)
    return [(n, line.split()) for n, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith('#')]


def check_labels(dataset, num_classes: int,
                 lines: List[Tuple[int, List[str]]],
                 whole_list: bool = True) -> None:
    """Every class index within the head's ``num_classes``; with
    ``whole_list``, the list's own class count (highest index + 1) equal
    to it as well."""
    labels = []
    for lineno, parts in lines:
        if len(parts) != 3:
            continue  # malformed: counted among the bad entries
        try:
            labels.append((lineno, int(parts[2])))
        except ValueError:
            continue
    if not labels:
        return
    list_count = max(label for _, label in labels) + 1
    names = dataset.metainfo.get('classes')
    named = f', {len(names)} class names in metainfo' if names else ''
    for lineno, label in labels:
        if not 0 <= label < num_classes:
            raise ListFileError(
                f'{dataset.ann_file}:{lineno}: label {label} is outside the '
                f'model\'s classes: the list has {list_count} classes '
                f'(labels 0-{list_count - 1}), model.head.num_classes is '
                f'{num_classes}{named}')
    if whole_list and list_count != num_classes:
        raise ListFileError(
            f'{dataset.ann_file}: the list has {list_count} classes (labels '
            f'0-{list_count - 1}), model.head.num_classes is {num_classes}'
            f'{named}; the classes above {list_count - 1} would never be '
            'trained: fix the list or the class count')


def bad_entry_reason(dataset, parts: List[str]) -> Optional[str]:
    """Why a list line cannot be used (cheap checks only), or ``None``."""
    try:
        info = dataset.parse_line(parts, '')
    except ValueError as err:
        return f'malformed line ({err})'
    for key, what in (('filename', 'video'), ('audio_filename', 'audio')):
        path = info.get(key)
        if path and '://' not in path and not osp.exists(path):
            return f'{what} {path} not found'
    return None


def check_entries(dataset, lines: List[Tuple[int, List[str]]],
                  max_entries: int = 200, max_reasons: int = 3) -> None:
    """Stop when every one of the first ``max_entries`` entries is bad."""
    checked = lines[:max_entries]
    reasons = []
    for lineno, parts in checked:
        reason = bad_entry_reason(dataset, parts)
        if reason is None:
            return
        reasons.append(f'line {lineno}: {reason}')
    if not checked:
        raise ListFileError(f'{dataset.ann_file} holds no entries')
    first = '; '.join(reasons[:max_reasons])
    raise ListFileError(
        f'{dataset.ann_file}: all {len(checked)} entries checked are bad '
        f'(data_root={dataset.data_root!r}), e.g. {first}')


def list_dataset_class(dataset_cfg: Mapping) -> Optional[type]:
    """The :class:`AVBaseDataset` kind a dataset config builds, when it
    names a list file; ``None`` for other datasets (and unknown types,
    which the build names)."""
    from hicmae.registry import DATASETS
    from .av_base_dataset import AVBaseDataset
    type_ = dataset_cfg.get('type')
    try:
        cls = DATASETS.get(type_) if isinstance(type_, str) else type_
    except Exception:  # an unknown type: the build names it
        return None
    if not isinstance(cls, type) or not issubclass(cls, AVBaseDataset) or \
            not dataset_cfg.get('ann_file'):
        return None
    return cls


def check_list_file(dataset_cfg: Mapping, num_classes: Optional[int] = None,
                    whole_list: bool = True) -> None:
    """Check the list of a list dataset config (``AVEmotionDataset`` and
    the other :class:`AVBaseDataset` kinds; other datasets are left
    alone) against the head's ``num_classes`` (class lists only).

    Raises :class:`ListFileError` with the file, line and both counts for
    a label outside the classes or (``whole_list``) a list with another
    class count, and with the list, the number of entries checked and the
    first reasons when every entry checked is bad.
    """
    if list_dataset_class(dataset_cfg) is None:
        return
    from hicmae.registry import DATASETS
    cfg = dict(dataset_cfg, pipeline=[], lazy_init=True,
               on_bad_sample='skip')
    dataset = DATASETS.build(cfg)
    try:
        lines = _list_lines(dataset)
    except FileNotFoundError:
        return  # named by the dataset when it is built

    if num_classes and getattr(dataset, 'task', None) == 'classification':
        check_labels(dataset, int(num_classes), lines, whole_list)
    # labels were checked above: the entries are judged on their files
    check_entries(dataset, lines)
