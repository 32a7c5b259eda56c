"""Packed shards: packing, equality with the list dataset, splitting across
ranks and workers, broken members, resumed packing; repeated sampling."""
import hashlib
import json
import random
import shutil
from collections import Counter

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from hicmae.data_prep.shard_packing import pack_shards
from hicmae.datasets import (AVPretrainDataset, AVShardDataset,
                             RepeatedClipSampler)
from hicmae.datasets.shards import partition

CROP = 32


def _pipeline(light: bool = False):
    steps = [dict(type='OpenVideo'),
             dict(type='SampleClip', clip_len=8, frame_interval=4),
             dict(type='DecodeFrames'),
             dict(type='MultiScaleCrop', output_size=CROP)]
    if not light:
        steps += [dict(type='LoadAudio'), dict(type='CropAudioSpan'),
                  dict(type='KaldiFbank', num_mel_bins=32,
                       target_length=64),
                  dict(type='NormalizeFbank')]
    return steps + [dict(type='PackAVInputs')]


def _infos(root, ann='lists/train.txt'):
    ds = AVPretrainDataset(ann_file=ann, data_root=str(root))
    return [ds.get_data_info(i) for i in range(len(ds))]


@pytest.fixture(scope='module')
def packed(synthetic, tmp_path_factory):
    """Frame folders + wav of the synthetic set, 2 clips per shard."""
    out = tmp_path_factory.mktemp('shards')
    manifest = pack_shards(_infos(synthetic), str(out), clips_per_shard=2)
    return out, manifest


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_counts_and_checksums(packed):
    out, manifest = packed
    assert manifest['num_failed'] == 0
    assert manifest['num_clips'] == manifest['num_listed'] >= 4
    ids = [i for s in manifest['shards'] for i in s['sample_ids']]
    assert sorted(ids) == list(range(manifest['num_clips']))
    for shard in manifest['shards']:
        assert _sha(out / shard['path']) == shard['sha256']
        assert (out / shard['path']).stat().st_size == shard['bytes']
    assert json.loads((out / 'manifest.json').read_text()) == manifest


@pytest.mark.parametrize('ann', ['lists/train.txt', 'lists/pretrain.txt'])
def test_shard_clip_equals_list_clip(synthetic, tmp_path, ann):
    """Same clip, same random state: same frames, crops, fbank, masks
    (frame folders: bit-identical; mp4: JPEG-close pixels, 16-bit audio)."""
    listed = AVPretrainDataset(ann_file=ann, data_root=str(synthetic),
                               pipeline=_pipeline())
    pack_shards(_infos(synthetic, ann), str(tmp_path), clips_per_shard=3)
    shards = AVShardDataset(str(tmp_path / 'manifest.json'),
                            pipeline=_pipeline(), shuffle=False)
    seen = 0
    for url, keys in shards.epoch_plan(0, 0, 1, 0, 1):
        from hicmae.datasets.shards.sample_codec import decode_clip
        from hicmae.datasets.shards.shard_reader import iter_shard
        for key, sample, error in iter_shard(url, keys):
            assert error is None
            loaded = decode_clip(sample, key)
            idx = loaded['sample_idx']
            random.seed(idx)
            np.random.seed(idx)
            a = listed[idx]
            random.seed(idx)
            np.random.seed(idx)
            b = shards.prepare(loaded)
            sa, sb = a['data_samples'], b['data_samples']
            assert sa.metainfo == sb.metainfo
            va, vb = a['inputs']['video'], b['inputs']['video']
            aa, ab = a['inputs']['audio'], b['inputs']['audio']
            if 'pretrain' in ann:
                assert (va.float() - vb.float()).abs().mean() < 4
                assert torch.allclose(aa, ab, atol=0.05)
            else:
                assert torch.equal(va, vb) and torch.equal(aa, ab)
            seen += 1
    assert seen == len(listed)


def test_partition_is_exact_over_ranks_and_workers():
    counts, n = [3, 5, 2, 4], 14
    for k in (1, 2, 3):
        for world in (1, 2, 3):
            order = partition.epoch_shard_order(4, 0, 0, k, True)
            seen = Counter()
            cycle = Counter()
            for epoch in range(k):
                for rank in range(world):
                    for worker in range(2):
                        pos = partition.worker_positions(
                            n, k, epoch, rank, world, worker, 2)
                        got = [(s, m) for s, ms in partition.plan_reads(
                            counts, order, pos) for m in ms]
                        cycle.update(got)
                        if epoch == 0:
                            seen.update(got)
            per_rank = partition.videos_per_rank(n, k, world)
            assert sum(seen.values()) == per_rank * world
            # every clip once per cycle of k epochs, padding aside
            assert set(cycle) == {(s, m) for s in range(4)
                                  for m in range(counts[s])}
            assert sum(v - 1 for v in cycle.values()) < world * k


def _ids_of(batches):
    return [s.metainfo['sample_idx'] for b in batches
            for s in b['data_samples']]


def _collate(batch):
    return dict(data_samples=[b['data_samples'] for b in batch])


def test_ranks_and_workers_read_every_clip_once(packed, monkeypatch):
    out, manifest = packed
    from hicmae.datasets.shards import shard_dataset
    n = manifest['num_clips']
    ids = []
    for rank in range(2):
        monkeypatch.setattr(shard_dataset, 'get_dist_info',
                            lambda r=rank: (r, 2))
        ds = AVShardDataset(str(out / 'manifest.json'),
                            pipeline=_pipeline(light=True), seed=3)
        loader = DataLoader(ds, batch_size=2, num_workers=2,
                            collate_fn=_collate)
        got = _ids_of(loader)
        assert len(got) == len(ds) == -(-n // 2)
        ids += got
    if n % 2 == 0:
        assert sorted(ids) == list(range(n))
    else:  # the last rank pads with one clip of the epoch
        assert set(ids) == set(range(n)) and len(ids) == n + 1


def test_repeated_sampling_from_shards(packed):
    out, manifest = packed
    n = manifest['num_clips']
    ds = AVShardDataset(str(out / 'manifest.json'),
                        pipeline=_pipeline(light=True), num_repeats=2)
    epochs = [[s['data_samples'] for s in ds] for _ in range(2)]
    for clips in epochs:
        assert len(clips) == len(ds) == 2 * -(-n // 2)
        per_video = Counter(s.metainfo['sample_idx'] for s in clips)
        assert set(per_video.values()) == {2}
    # two epochs (one cycle) visit every video
    assert {s.metainfo['sample_idx'] for c in epochs for s in c} == \
        set(range(n))


def test_broken_member_is_skipped_and_reported(packed, tmp_path):
    out, manifest = packed
    from webdataset import TarWriter
    from webdataset.tariterators import group_by_keys, tar_file_iterator
    copy = tmp_path / 'broken'
    shutil.copytree(out, copy)
    first = copy / manifest['shards'][0]['path']
    with open(first, 'rb') as f:
        samples = list(group_by_keys(
            dict(item, __url__='x') for item in tar_file_iterator(f)))
    victim = samples[0]['__key__']
    samples[0]['jpgs'] = b'\xff\xd8 not a jpeg' + samples[0]['jpgs'][20:]
    samples[0]['json'] = samples[0]['json'].replace(
        b'"frame_sizes"', b'"frame_sizes_lost"')
    with TarWriter(str(first), encoder=False) as writer:
        for s in samples:
            writer.write({k: v for k, v in s.items() if k != '__url__'})
    ds = AVShardDataset(str(copy / 'manifest.json'),
                        pipeline=_pipeline(light=True), shuffle=False)
    log = tmp_path / 'bad.txt'
    ds.set_bad_sample_log(str(log))
    clips = [s['data_samples'].metainfo['sample_idx'] for s in ds]
    assert len(clips) == len(ds)  # the epoch keeps its length
    assert int(victim) not in clips
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and victim in lines[0]
    assert 'meta' in lines[0]


def test_packing_resumes_to_the_same_shards(synthetic, packed, tmp_path):
    out, manifest = packed
    infos = _infos(synthetic)
    infos.append(dict(filename=str(synthetic / 'frames' / 'nowhere'),
                      audio_filename=str(synthetic / 'nowhere.wav')))
    first = pack_shards(infos, str(tmp_path), clips_per_shard=2)
    assert first['num_failed'] == 1
    assert 'nowhere' in (tmp_path / 'failures.txt').read_text()
    # what a kill leaves: a half-written temporary file, a finished shard
    # without its record, no manifest
    shards = sorted((tmp_path / 'shards').glob('*.tar'))
    kept = shards[0].stat().st_mtime_ns
    (tmp_path / 'manifest.json').unlink()
    shards[1].with_suffix('.json').unlink()
    shards[-1].unlink()
    shards[-1].with_suffix('.json').unlink()
    (tmp_path / 'shards' / (shards[-1].name + '.tmp-99')).write_bytes(b'x')
    again = pack_shards(infos, str(tmp_path), clips_per_shard=2, workers=2)
    assert again == first
    assert shards[0].stat().st_mtime_ns == kept  # not rewritten
    assert not list((tmp_path / 'shards').glob('*.tmp-*'))
    # the same list gives the same shards as the first packing
    assert [s['sha256'] for s in again['shards'][:len(manifest['shards'])]
            ] == [s['sha256'] for s in manifest['shards']]


def test_list_dataset_repeated_sampling(synthetic, monkeypatch):
    ds = AVPretrainDataset(ann_file='lists/train.txt',
                           data_root=str(synthetic),
                           pipeline=_pipeline(light=True), num_repeats=3)
    opened = Counter()
    from hicmae.datasets.transforms import OpenVideo
    real = OpenVideo.transform
    monkeypatch.setattr(OpenVideo, 'transform', lambda self, r: (
        opened.update([r['filename']]), real(self, r))[1])
    sampler = RepeatedClipSampler(ds, seed=0)
    order = list(sampler)
    assert len(order) == len(sampler) == 3 * -(-len(ds) // 3)
    assert all(order[i] == order[i - i % 3] for i in range(len(order)))
    clips = [ds[i] for i in order]
    assert set(opened.values()) == {1}  # each video opened once
    # its k clips are drawn independently (masks, crops)
    first = [c['inputs']['video'] for c in clips[:3]]
    assert not all(torch.equal(first[0], v) for v in first[1:])
    covered = set()
    for epoch in range(3):
        sampler.set_epoch(epoch)
        covered |= set(sampler)
    assert covered == set(range(len(ds)))


@pytest.mark.slow
def test_two_process_pretraining_from_shards(packed, tmp_path):
    """tools/dist_train.sh, 2 ranks on gloo, 1 data worker each; the log
    reports the data-wait share of the step time."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path
    out, _ = packed
    repo = Path(__file__).resolve().parents[2]
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = str(s.getsockname()[1])
    work = tmp_path / 'work'
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh',
         'configs/hicmae/hicmae_tiny_synthetic_shards_pretrain.py', '2',
         '--work-dir', str(work), '--cfg-options',
         f'train_dataloader.dataset.manifest={out}/manifest.json',
         'train_cfg.max_epochs=2', 'train_dataloader.batch_size=2',
         'train_dataloader.num_workers=1', 'default_hooks.logger.interval=1'],
        cwd=repo, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, PORT=port, PYTHON=sys.executable,
                 OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore'))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert (work / 'epoch_2.pth').is_file()
    assert '[Gloo] Rank' in log
    assert 'data_wait:' in log and 'data wait:' in log


def test_repeat_cache_is_dropped_after_k_draws_and_never_freed_in_a_fork(
        synthetic):
    import os

    from hicmae.datasets import av_base_dataset
    ds = AVPretrainDataset(ann_file='lists/pretrain.txt',
                           data_root=str(synthetic),
                           pipeline=_pipeline(light=True), num_repeats=2)
    ds[0]
    assert ds._loaded is not None and ds._loaded[1] == 0
    ds[0]
    assert ds._loaded is None  # both clips drawn: the reader is freed
    ds[1]
    held = ds._loaded
    held[0] = os.getpid() + 1  # as if inherited from a parent process
    ds[1]
    assert held in av_base_dataset._INHERITED  # kept, not freed here
    assert ds._loaded is not None and ds._loaded[0] == os.getpid()
    av_base_dataset._INHERITED.remove(held)


def test_shards_read_through_an_mmengine_backend(packed):
    """Manifest and shards fetched through ``mmengine.fileio`` (here an
    in-memory backend standing in for object storage)."""
    from mmengine.fileio import BaseStorageBackend, register_backend
    out, manifest = packed
    store = {f'memtest://bucket/{p.relative_to(out)}': p.read_bytes()
             for p in out.rglob('*') if p.is_file()}

    class MemoryBackend(BaseStorageBackend):
        def get(self, filepath):
            if filepath not in store:
                raise FileNotFoundError(filepath)
            return store[filepath]

        def get_text(self, filepath, encoding='utf-8'):
            return self.get(filepath).decode(encoding)

        def join_path(self, filepath, *filepaths):
            return '/'.join([filepath.rstrip('/'), *filepaths])

    register_backend('memtest', MemoryBackend, force=True,
                     prefixes='memtest')
    ds = AVShardDataset('memtest://bucket/manifest.json',
                        pipeline=_pipeline(light=True))
    ids = sorted(s['data_samples'].metainfo['sample_idx'] for s in ds)
    assert ids == list(range(manifest['num_clips']))


def test_pack_tool_cli(synthetic, tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, 'tools/data/pack_pretrain_shards.py',
         'lists/pretrain.txt', str(tmp_path), '--data-root', str(synthetic),
         '--crop', '0:48,8:56', '--clips-per-shard', '4', '--quality', '80'],
        cwd=repo, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = json.loads((tmp_path / 'manifest.json').read_text())
    assert manifest['crop'] == [0, 48, 8, 56] and manifest['num_failed'] == 0
    ds = AVShardDataset(str(tmp_path / 'manifest.json'),
                        pipeline=_pipeline(light=True)[:3] + [
                            dict(type='PackAVInputs')])
    video = next(iter(ds))['inputs']['video']
    assert tuple(video.shape[2:]) == (48, 48)  # cut at packing
    bad = subprocess.run(
        [sys.executable, 'tools/data/pack_pretrain_shards.py', 'x', 'y',
         '--crop', '48:0,8:56'], cwd=repo, capture_output=True, text=True)
    assert bad.returncode != 0 and '--crop' in bad.stderr


@pytest.mark.slow
def test_pack_tool_killed_midway_resumes_to_the_same_shards(synthetic,
                                                             packed,
                                                             tmp_path):
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path
    out, manifest = packed
    repo = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, 'tools/data/pack_pretrain_shards.py',
           'lists/train.txt', str(tmp_path), '--data-root', str(synthetic),
           '--clips-per-shard', '2']
    records = tmp_path / 'shards'
    for _ in range(5):  # a loaded machine can let the packer finish first
        for stale in (records, tmp_path / 'manifest.json'):
            if stale.is_dir():
                shutil.rmtree(stale)
            elif stale.exists():
                stale.unlink()
        proc = subprocess.Popen(cmd, cwd=repo, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if records.is_dir() and any(records.glob('*.json')):
                proc.send_signal(signal.SIGKILL)  # after the first shard
                break
            time.sleep(0.02)
        proc.wait()
        if not (tmp_path / 'manifest.json').exists():
            break
    # the kill landed mid-way: the packer died of it, before its manifest
    assert proc.returncode == -signal.SIGKILL, proc.returncode
    assert not (tmp_path / 'manifest.json').exists()
    # a shard with its record is finished: the resumed run keeps its file
    # (a rewrite renames a new file into place: a new inode and mtime)
    finished = {p: (p.stat().st_ino, p.stat().st_mtime_ns)
                for p in (r.with_suffix('.tar')
                          for r in records.glob('*.json'))}
    assert finished
    again = subprocess.run(cmd, cwd=repo, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    resumed = json.loads((tmp_path / 'manifest.json').read_text())
    assert [s['sha256'] for s in resumed['shards']] == \
        [s['sha256'] for s in manifest['shards']]
    for path, stamp in finished.items():
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stamp, \
            f'{path.name} was written again'
