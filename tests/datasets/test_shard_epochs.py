"""Shard datasets on several ranks: exact epoch length per rank, reads that
stop once every wanted clip is in, and a warning when several readers
share a shard (issue 19, item 7)."""
import os

import pytest
from gloo_ranks import run_ranks

from hicmae.data_prep.shard_packing import pack_shards
from hicmae.datasets import AVPretrainDataset
from hicmae.datasets.shards import partition

LIGHT = [dict(type='OpenVideo'),
         dict(type='SampleClip', clip_len=4, frame_interval=4),
         dict(type='DecodeFrames'),
         dict(type='MultiScaleCrop', output_size=16),
         dict(type='PackAVInputs')]


@pytest.fixture(scope='module')
def packed(synthetic, tmp_path_factory):
    """The synthetic training list, 2 clips per shard."""
    out = tmp_path_factory.mktemp('shards')
    ds = AVPretrainDataset(ann_file='lists/train.txt',
                           data_root=str(synthetic))
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    manifest = pack_shards(infos, str(out), clips_per_shard=2)
    return out / 'manifest.json', manifest


def test_worker_parts_are_whole_batches():
    """Every worker but the one with the rank's last batch delivers whole
    batches, and the parts cover the rank's clips once."""
    for n, k, world, workers, batch in [(14, 1, 2, 3, 2), (14, 2, 3, 4, 3),
                                        (9, 3, 2, 2, 4), (5, 1, 1, 4, 2)]:
        per_rank = partition.videos_per_rank(n, k, world) * k
        for rank in range(world):
            sizes, videos = [], []
            for worker in range(workers):
                plan = partition.worker_clips(n, k, 0, rank, world, worker,
                                              workers, batch)
                sizes.append(sum(c for _, c in plan))
                videos += [v for v, c in plan for _ in range(c)]
            assert sum(sizes) == per_rank
            batches = sum(-(-s // batch) for s in sizes)
            assert batches == -(-per_rank // batch)
            assert all(c == k for c in
                       {v: videos.count(v) for v in videos}.values())


def _log_to_file(message, *args, **kwargs):
    with open(os.environ['SHARD_TEST_LOG'], 'a') as f:
        f.write(message + '\n')


def _rank(rank, world, manifest, log):
    """One rank builds the loader as the runner does and reads an epoch."""
    from mmengine.runner import Runner

    from hicmae.datasets.shards import shard_dataset
    from hicmae.engine.runners.loader_configs import complete_loader_configs
    os.environ['SHARD_TEST_LOG'] = log
    shard_dataset.print_log = _log_to_file
    kwargs = dict(train_dataloader=dict(
        batch_size=2, num_workers=3, persistent_workers=False,
        collate_fn=dict(type='pseudo_collate'),
        sampler=None,
        dataset=dict(type='AVShardDataset', manifest=manifest, seed=1,
                     pipeline=LIGHT)))
    complete_loader_configs(kwargs)
    loader = Runner.build_dataloader(kwargs['train_dataloader'], seed=0)
    batches = [[s.metainfo['sample_idx'] for s in b['data_samples']]
               for b in loader]
    return len(loader), batches


@pytest.mark.slow
def test_each_rank_reads_exactly_len_dataloader_batches(packed, tmp_path):
    manifest, meta = packed
    log = str(tmp_path / 'log.txt')
    results = run_ranks(_rank, 2, str(manifest), log)
    for length, batches in results:
        assert len(batches) == length
    ids = [i for _, batches in results for b in batches for i in b]
    assert set(ids) == set(range(meta['num_clips']))
    text = open(log).read() if os.path.exists(log) else ''
    assert f'{len(meta["shards"])} shards for 2 ranks x 3 data workers' \
        in text


class _CountingStream:
    """A binary stream that counts the bytes read through it."""

    def __init__(self, stream):
        self.stream, self.bytes_read = stream, 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.bytes_read += len(data)
        return data

    def close(self):
        self.stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_a_shard_is_read_only_up_to_its_last_wanted_clip(packed,
                                                         monkeypatch):
    from hicmae.datasets.shards import shard_reader
    from hicmae.datasets.shards.sample_codec import clip_key
    manifest, meta = packed
    shard = meta['shards'][0]
    url = str(manifest.parent / shard['path'])
    assert len(shard['sample_ids']) == 2
    opened = []
    real_open = shard_reader.open_shard

    def spy(path, backend_args=None):
        opened.append(_CountingStream(real_open(path, backend_args)))
        return opened[-1]

    monkeypatch.setattr(shard_reader, 'open_shard', spy)
    first, last = (clip_key(i) for i in shard['sample_ids'])
    got = list(shard_reader.iter_shard(url, [first, first]))
    assert [(k, e) for k, _, e in got] == [(first, None)] * 2
    assert opened[0].bytes_read < os.path.getsize(url) * 0.75
    got = list(shard_reader.iter_shard(url, [first, last]))
    assert [k for k, _, _ in got] == [first, last]
    assert all(set(sample) >= {'json', 'jpgs', 'wav'}
               for _, sample, _ in got)
