"""MAFW (Liu et al., ACM MM 2022; mafw-database.github.io/MAFW).

Layout (assumed from the release and the authors' preprocessing script):
the clips ``data/clips/NNNNN.mp4`` (10,045 of them; any folder under
SRC_ROOT is accepted, matched by file name) and the official
single-label splits ``Train & Test Set/single/no_caption/set_K/train.txt``
and ``test.txt`` (K = 1..5), one ``NNNNN.mp4 <emotion>`` per line, where
``<emotion>`` is one of the 11 single-label names. If that folder is
elsewhere, the first ``single/no_caption`` folder under SRC_ROOT is used.

Labels: the authors' order anger, disgust, fear, happiness, neutral,
sadness, surprise, contempt, anxiety, helplessness, disappointment -> 0..10
(the config's list).

Folds: the 5 official sets, unchanged. Clips with no audio track (21 in
the authors' count) drop out when extract_audio.py cannot make their wav.
"""
import os
import os.path as osp
from typing import Dict, List, Tuple

from .common import (FoldLists, LayoutError, ListBuilder, Report, find_files,
                     index_by_stem, report_unmatched, split_samples)

SPLIT_DIR = osp.join('Train & Test Set', 'single', 'no_caption')


def find_split_dir(src_root: str) -> str:
    """The folder holding ``set_1`` .. ``set_5`` of the single-label split."""
    default = osp.join(src_root, SPLIT_DIR)
    if osp.isdir(default):
        return default
    for folder, dirs, _ in os.walk(src_root):
        dirs.sort()
        if folder.replace(os.sep, '/').endswith('single/no_caption'):
            return folder
    raise LayoutError(f'MAFW: no split folder {default} (nor any '
                      f'single/no_caption folder under {src_root})')


def read_split_file(path: str, classes: Tuple[str, ...],
                    report: Report) -> List[Tuple[str, int]]:
    """``[(clip name without extension, label)]`` of one set file."""
    if not osp.isfile(path):
        raise LayoutError(f'MAFW: no split file {path}')
    rows = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            where = f'{path}:{lineno}'
            if len(parts) < 2:
                report.skip(where, f'expected "<clip> <emotion>", got '
                            f'{line.strip()!r}')
                continue
            emotion = parts[1].lower()
            if emotion not in classes:
                report.skip(where, f'unknown emotion {parts[1]!r}')
                continue
            rows.append((osp.splitext(parts[0])[0], classes.index(emotion)))
    return rows


class MafwBuilder(ListBuilder):
    """MAFW's single-label clips in its 5 official folds."""

    name = 'mafw'
    config = 'configs/_base_/datasets/emotion/mafw.py'
    classes = ('anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness',
               'surprise', 'contempt', 'anxiety', 'helplessness',
               'disappointment')
    num_folds = 5
    official_folds = True

    def make_folds(self, src_root: str, num_folds: int,
                   report: Report) -> FoldLists:
        split_dir = find_split_dir(src_root)
        videos = index_by_stem(find_files(src_root), report, src_root)
        if not videos:
            raise LayoutError(f'MAFW: no video files under {src_root}')
        unmatched: Dict[str, str] = {}
        folds: FoldLists = {}
        for k in range(1, num_folds + 1):
            folds[k] = {}
            for split in ('train', 'test'):
                path = osp.join(split_dir, f'set_{k}', f'{split}.txt')
                folds[k][split] = split_samples(
                    read_split_file(path, self.classes, report), videos,
                    path, unmatched)
        report_unmatched(report, unmatched, 'name')
        return folds
