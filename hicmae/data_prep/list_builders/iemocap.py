"""IEMOCAP (Busso et al., 2008; sail.usc.edu/iemocap).

Layout of ``IEMOCAP_full_release``: ``Session1`` .. ``Session5``, each of
one actress and one actor, with per-dialogue videos
``SessionN/dialog/avi/DivX/<dialogue>.avi``, per-utterance wavs
``SessionN/sentences/wav/<dialogue>/<utterance>.wav`` and per-dialogue
label files ``SessionN/dialog/EmoEvaluation/<dialogue>.txt``, where each
utterance has a line ``[START - END]<TAB><utterance><TAB><label><TAB>[V, A,
D]`` (times in seconds from the dialogue's start; labels ang, hap, exc,
sad, neu, fru, fea, sur, dis, oth, xxx) followed by the raters' lines.

There are no per-utterance videos: :mod:`.iemocap_clips` cuts them from the
dialogue videos into ``CLIPS_ROOT/SessionN/<dialogue>/<utterance>.mp4``
(with the utterance wav as audio track); the preprocessing tools then run
on CLIPS_ROOT, and these lists name those clips.

Labels (the usual 4-class setting, our assumption as the authors published
no IEMOCAP list): ang -> anger, hap and exc (excited, merged) ->
happiness, neu -> neutral, sad -> sadness, i.e. 0..3 in the config's
order; the other labels are left out (5,531 utterances remain).

Folds: 5 session-independent folds, fold k tests on session k.
"""
import glob
import os.path as osp
import re
from dataclasses import dataclass
from typing import List, Optional

from .common import (FoldLists, LayoutError, ListBuilder, Report, Sample,
                     speaker_independent_folds)

SESSIONS = tuple(str(i) for i in range(1, 6))
LABELS = {'ang': 'anger', 'hap': 'happiness', 'exc': 'happiness',
          'neu': 'neutral', 'sad': 'sadness'}
UNUSED = ('fru', 'fea', 'sur', 'dis', 'oth', 'xxx')
TURN = re.compile(r'^\[\s*([\d.]+)\s*-\s*([\d.]+)\s*\]\s+(Ses(\d\d)\w*?)'
                  r'\s+(\w+)')
EVAL_GLOB = osp.join('Session*', 'dialog', 'EmoEvaluation', '*.txt')


@dataclass(frozen=True)
class Utterance:
    """One labelled turn of a dialogue."""

    session: str    # '1' .. '5'
    dialogue: str   # e.g. 'Ses01F_impro01'
    name: str       # e.g. 'Ses01F_impro01_F000'
    start: float    # seconds from the dialogue's start
    end: float
    code: str       # IEMOCAP's label, e.g. 'exc'

    @property
    def clip(self) -> str:
        """The cut clip, relative to the clips root."""
        return f'Session{self.session}/{self.dialogue}/{self.name}.mp4'

    def video(self, src_root: str) -> str:
        return osp.join(src_root, f'Session{self.session}', 'dialog', 'avi',
                        'DivX', self.dialogue + '.avi')

    def wav(self, src_root: str) -> str:
        return osp.join(src_root, f'Session{self.session}', 'sentences',
                        'wav', self.dialogue, self.name + '.wav')


def parse_turn(line: str) -> Optional[Utterance]:
    match = TURN.match(line.strip())
    if not match:
        return None
    start, end, name, session, code = match.groups()
    return Utterance(str(int(session)), name.rsplit('_', 1)[0], name,
                     float(start), float(end), code)


def read_utterances(src_root: str, report: Report) -> List[Utterance]:
    """Every utterance of every ``EmoEvaluation/*.txt``, in file order."""
    files = sorted(glob.glob(osp.join(src_root, EVAL_GLOB)))
    if not files:
        raise LayoutError('IEMOCAP: no label files '
                          f'{osp.join(src_root, EVAL_GLOB)}')
    out = []
    for path in files:
        with open(path, errors='replace') as f:
            for line in f:
                utt = parse_turn(line)
                if utt is not None:
                    out.append(utt)
    return out


def usable(utterances: List[Utterance], classes, report: Report
           ) -> List[Utterance]:
    """The utterances with one of the 4 labels (others counted/reported)."""
    keep = []
    for utt in utterances:
        if utt.code in LABELS and LABELS[utt.code] in classes:
            keep.append(utt)
        elif utt.code in UNUSED:
            report.ignore('utterances with other labels (fru, sur, fea, '
                          'dis, oth, xxx)')
        else:
            report.skip(utt.name, f'unknown label {utt.code!r}')
    return keep


class IemocapBuilder(ListBuilder):
    """IEMOCAP's 4-class utterances (cut clips), in 5 session folds."""

    name = 'iemocap'
    config = 'configs/_base_/datasets/emotion/iemocap.py'
    classes = ('anger', 'happiness', 'neutral', 'sadness')
    num_folds = 5

    def collect(self, src_root: str, report: Report) -> List[Sample]:
        samples = []
        for utt in usable(read_utterances(src_root, report), self.classes,
                          report):
            if utt.session not in SESSIONS:
                report.skip(utt.name, 'session outside 1-5')
                continue
            label = self.classes.index(LABELS[utt.code])
            samples.append(Sample(utt.clip, label, utt.session))
        return samples

    def make_folds(self, src_root: str, num_folds: int,
                   report: Report) -> FoldLists:
        return speaker_independent_folds(self.collect(src_root, report),
                                         SESSIONS, num_folds)

    def media_root(self, src_root: str, clips_root: Optional[str]) -> str:
        if not clips_root:
            raise ValueError('IEMOCAP lists name cut utterance clips: give '
                             '--clips-root (where --cut-clips wrote them)')
        return clips_root
