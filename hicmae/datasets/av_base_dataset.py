"""List-file datasets of audio-visual clips, robust to broken samples."""
import copy
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.fileio import get_text
from mmengine.logging import print_log

from .errors import BadSampleError, NoUsableSampleError

# loaded videos a forked process inherited (see AVBaseDataset._run_pipeline)
_INHERITED: list = []


class AVBaseDataset(BaseDataset):
    """Base of the list datasets: path re-rooting, views, bad samples.

    Subclasses implement :meth:`parse_line`, returning the info dict of one
    list line (paths as written) or raising ``ValueError`` for a malformed
    line.

    Args:
        ann_file: the list file.
        data_root: prefix of relative paths in the list.
        path_remap: ``{old_prefix: new_prefix}`` applied to every path in the
            list before ``data_root``, to re-root lists that hold absolute
            paths of another machine (the authors' split files) without
            editing them.
        on_bad_sample: ``'raise'`` stops on a sample that cannot be loaded;
            ``'skip'`` logs it, appends it to the bad-sample log and draws
            another sample (malformed list lines are dropped at load time).
        max_refetch: draws before giving up in ``'skip'`` mode.
        fold: fills ``{fold}`` in ``ann_file`` (e.g.
            ``'lists/split{fold:02d}_train.csv'``), so one config serves
            every fold of a cross-validation.
        num_repeats: repeated sampling (MAE-ST's ``repeat_aug``): the
            transforms in ``load_transforms`` run once per video and ``k``
            clips are drawn from it, each with its own sampling, crops and
            masks. Pair it with ``RepeatedClipSampler``, which puts a
            video's ``k`` draws in a row and keeps an epoch at
            ``len(dataset)`` clips.
        load_transforms: pipeline transform types that read files (run
            once per video under repeated sampling).
        num_views: ``(temporal segments, spatial crops)``; in test mode
            every sample becomes that many views (``temporal_view``,
            ``spatial_view``, ``video_idx`` keys).
        pipeline, test_mode, metainfo, lazy_init: as in MMEngine's
            ``BaseDataset``.
    """

    def __init__(self, ann_file: str, pipeline: Sequence = (),
                 data_root: str = '', path_remap: Optional[Dict] = None,
                 on_bad_sample: str = 'raise', max_refetch: int = 100,
                 num_views: Tuple[int, int] = (1, 1),
                 num_repeats: int = 1,
                 load_transforms: Sequence[str] = ('OpenVideo', 'LoadAudio'),
                 fold: Optional[int] = None, test_mode: bool = False,
                 metainfo: Optional[dict] = None,
                 lazy_init: bool = False) -> None:
        if on_bad_sample not in ('raise', 'skip'):
            raise ValueError("on_bad_sample must be 'raise' or 'skip', got "
                             f'{on_bad_sample!r}')
        self.path_remap = dict(path_remap or {})
        self.on_bad_sample = on_bad_sample
        self.num_views = tuple(num_views)
        if num_repeats < 1:
            raise ValueError(f'num_repeats must be >= 1, got {num_repeats}')
        self.num_repeats = int(num_repeats)
        self.load_transforms = tuple(load_transforms)
        # (pid, index, loaded results, draws so far) of the current video
        self._loaded: Optional[list] = None
        self._split_pipeline: Optional[Tuple[Callable, Callable]] = None
        self.bad_sample_log: Optional[str] = None
        self._pending_bad: List[Tuple[str, str]] = []
        self.num_skipped = 0
        # clips scored with a fallback (silent audio, too few frames): files
        # already logged by this process, so a clip warns once per run
        self._fallback_files: set = set()
        self.fold = fold
        if fold is not None:
            ann_file = ann_file.format(fold=fold)
        elif '{fold' in ann_file:
            raise ValueError(f'ann_file {ann_file!r} has a {{fold}} field: '
                             'set the dataset\'s fold')
        super().__init__(ann_file=ann_file, metainfo=metainfo,
                         data_root=data_root, pipeline=list(pipeline),
                         test_mode=test_mode, lazy_init=lazy_init,
                         max_refetch=max_refetch)

    # ----------------------------------------------------------- list file
    def parse_line(self, parts: List[str], where: str) -> dict:
        raise NotImplementedError

    def resolve(self, path: str) -> str:
        """Apply ``path_remap`` (longest prefix first), then ``data_root``."""
        for old in sorted(self.path_remap, key=len, reverse=True):
            if path.startswith(old):
                path = self.path_remap[old] + path[len(old):]
                break
        if self.data_root and not osp.isabs(path) and '://' not in path:
            path = osp.join(self.data_root, path)
        return path

    def load_data_list(self) -> List[dict]:
        try:
            text = get_text(self.ann_file)
        except FileNotFoundError:
            raise FileNotFoundError(
                f'list file not found: {self.ann_file} (data_root='
                f'{self.data_root!r}); check ann_file and data_root') from None
        infos = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            where = f'{self.ann_file}:{lineno}'
            try:
                info = self.parse_line(line.split(), where)
            except ValueError as err:
                if self.on_bad_sample == 'raise':
                    raise ValueError(f'{where}: {err}') from None
                self._record_bad(where, f'malformed list line ({err})')
                continue
            infos.append(info)
        if not infos:
            raise ValueError(f'{self.ann_file} holds no usable sample')
        return self._expand_views(infos)

    def _expand_views(self, infos: List[dict]) -> List[dict]:
        if not self.test_mode or self.num_views == (1, 1):
            return infos
        segments, crops = self.num_views
        out = []
        for video_idx, info in enumerate(infos):
            for t in range(segments):
                for s in range(crops):
                    out.append(dict(info, temporal_view=t, spatial_view=s,
                                    video_idx=video_idx))
        return out

    # ---------------------------------------------------------- bad samples
    def set_bad_sample_log(self, path: str) -> None:
        """Append skipped samples to ``path`` (one ``file<TAB>reason`` line),
        including those already dropped while the list was read."""
        self.bad_sample_log = path
        pending, self._pending_bad = self._pending_bad, []
        for file, reason in pending:
            self._write_bad(file, reason)

    def _record_bad(self, file: str, reason: str) -> None:
        self.num_skipped += 1
        print_log(f'skipping bad sample {file}: {reason}', logger='current',
                  level=30)
        if self.bad_sample_log is None:
            self._pending_bad.append((file, reason))
        else:
            self._write_bad(file, reason)

    def _write_bad(self, file: str, reason: str) -> None:
        self._append_line(self.bad_sample_log, f'{file}\t{reason}\n')

    @staticmethod
    def _append_line(path: str, line: str) -> None:
        # one short O_APPEND write per line: safe across data workers
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    # ------------------------------------------------------------ fallbacks
    def prepare_data(self, idx: int):
        data = self._run_pipeline(idx)
        sample = data.get('data_samples') if isinstance(data, dict) else None
        notes = sample.metainfo.get('fallbacks') if sample is not None \
            else None
        if notes:
            self._record_fallback(sample.metainfo.get('filename', str(idx)),
                                  '; '.join(notes))
        return data

    def _record_fallback(self, file: str, reason: str) -> None:
        """Log a clip scored with a fallback (once per file and process)
        with the running count, and append it to ``fallback_samples.txt``
        next to the bad-sample log."""
        if file in self._fallback_files:
            return
        self._fallback_files.add(file)
        print_log(f'scoring {file} with a fallback: {reason} (clip '
                  f'{len(self._fallback_files)} of this kind in this '
                  'process)', logger='current', level=30)
        if self.bad_sample_log is not None:
            path = osp.join(osp.dirname(self.bad_sample_log),
                            'fallback_samples.txt')
            self._append_line(path, f'{file}\t{reason}\n')

    @property
    def num_fallbacks(self) -> int:
        """Distinct clips this process scored with a fallback."""
        return len(self._fallback_files)

    # --------------------------------------------------- repeated sampling
    def _run_pipeline(self, idx: int):
        """The pipeline on sample ``idx``; under repeated sampling the
        loading part's result is kept for the next draws of ``idx``."""
        if self.num_repeats == 1:
            return super().prepare_data(idx)
        load, draw = self._pipeline_parts()
        if self._loaded is not None and self._loaded[0] != os.getpid():
            # inherited through fork: freeing a parent's decord reader in a
            # data worker can hang it, so the worker never frees it
            _INHERITED.append(self._loaded)
            self._loaded = None
        if self._loaded is None or self._loaded[1] != idx:
            self._loaded = None  # free the previous video first
            loaded = load(self.get_data_info(idx))
            if type(loaded.get('video_reader')).__name__ == \
                    'DecordVideoReader':
                loaded['video_reader'] = _DecodedVideo(
                    loaded['video_reader'])
            self._loaded = [os.getpid(), idx, loaded, 0]
        data = draw(copy.copy(self._loaded[2]))
        self._loaded[3] += 1
        if self._loaded[3] >= self.num_repeats:
            self._loaded = None  # all k clips drawn
        return data

    def _pipeline_parts(self) -> Tuple[Callable, Callable]:
        """``(load, draw)``: the ``load_transforms`` (which use no random
        draws) and the rest, each in pipeline order."""
        if self._split_pipeline is None:
            from mmengine.dataset import Compose
            steps = self.pipeline.transforms
            load = [t for t in steps
                    if type(t).__name__ in self.load_transforms]
            draw = [t for t in steps if t not in load]
            self._split_pipeline = (Compose(load), Compose(draw))
        return self._split_pipeline

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        failed: Dict[str, str] = {}  # file -> reason, in order of failure
        draws = 0
        while draws <= self.max_refetch:
            draws += 1
            try:
                data = self.prepare_data(idx)
            except BadSampleError as err:
                if self.on_bad_sample == 'raise':
                    raise
                self._record_bad(err.path, err.reason)
                failed.setdefault(err.path, err.reason)
                if len(failed) >= self._num_entries():
                    break  # every entry of the list failed: no use drawing
                idx = self._rand_another()
                continue
            return data
        raise NoUsableSampleError(self._no_usable_message(draws, failed))

    def _num_entries(self) -> int:
        """Distinct entries of the list (views of one video are one)."""
        if self.test_mode and self.num_views != (1, 1):
            return len(self) // (self.num_views[0] * self.num_views[1])
        return len(self)

    def _no_usable_message(self, draws: int, failed: Dict[str, str],
                           max_reasons: int = 3) -> str:
        first = '; '.join(f'{file}: {reason}' for file, reason in
                          list(failed.items())[:max_reasons])
        return (f'{self.ann_file}: no usable sample in {draws} draws '
                f'({len(failed)} distinct entries of {self._num_entries()} '
                f'failed), e.g. {first}; check the data (tools/data/'
                'check_dataset.py lists the broken files)')

    def _rand_another(self) -> int:
        return np.random.randint(0, len(self))


class _DecodedVideo:
    """A video decoded whole on first use: the ``k`` clips of repeated
    sampling then cost one sequential decode instead of ``k`` seeks, each
    decoding from the previous key frame."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.frames: Optional[list] = None

    def __len__(self) -> int:
        return len(self.reader)

    def get_batch(self, indices: Sequence[int]) -> list:
        if self.frames is None:
            self.frames = self.reader.get_batch(range(len(self.reader)))
        return [self.frames[int(i)] for i in indices]


def parse_label(token: str, where: str, to: Callable = int
                ) -> Union[int, float]:
    try:
        return to(token)
    except ValueError:
        raise ValueError(f'label {token!r} is not a '
                         f'{"number" if to is float else "class index"}') \
            from None
