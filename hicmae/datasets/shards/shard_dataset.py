"""Pre-training clips streamed from packed webdataset shards."""
import copy
import json
import os
from typing import Iterator, List, Optional, Sequence

import numpy as np
from mmengine import fileio
from mmengine.dataset import Compose
from mmengine.dist import get_dist_info
from mmengine.logging import MessageHub, print_log
from torch.utils.data import IterableDataset, get_worker_info

from hicmae.registry import DATASETS
from ..errors import BadSampleError
from .partition import (epoch_shard_order, plan_reads, videos_per_rank,
                        worker_clips)
from .sample_codec import FORMAT, clip_key, decode_clip
from .shard_reader import iter_shard


@DATASETS.register_module()
class AVShardDataset(IterableDataset):
    """The clips of ``tools/data/pack_pretrain_shards.py``'s shards.

    Yields what :class:`AVPretrainDataset` yields for the same clip and the
    same random state: the shard holds every frame of the clip (JPEG) and
    its waveform, so the list pipeline runs unchanged, minus the transforms
    that read the source files (``skip_transforms``; add the recipe's fixed
    crop there when the shards were packed with ``--crop``).

    Each rank reads a contiguous run of the epoch's shard order, each data
    worker a contiguous part of its rank's run (see
    :mod:`.partition`): no clip twice, none left out, every rank the same
    number of clips. The order is a function of ``seed`` and the epoch,
    which the runner publishes, so a resumed run replays its epoch from the
    start (resume is per epoch). Workers' parts are cut between whole
    batches of ``batch_size`` (the runner sets it from the loader's), so
    an epoch has exactly ``len(dataloader)`` batches on every rank. With
    fewer shards than ranks x data workers, several readers stream parts
    of one shard (a warning says so); each stops reading a shard once its
    last wanted clip is read.

    Args:
        manifest: ``manifest.json`` written by the packing tool (any
            ``mmengine.fileio`` path); shard paths in it are relative to it.
        pipeline: the list dataset's pre-training pipeline.
        num_repeats: clips drawn per decoded video, each with its own
            sampling, crops and masks; an epoch still delivers about as many
            clips as the shards hold (see :mod:`.partition`).
        shuffle: shuffle the shard order per epoch and the clips in a
            buffer of ``shuffle_buffer`` decoded videos per worker.
        seed: seed of the shard order and the clip shuffle buffer (the
            pipeline's own draws use the data workers' seeded generators, as
            with the list datasets).
        skip_transforms: pipeline transform types that the shards replace.
        on_bad_sample: ``'skip'`` logs a broken clip and draws another clip
            from the next good video (the epoch keeps its length, so ranks
            stay in step); ``'raise'`` stops.
        backend_args: ``mmengine.fileio`` backend arguments.
        batch_size / drop_last / num_workers: the loader's;
            ``HiCMAERunner`` fills them in (``num_workers`` only serves the
            warning about shards shared by several readers). Without
            ``batch_size`` the parts are whole videos, and each worker may
            end with a partial batch (up to ``num_workers - 1`` batches
            more than ``len(dataloader)``).
    """

    def __init__(self, manifest: str, pipeline: Sequence = (),
                 num_repeats: int = 1, shuffle: bool = True,
                 shuffle_buffer: int = 8, seed: int = 0,
                 skip_transforms: Sequence[str] = ('OpenVideo', 'LoadAudio'),
                 on_bad_sample: str = 'skip',
                 backend_args: Optional[dict] = None,
                 batch_size: Optional[int] = None,
                 drop_last: bool = False,
                 num_workers: Optional[int] = None) -> None:
        if num_repeats < 1:
            raise ValueError(f'num_repeats must be >= 1, got {num_repeats}')
        if on_bad_sample not in ('raise', 'skip'):
            raise ValueError("on_bad_sample must be 'raise' or 'skip', got "
                             f'{on_bad_sample!r}')
        self.manifest = manifest
        self.backend_args = backend_args
        self.num_repeats = int(num_repeats)
        self.shuffle = shuffle
        self.shuffle_buffer = max(1, int(shuffle_buffer))
        self.on_bad_sample = on_bad_sample
        self.skip_transforms = tuple(skip_transforms)
        self.pipeline = Compose([t for t in pipeline
                                 if _type_name(t) not in self.skip_transforms])
        self.shards, self.counts, self.meta = self._read_manifest(manifest)
        self.num_clips = int(sum(self.counts))
        self.seed = int(seed)
        if batch_size is not None and int(batch_size) < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.batch_size = None if batch_size is None else int(batch_size)
        self.drop_last = bool(drop_last)
        # read here, in the main process: a data worker started with
        # 'spawn' (or forkserver) has no process group and would take
        # itself for rank 0 of 1, reading every rank's clips
        self.rank, self.world_size = get_dist_info()
        if num_workers is not None and self.rank == 0:
            self._warn_shared_shards(self.world_size, int(num_workers))
        self.bad_sample_log: Optional[str] = None
        self.num_skipped = 0
        self._iters = 0

    # ------------------------------------------------------------ manifest
    def _read_manifest(self, path: str):
        try:
            meta = json.loads(fileio.get_text(path,
                                              backend_args=self.backend_args))
        except FileNotFoundError:
            raise FileNotFoundError(f'shard manifest not found: {path}; '
                                    'build it with tools/data/'
                                    'pack_pretrain_shards.py') from None
        except ValueError as err:
            raise ValueError(f'{path}: not a JSON manifest ({err})') from None
        if meta.get('format') != FORMAT:
            raise ValueError(f'{path}: format {meta.get("format")!r}, '
                             f'expected {FORMAT!r}')
        root = os.path.dirname(path)
        shards, counts = [], []
        for shard in meta['shards']:
            if not shard['sample_ids']:
                continue
            url = shard['path']
            if '://' not in url and not os.path.isabs(url):
                url = fileio.join_path(root, url) if root else url
            shards.append(dict(url=url, sample_ids=shard['sample_ids']))
            counts.append(len(shard['sample_ids']))
        if not counts:
            raise ValueError(f'{path} lists no clips')
        return shards, counts, meta

    # ---------------------------------------------------------------- size
    def __len__(self) -> int:
        """Clips this rank delivers per epoch."""
        return videos_per_rank(self.num_clips, self.num_repeats,
                               self.world_size) * self.num_repeats

    def _epoch(self) -> int:
        """The epoch being read: the runner publishes it in the message
        hub; a persistent worker (forked with the first epoch's hub) counts
        its own passes on top."""
        hub = MessageHub.get_current_instance().get_info('epoch')
        if get_worker_info() is None:
            epoch = hub if hub is not None else self._iters
        else:
            epoch = (hub or 0) + self._iters
        self._iters += 1
        return int(epoch)

    # ------------------------------------------------------------ iterate
    def epoch_plan(self, epoch: int, rank: int, world: int, worker: int,
                   num_workers: int) -> List[tuple]:
        """``[(shard url, [keys])]`` one worker reads in ``epoch``."""
        order = epoch_shard_order(len(self.shards), self.seed, epoch,
                                  self.num_repeats, self.shuffle)
        clips = worker_clips(self.num_clips, self.num_repeats, epoch, rank,
                             world, worker, num_workers, self.batch_size,
                             self.drop_last)
        # a video drawn c times is wanted c times
        positions = [pos for pos, count in clips for _ in range(count)]
        plan = []
        for shard, members in plan_reads(self.counts, order, positions):
            ids = self.shards[shard]['sample_ids']
            plan.append((self.shards[shard]['url'],
                         [clip_key(ids[m]) for m in members]))
        return plan

    def __iter__(self) -> Iterator[dict]:
        rank, world = self.rank, self.world_size
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        epoch = self._epoch()
        rng = np.random.default_rng([self.seed, epoch, rank, worker])
        plan = self.epoch_plan(epoch, rank, world, worker, workers)
        yield from self._clips(self._shuffled(self._videos(plan), rng))

    def _warn_shared_shards(self, world: int, workers: int) -> None:
        readers = world * max(1, workers)
        if len(self.shards) >= readers:
            return
        print_log(
            f'{self.manifest}: {len(self.shards)} shards for {world} ranks '
            f'x {workers} data workers = {readers} readers: up to '
            f'{-(-readers // len(self.shards))} readers stream parts of one '
            'shard. Pack at least as many shards as readers '
            '(pack_pretrain_shards.py --clips-per-shard) or use fewer '
            'workers.', logger='current', level=30)

    def _videos(self, plan) -> Iterator[tuple]:
        """``(where, sample, error, clips)`` per wanted video."""
        for url, keys in plan:
            last = None
            for key, sample, error in iter_shard(url, keys,
                                                 self.backend_args):
                if last is not None and last[0] == f'{url}:{key}':
                    last[3] += 1  # the same video wanted once more
                    continue
                if last is not None:
                    yield tuple(last)
                last = [f'{url}:{key}', sample, error, 1]
            if last is not None:
                yield tuple(last)

    def _shuffled(self, videos, rng) -> Iterator[tuple]:
        if not self.shuffle or self.shuffle_buffer == 1:
            yield from videos
            return
        buffer = []
        for video in videos:
            buffer.append(video)
            if len(buffer) >= self.shuffle_buffer:
                yield buffer.pop(int(rng.integers(len(buffer))))
        while buffer:
            yield buffer.pop(int(rng.integers(len(buffer))))

    def _clips(self, videos) -> Iterator[dict]:
        """``k`` clips per good video; a bad video's clips are drawn from
        the next good ones (or the last good one at the end)."""
        owed, last = 0, None
        for where, sample, error, count in videos:
            try:
                if error:
                    raise BadSampleError(where, error)
                loaded = decode_clip(sample, where)
                clips = [self.prepare(loaded) for _ in range(count)]
            except BadSampleError as err:
                if self.on_bad_sample == 'raise':
                    raise
                self._record_bad(err.path, err.reason)
                owed += count
                continue
            yield from clips
            last = loaded
            while owed and last is not None:
                owed -= 1
                yield self.prepare(last)
        if owed and last is None:
            raise RuntimeError('every clip this data worker read was bad; '
                               'check the shards (bad-sample log)')
        for _ in range(owed):
            yield self.prepare(last)

    def prepare(self, loaded: dict) -> dict:
        """One clip from a decoded video (its own random draws)."""
        results = copy.copy(loaded)
        return self.pipeline(results)

    # --------------------------------------------------------- bad samples
    def set_bad_sample_log(self, path: str) -> None:
        """Append skipped clips to ``path`` (``where<TAB>reason`` lines)."""
        self.bad_sample_log = path

    def _record_bad(self, where: str, reason: str) -> None:
        self.num_skipped += 1
        print_log(f'skipping bad sample {where}: {reason}', logger='current',
                  level=30)
        if self.bad_sample_log is None:
            return
        # one short O_APPEND write per line: safe across data workers
        fd = os.open(self.bad_sample_log,
                     os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f'{where}\t{reason}\n'.encode())
        finally:
            os.close(fd)


def _type_name(cfg) -> str:
    if isinstance(cfg, dict):
        t = cfg.get('type')
        return t if isinstance(t, str) else getattr(t, '__name__', '')
    return type(cfg).__name__
