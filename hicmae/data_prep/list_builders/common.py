"""What every list builder shares: the sample record, the problem report,
file discovery, speaker-independent folds and the list writer.

A builder turns a dataset's original layout into :data:`FoldLists`
(``{fold: {split: [Sample]}}``); :func:`write_fold_lists` then maps each
sample's source video to the preprocessed frame folder and wav (the
``OUT_ROOT/<relative path without extension>`` convention of
``tools/data/crop_faces.py`` and ``tools/data/extract_audio.py``) and writes
``split{fold:02d}_{split}.csv`` files in the authors' list format.
"""
import os
import os.path as osp
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

VIDEO_EXTS = ('.mp4', '.avi', '.flv', '.mkv', '.mov', '.webm', '.m4v',
              '.mpg', '.mpeg')


class LayoutError(RuntimeError):
    """The dataset's folder is not laid out as expected (names the path)."""


@dataclass(frozen=True)
class Sample:
    """One labelled clip.

    Args:
        video: the source video, relative to the media root, '/'-separated
            (its frame folder and wav share this path without extension).
        label: class index in the order of the config's ``classes``.
        group: speaker or session, the unit of speaker-independent folds.
    """

    video: str
    label: int
    group: str = ''

    @property
    def stem(self) -> str:
        return osp.splitext(self.video)[0]


# {fold: {split name: samples}}, folds numbered from 1
FoldLists = Dict[int, Dict[str, List[Sample]]]


class Report:
    """Files skipped with a reason, and counts of files ignored on purpose
    (e.g. RAVDESS's video-only copies), for the tool's summary."""

    def __init__(self) -> None:
        self.skipped: List[Tuple[str, str]] = []
        self.ignored: Counter = Counter()

    def skip(self, path: str, reason: str) -> None:
        self.skipped.append((path, reason))

    def ignore(self, reason: str, count: int = 1) -> None:
        self.ignored[reason] += count


def find_files(root: str, exts: Sequence[str] = VIDEO_EXTS) -> List[str]:
    """Every file under ``root`` ending in one of ``exts`` (case-insensitive),
    relative to ``root``, '/'-separated, sorted."""
    if not osp.isdir(root):
        raise LayoutError(f'no folder {root}')
    exts = tuple(e.lower() for e in exts)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in files:
            if name.lower().endswith(exts) and not name.startswith('.'):
                found.append(osp.relpath(osp.join(folder, name), root))
    return sorted(p.replace(os.sep, '/') for p in found)


def index_by_stem(paths: Iterable[str], report: Report, root: str = '',
                  key=lambda stem: stem) -> Dict[str, str]:
    """``{key(file stem): path}``; a second file with the same key (e.g. the
    same clip as .flv and .mp4) is skipped and reported."""
    index: Dict[str, str] = {}
    for path in paths:
        stem = osp.splitext(osp.basename(path))[0]
        k = key(stem)
        if k is None:
            continue
        if k in index:
            report.skip(osp.join(root, path),
                        f'same clip as {index[k]}; using that one')
            continue
        index[k] = path
    return index


def named_clips(src_root: str, report: Report, pattern: re.Pattern,
                what: str) -> Iterator[Tuple[str, str, str, re.Match]]:
    """``(stem, path, full path, match)`` of every clip under ``src_root``
    whose file name matches ``pattern``; the others are reported as
    skipped, ``what`` saying what a name should look like."""
    for name, path in index_by_stem(find_files(src_root), report,
                                    src_root).items():
        where = osp.join(src_root, path)
        match = pattern.match(name)
        if match:
            yield name, path, where, match
        else:
            report.skip(where, f'not {what}')


def split_samples(entries: Iterable[Tuple[object, int]],
                  videos: Dict[object, str], split_file: str,
                  unmatched: Dict[object, str]) -> List[Sample]:
    """Samples of an official split file's ``(key, label)`` entries whose
    key names a found video; the other keys go to ``unmatched`` (key ->
    split file) for :func:`report_unmatched`."""
    samples = []
    for key, label in entries:
        if key in videos:
            samples.append(Sample(videos[key], label))
        else:
            unmatched.setdefault(key, split_file)
    return samples


def report_unmatched(report: Report, unmatched: Dict[object, str],
                     what: str) -> None:
    """Report split-file entries without a video (``what``: 'name')."""
    for key, split_file in sorted(unmatched.items()):
        report.skip(str(key), f'listed in {split_file} but no video of '
                    f'that {what}')


def group_folds(groups: Sequence[str], num_folds: int) -> Dict[str, int]:
    """Split an ordered list of speakers (or sessions) into ``num_folds``
    contiguous blocks: ``{group: fold}`` with folds from 1.

    Blocks hold ``len(groups) // num_folds`` groups; the remainder goes one
    each to the last folds. This is the authors' rule: CREMA-D's 91 actors
    give 18, 18, 18, 18, 19; RAVDESS's 24 give six blocks of 4.
    """
    n = len(groups)
    if not 2 <= num_folds <= n:
        raise ValueError(f'cannot split {n} speakers/sessions into '
                         f'{num_folds} folds (need 2 <= folds <= {n})')
    base, extra = divmod(n, num_folds)
    sizes = [base + (1 if f >= num_folds - extra else 0)
             for f in range(num_folds)]
    out, start = {}, 0
    for fold, size in enumerate(sizes, 1):
        for g in groups[start:start + size]:
            out[g] = fold
        start += size
    return out


def speaker_independent_folds(samples: Sequence[Sample],
                              groups: Sequence[str], num_folds: int,
                              with_val: bool = False) -> FoldLists:
    """Leave-groups-out folds: fold k tests on its block of ``groups`` and
    trains on the rest. ``with_val`` adds a ``val`` list equal to ``test``
    (what the authors' MSP-IMPROV lists hold)."""
    fold_of = group_folds(groups, num_folds)
    folds: FoldLists = {}
    for k in range(1, num_folds + 1):
        test = [s for s in samples if fold_of[s.group] == k]
        train = [s for s in samples if fold_of[s.group] != k]
        folds[k] = dict(train=train, test=test)
        if with_val:
            folds[k]['val'] = list(test)
    return folds


class MediaPaths:
    """Where the list entries of a source video are, and how they are
    written.

    Args:
        media_root: the folder the preprocessing tools were run on (the
            samples' ``video`` paths are relative to it).
        frames_root: ``crop_faces.py``'s output; ``None`` lists the source
            videos themselves.
        audio_root: ``extract_audio.py``'s output; ``None`` uses the video
            file (its own audio track) as the audio entry.
        data_root: the config's ``data_root``; entries inside it are written
            relative to it (as the configs expect), others absolute.
    """

    def __init__(self, media_root: str, frames_root: Optional[str] = None,
                 audio_root: Optional[str] = None,
                 data_root: Optional[str] = None) -> None:
        self.media_root = osp.abspath(media_root)
        self.frames_root = osp.abspath(frames_root) if frames_root else None
        self.audio_root = osp.abspath(audio_root) if audio_root else None
        self.data_root = osp.abspath(data_root) if data_root else None

    def video(self, sample: Sample) -> str:
        if self.frames_root:
            return osp.join(self.frames_root, sample.stem)
        return osp.join(self.media_root, sample.video)

    def audio(self, sample: Sample) -> str:
        if self.audio_root:
            return osp.join(self.audio_root, sample.stem + '.wav')
        return osp.join(self.media_root, sample.video)

    def missing(self, sample: Sample) -> Optional[Tuple[str, str]]:
        """``(path, reason)`` when an entry of ``sample`` is not on disk."""
        video = self.video(sample)
        if self.frames_root and not osp.isdir(video):
            return video, 'no frame folder (crop_faces.py failed or not run)'
        if self.frames_root and not _has_entries(video):
            return video, 'empty frame folder'
        if not (self.frames_root and self.audio_root) and not osp.isfile(
                osp.join(self.media_root, sample.video)):
            return osp.join(self.media_root, sample.video), 'no such video'
        audio = self.audio(sample)
        if self.audio_root and not osp.isfile(audio):
            return audio, 'no wav (extract_audio.py failed or not run)'
        return None

    def entry(self, path: str) -> str:
        """``path`` as written in the list."""
        if self.data_root and (path + os.sep).startswith(
                self.data_root + os.sep):
            path = osp.relpath(path, self.data_root)
        path = path.replace(os.sep, '/')
        if any(c.isspace() for c in path):
            raise LayoutError(f'{path!r} holds white space, which the list '
                              'format (space separated) cannot hold; move '
                              'the data to a path without spaces')
        return path


def _has_entries(folder: str) -> bool:
    with os.scandir(folder) as it:
        return next(it, None) is not None


def list_name(fold: int, split: str) -> str:
    """The file name the configs' ``ann_file`` template expects."""
    return f'split{fold:02d}_{split}.csv'


def keep_available(folds: FoldLists, paths: MediaPaths,
                   report: Report) -> FoldLists:
    """Drop (and report once) every sample whose frame folder, wav or video
    is missing; fail when none is left."""
    verdict: Dict[str, Optional[Tuple[str, str]]] = {}
    for splits in folds.values():
        for samples in splits.values():
            for s in samples:
                if s.video not in verdict:
                    verdict[s.video] = paths.missing(s)
    gone = {v: why for v, why in verdict.items() if why}
    if verdict and len(gone) == len(verdict):
        path, reason = next(iter(gone.values()))
        raise LayoutError(f'none of the {len(verdict)} samples is available '
                          f'(first: {path}: {reason}); check --frames-root '
                          '/ --audio-root, or run the preprocessing first')
    for path, reason in gone.values():
        report.skip(path, reason)
    return {k: {split: [s for s in samples if s.video not in gone]
                for split, samples in splits.items()}
            for k, splits in folds.items()}


def write_fold_lists(folds: FoldLists, out_dir: str,
                     paths: MediaPaths) -> List[str]:
    """Write ``out_dir/split{fold:02d}_{split}.csv`` (sorted by video path,
    each written under a temporary name and renamed); returns the files."""
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for fold in sorted(folds):
        for split, samples in folds[fold].items():
            lines = [f'{paths.entry(paths.video(s))} '
                     f'{paths.entry(paths.audio(s))} {s.label}\n'
                     for s in sorted(samples, key=lambda s: s.video)]
            written.append(write_atomic(
                osp.join(out_dir, list_name(fold, split)), lines))
    return written


def write_atomic(path: str, lines: Sequence[str]) -> str:
    tmp = osp.join(osp.dirname(path), f'.{osp.basename(path)}.tmp')
    with open(tmp, 'w') as f:
        f.writelines(lines)
    os.replace(tmp, path)
    return path


def count_table(folds: FoldLists, classes: Sequence[str]) -> str:
    """A text table: one row per fold and split, one column per class."""
    width = max([len(c) for c in classes] + [5])
    head = f'{"fold":>4} {"split":<5} ' + ' '.join(
        f'{c[:width]:>{width}}' for c in classes) + f' {"total":>{width}}'
    rows = [head, '-' * len(head)]
    for fold in sorted(folds):
        for split, samples in folds[fold].items():
            counts = defaultdict(int)
            for s in samples:
                counts[s.label] += 1
            rows.append(f'{fold:>4} {split:<5} ' + ' '.join(
                f'{counts[i]:>{width}}' for i in range(len(classes)))
                + f' {len(samples):>{width}}')
    return '\n'.join(rows)


class ListBuilder:
    """Base of the per-dataset builders: subclasses set the class list and
    fold count of their config and implement :meth:`make_folds`."""

    name = ''
    config = ''  # the dataset config that reads the lists
    classes: Tuple[str, ...] = ()
    num_folds = 5
    # folds fixed by the dataset's own split files (MAFW, DFEW)
    official_folds = False

    def build(self, src_root: str, num_folds: Optional[int] = None,
              report: Optional[Report] = None) -> FoldLists:
        """The fold lists of the dataset at ``src_root`` (its original
        layout); ``num_folds`` defaults to the authors' count."""
        report = report if report is not None else Report()
        if not osp.isdir(src_root):
            raise LayoutError(f'{self.name}: no folder {src_root}')
        k = num_folds or self.num_folds
        if self.official_folds and k != self.num_folds:
            raise ValueError(f'{self.name} comes with {self.num_folds} '
                             'official folds; --folds cannot change them')
        folds = self.make_folds(src_root, k, report)
        if not any(s for splits in folds.values() for s in splits.values()):
            raise LayoutError(f'{self.name}: no usable sample under '
                              f'{src_root} ({len(report.skipped)} files '
                              'skipped)')
        return folds

    def make_folds(self, src_root: str, num_folds: int,
                   report: Report) -> FoldLists:
        raise NotImplementedError

    def media_root(self, src_root: str, clips_root: Optional[str]) -> str:
        """The folder the preprocessing tools run on (the samples' video
        paths are relative to it)."""
        return src_root
