"""RAVDESS (Livingstone & Russo, 2018; zenodo.org/record/1188976).

Layout: ``Video_Speech_Actor_XX.zip`` unpack to ``Actor_XX/*.mp4`` (any
folder under SRC_ROOT is accepted). A name ``MM-VV-EE-II-SS-RR-AA.mp4`` is
seven two-digit fields: modality (01 full audio-video, 02 video only, 03
audio only), vocal channel (01 speech, 02 song), emotion, intensity,
statement, repetition, actor (01-24).

Used: the 1,440 speech clips (vocal channel 01) with audio and video
(modality 01): frames and audio both come from that file. The authors
paired the video-only copy's frames (02) with the audio-only wav (03), the
same recordings; the 02 copies and the song clips are ignored here.

Labels: emotion code minus one, 01 neutral, 02 calm, 03 happy, 04 sad,
05 angry, 06 fearful, 07 disgust, 08 surprised -> 0..7.

Folds: 6 actor-independent folds of 4 consecutive actors (fold 1 tests on
actors 1-4, fold 6 on 21-24), as in the authors' lists.
"""
import re
from typing import List

from .common import (FoldLists, ListBuilder, Report, Sample, named_clips,
                     speaker_independent_folds)

ACTORS = tuple(f'{i:02d}' for i in range(1, 25))
NAME = re.compile(r'^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$')


class RavdessBuilder(ListBuilder):
    """RAVDESS's audio-visual speech clips, in 6 actor folds."""

    name = 'ravdess'
    config = 'configs/_base_/datasets/emotion/ravdess.py'
    classes = ('neutral', 'calm', 'happy', 'sad', 'angry', 'fearful',
               'disgust', 'surprised')
    num_folds = 6

    def collect(self, src_root: str, report: Report) -> List[Sample]:
        samples = []
        for _, path, where, match in named_clips(
                src_root, report, NAME, 'a RAVDESS clip name (expected '
                'like 01-01-06-01-02-01-12)'):
            modality, channel, emotion, _, _, _, actor = match.groups()
            if modality != '01':
                report.ignore('video-only (02) / audio-only (03) copies')
            elif channel != '01':
                report.ignore('song clips (vocal channel 02)')
            elif not 1 <= int(emotion) <= len(self.classes):
                report.skip(where, f'unknown emotion code {emotion} '
                            '(expected 01-08)')
            elif actor not in ACTORS:
                report.skip(where, f'actor {actor} outside 01-24')
            else:
                samples.append(Sample(path, int(emotion) - 1, actor))
        return samples

    def make_folds(self, src_root: str, num_folds: int,
                   report: Report) -> FoldLists:
        return speaker_independent_folds(self.collect(src_root, report),
                                         ACTORS, num_folds)
