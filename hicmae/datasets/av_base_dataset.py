"""List-file datasets of audio-visual clips, robust to broken samples."""
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.fileio import get_text
from mmengine.logging import print_log

from .errors import BadSampleError


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
                 fold: Optional[int] = None, test_mode: bool = False, metainfo: Optional[dict] = None,
                 lazy_init: bool = False) -> None:
        if on_bad_sample not in ('raise', 'skip'):
            raise ValueError("on_bad_sample must be 'raise' or 'skip', got "
                             f'{on_bad_sample!r}')
        self.path_remap = dict(path_remap or {})
        self.on_bad_sample = on_bad_sample
        self.num_views = tuple(num_views)
        self.bad_sample_log: Optional[str] = None
        self._pending_bad: List[Tuple[str, str]] = []
        self.num_skipped = 0
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
        # one short O_APPEND write per line: safe across data workers
        line = f'{file}\t{reason}\n'.encode()
        fd = os.open(self.bad_sample_log,
                     os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        for _ in range(self.max_refetch + 1):
            try:
                data = self.prepare_data(idx)
            except BadSampleError as err:
                if self.on_bad_sample == 'raise':
                    raise
                self._record_bad(err.path, err.reason)
                idx = self._rand_another()
                continue
            return data
        raise RuntimeError(f'{self.max_refetch} bad samples in a row in '
                           f'{self.ann_file}; check the data (tools/data/'
                           'check_dataset.py lists the broken files)')

    def _rand_another(self) -> int:
        return np.random.randint(0, len(self))


def parse_label(token: str, where: str, to: Callable = int
                ) -> Union[int, float]:
    try:
        return to(token)
    except ValueError:
        raise ValueError(f'label {token!r} is not a '
                         f'{"number" if to is float else "class index"}') \
            from None
