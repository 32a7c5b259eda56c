"""MSP-IMPROV (Busso et al., 2017; ecs.utdallas.edu/research/researchlabs/
msp-lab/MSP-Improv.html).

Layout: six sessions, each of one actress and one actor,
``session1/S01A/P/MSP-IMPROV-S01A-F01-P-FM01.avi`` (any folder under
SRC_ROOT is accepted, matched by file name): sentence and its target
emotion (``S01A``), speaker (``F01``/``M01``; the number is the session),
scenario letter (R, S, T or P: read, improvised or natural interaction)
and turn. The labels are in ``Evaluation.txt`` at the root: for each
utterance a line ``UTD-IMPROV-S01A-F01-P-FM01.avi; A; A:..; V:..; D:.. ;
N:..;`` whose second field is the consensus label (A, H, N, S; O other, X
no agreement), followed by the raters' lines.

Labels: the consensus A anger, H happiness, N neutral, S sadness -> 0..3
(the config's alphabetical order, which matches the authors' lists); O and
X are left out.

Folds: 6 session-independent folds, fold k tests on session k. As in the
authors' lists, each fold also has a ``val`` list, equal to its ``test``
list.
"""
import os
import os.path as osp
import re
from typing import Dict, List

from .common import (FoldLists, LayoutError, ListBuilder, Report, Sample,
                     named_clips, speaker_independent_folds)

SESSIONS = tuple(str(i) for i in range(1, 7))
LABEL_CODES = ('A', 'H', 'N', 'S')
UNUSED_CODES = ('O', 'X')
NAME = re.compile(r'^MSP-IMPROV-S\d\d[A-Z]-([FM])(\d\d)-[A-Z]-[A-Z0-9]+$')
EVAL_LINE = re.compile(r'^(?:UTD|MSP)-IMPROV-([A-Z0-9-]+)\.\w+$')


def find_evaluation(src_root: str) -> str:
    """``Evaluation.txt`` at the root, else the first one below it."""
    default = osp.join(src_root, 'Evaluation.txt')
    if osp.isfile(default):
        return default
    for folder, dirs, files in os.walk(src_root):
        dirs.sort()
        if 'Evaluation.txt' in files:
            return osp.join(folder, 'Evaluation.txt')
    raise LayoutError(f'MSP-IMPROV: no label file {default}')


def read_evaluation(path: str, report: Report) -> Dict[str, str]:
    """``{'MSP-IMPROV-<utterance>': consensus letter}``."""
    labels = {}
    with open(path, errors='replace') as f:
        for lineno, line in enumerate(f, 1):
            fields = [p.strip() for p in line.split(';')]
            match = EVAL_LINE.match(fields[0])
            if not match:
                continue  # a rater's line or a blank one
            if len(fields) < 2 or not fields[1]:
                report.skip(f'{path}:{lineno}', 'utterance line without '
                            'a consensus label')
                continue
            labels['MSP-IMPROV-' + match.group(1)] = fields[1]
    if not labels:
        raise LayoutError(f'MSP-IMPROV: {path} holds no utterance line '
                          '(like "UTD-IMPROV-S01A-F01-P-FM01.avi; A; ...")')
    return labels


class MspImprovBuilder(ListBuilder):
    """MSP-IMPROV's 4-class utterances, in 6 session folds."""

    name = 'msp_improv'
    config = 'configs/_base_/datasets/emotion/msp_improv.py'
    classes = ('anger', 'happiness', 'neutral', 'sadness')
    num_folds = 6

    def collect(self, src_root: str, report: Report) -> List[Sample]:
        labels = read_evaluation(find_evaluation(src_root), report)
        samples, seen = [], set()
        for name, path, where, match in named_clips(
                src_root, report, NAME, 'an MSP-IMPROV clip name (expected '
                'like MSP-IMPROV-S01A-F01-P-FM01)'):
            seen.add(name)
            session = str(int(match.group(2)))
            code = labels.get(name)
            if code is None:
                report.skip(where, 'no utterance line in Evaluation.txt')
            elif code in UNUSED_CODES:
                report.ignore('utterances labelled other (O) or without '
                              'agreement (X)')
            elif code not in LABEL_CODES:
                report.skip(where, f'unknown consensus label {code!r}')
            elif session not in SESSIONS:
                report.skip(where, f'speaker number {match.group(2)} '
                            'outside sessions 1-6')
            else:
                samples.append(Sample(path, LABEL_CODES.index(code),
                                      session))
        lost = sorted(n for n, c in labels.items()
                      if c in LABEL_CODES and n not in seen)
        for name in lost:
            report.skip(name, 'labelled in Evaluation.txt but no video '
                        'of that name')
        return samples

    def make_folds(self, src_root: str, num_folds: int,
                   report: Report) -> FoldLists:
        return speaker_independent_folds(self.collect(src_root, report),
                                         SESSIONS, num_folds, with_val=True)
