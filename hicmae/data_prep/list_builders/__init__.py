"""List-file builders for the benchmarks' original folder layouts.

``BUILDERS[name]`` knows one dataset's file names, label files and folds;
``tools/data/build_lists.py`` drives them. The emotion builders return
fold lists (:data:`~.common.FoldLists`) that :func:`~.common.write_fold_lists`
writes as ``split{fold:02d}_{split}.csv``, the files the configs in
``configs/_base_/datasets/emotion/`` read; VoxCeleb2's builder writes the
pre-training list.
"""
from typing import Dict, Union

from .common import (FoldLists, LayoutError, ListBuilder, MediaPaths, Report,
                     Sample, count_table, group_folds, keep_available,
                     list_name, speaker_independent_folds, write_fold_lists)
from .crema_d import CremaDBuilder
from .dfew import DfewBuilder
from .iemocap import IemocapBuilder
from .mafw import MafwBuilder
from .msp_improv import MspImprovBuilder
from .ravdess import RavdessBuilder
from .voxceleb2 import VoxCeleb2Builder

BUILDERS: Dict[str, Union[ListBuilder, VoxCeleb2Builder]] = {
    b.name: b for b in (CremaDBuilder(), RavdessBuilder(), MafwBuilder(),
                        DfewBuilder(), MspImprovBuilder(), IemocapBuilder(),
                        VoxCeleb2Builder())
}

__all__ = [
    'BUILDERS', 'CremaDBuilder', 'DfewBuilder', 'FoldLists', 'IemocapBuilder',
    'LayoutError', 'ListBuilder', 'MafwBuilder', 'MediaPaths',
    'MspImprovBuilder', 'RavdessBuilder', 'Report', 'Sample',
    'VoxCeleb2Builder', 'count_table', 'group_folds', 'keep_available',
    'list_name', 'speaker_independent_folds', 'write_fold_lists'
]
