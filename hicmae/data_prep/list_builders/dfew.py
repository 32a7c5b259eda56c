"""DFEW (Jiang et al., ACM MM 2020; dfew-dataset.github.io).

Layout (assumed from the release and the authors' preprocessing script):
the 16,372 original movie clips as video files named by their number
(``Clip/original/...``, e.g. ``00001.mp4`` or ``1.mp4``; any folder under
SRC_ROOT is accepted; the released frame folders carry no audio and are
not used), and the official single-label splits
``EmoLabel_DataSplit/train(single-labeled)/set_K.csv`` and
``test(single-labeled)/set_K.csv`` (K = 1..5): CSV with a header naming the
columns ``video_name`` (the clip number) and ``label`` (1-7).

Labels: DFEW's own order 1 happy, 2 sad, 3 neutral, 4 angry, 5 surprise,
6 disgust, 7 fear, minus one -> 0..6 (the config's list).

Folds: the 5 official sets, unchanged.
"""
import csv
import os.path as osp
from typing import Dict, List, Optional, Tuple

from .common import (FoldLists, LayoutError, ListBuilder, Report, find_files,
                     index_by_stem, report_unmatched, split_samples)

SPLIT_DIR = 'EmoLabel_DataSplit'


def clip_number(stem: str) -> Optional[int]:
    return int(stem) if stem.isdigit() else None


def read_split_csv(path: str, num_classes: int,
                   report: Report) -> List[Tuple[int, int]]:
    """``[(clip number, label index)]`` of one set file."""
    if not osp.isfile(path):
        raise LayoutError(f'DFEW: no split file {path}')
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        fields = [c.strip() for c in reader.fieldnames or []]
        if 'video_name' not in fields or 'label' not in fields:
            raise LayoutError(f'DFEW: {path} has columns {fields}; expected '
                              'a header with video_name and label')
        reader.fieldnames = fields
        rows = []
        for lineno, row in enumerate(reader, 2):
            where = f'{path}:{lineno}'
            name, label = row['video_name'], row['label']
            number = clip_number(osp.splitext(name.strip())[0])
            try:
                index = int(float(label)) - 1
            except (TypeError, ValueError):
                index = -1
            if number is None:
                report.skip(where, f'clip name {name!r} is not a number')
            elif not 0 <= index < num_classes:
                report.skip(where, f'label {label!r} outside 1-{num_classes}')
            else:
                rows.append((number, index))
    return rows


class DfewBuilder(ListBuilder):
    """DFEW's single-label clips in its 5 official folds."""

    name = 'dfew'
    config = 'configs/_base_/datasets/emotion/dfew.py'
    classes = ('happy', 'sad', 'neutral', 'angry', 'surprise', 'disgust',
               'fear')
    num_folds = 5
    official_folds = True

    def make_folds(self, src_root: str, num_folds: int,
                   report: Report) -> FoldLists:
        split_dir = osp.join(src_root, SPLIT_DIR)
        if not osp.isdir(split_dir):
            raise LayoutError(f'DFEW: no split folder {split_dir}')
        found = find_files(src_root)
        for path in found:
            where = osp.join(src_root, path)
            if clip_number(osp.splitext(osp.basename(path))[0]) is None:
                report.skip(where, 'not a DFEW clip name (a number)')
        videos = index_by_stem(found, report, src_root,
                               key=clip_number)
        if not videos:
            raise LayoutError(f'DFEW: no video file named by a number '
                              f'under {src_root}')
        unmatched: Dict[int, str] = {}
        folds: FoldLists = {}
        for k in range(1, num_folds + 1):
            folds[k] = {}
            for split in ('train', 'test'):
                path = osp.join(split_dir, f'{split}(single-labeled)',
                                f'set_{k}.csv')
                folds[k][split] = split_samples(
                    read_split_csv(path, len(self.classes), report),
                    videos, path, unmatched)
        report_unmatched(report, unmatched, 'number')
        return folds
