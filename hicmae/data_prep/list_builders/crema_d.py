"""CREMA-D (Cao et al., 2014; github.com/CheyneyComputerScience/CREMA-D).

Layout: 7,442 clips of 91 actors (ids 1001-1091), ``VideoFlash/*.flv`` in
the original repository (any folder under SRC_ROOT and any video extension
are accepted, e.g. an mp4 conversion). A file name
``1001_DFA_ANG_XX.flv`` holds actor, sentence code, emotion code and
intensity (LO/MD/HI, XX = unspecified).

Labels: the emotion code, in the authors' order ANG, DIS, FEA, HAP, NEU,
SAD -> 0..5 (the config's anger, disgust, fear, happy, neutral, sad).

Folds: 5 speaker-independent folds over the actor ids in order, 18 actors
per fold and 19 in the last (fold 1 tests on 1001-1018, fold 5 on
1073-1091), as in the authors' lists. Four clips the dataset's README
reports as broken are left out, as the authors did.
"""
import re
from typing import List

from .common import (FoldLists, ListBuilder, Report, Sample, named_clips,
                     speaker_independent_folds)

EMOTION_CODES = ('ANG', 'DIS', 'FEA', 'HAP', 'NEU', 'SAD')
ACTORS = tuple(str(i) for i in range(1001, 1092))
BROKEN = frozenset({'1076_MTI_NEU_XX', '1076_MTI_SAD_XX', '1064_TIE_SAD_XX',
                    '1064_IEO_DIS_MD'})
NAME = re.compile(r'^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})$')


class CremaDBuilder(ListBuilder):
    """CREMA-D's clips from their file names, in 5 actor folds."""

    name = 'crema_d'
    config = 'configs/_base_/datasets/emotion/crema_d.py'
    classes = ('anger', 'disgust', 'fear', 'happy', 'neutral', 'sad')
    num_folds = 5

    def collect(self, src_root: str, report: Report) -> List[Sample]:
        samples = []
        for name, path, where, match in named_clips(
                src_root, report, NAME,
                'a CREMA-D clip name (expected like 1001_DFA_ANG_XX)'):
            actor, _, emotion, _ = match.groups()
            if emotion not in EMOTION_CODES:
                report.skip(where, f'unknown emotion code {emotion!r} '
                            f'(expected one of {", ".join(EMOTION_CODES)})')
            elif actor not in ACTORS:
                report.skip(where, f'actor id {actor} outside 1001-1091')
            elif name in BROKEN:
                report.ignore('clips CREMA-D reports as broken')
            else:
                samples.append(Sample(path, EMOTION_CODES.index(emotion),
                                      actor))
        return samples

    def make_folds(self, src_root: str, num_folds: int,
                   report: Report) -> FoldLists:
        return speaker_independent_folds(self.collect(src_root, report),
                                         ACTORS, num_folds)
