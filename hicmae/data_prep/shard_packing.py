"""Pack a pre-training list into webdataset shards (resumable, atomic)."""
import hashlib
import json
import os
import os.path as osp
import random
from multiprocessing import get_context
from typing import Callable, List, Optional, Sequence, Tuple

from mmengine import fileio

from hicmae.datasets.errors import BadSampleError
from hicmae.datasets.shards.sample_codec import (FORMAT, FORMAT_VERSION,
                                                 encode_clip, encode_jpeg,
                                                 wav_bytes)

SHARD_DIR = 'shards'


def _frames(results: dict, crop: Optional[Sequence[int]],
            quality: int) -> List[bytes]:
    """Every frame as JPEG bytes: a frame folder's own files verbatim (no
    re-encoding loss, bit-identical decode), anything else decoded, cropped
    to ``crop = (y0, y1, x0, x1)`` and encoded."""
    from hicmae.datasets.transforms.video_loading import (FrameFolderReader,
                                                          read_bytes)
    reader = results['video_reader']
    if (isinstance(reader, FrameFolderReader) and crop is None and all(
            n.lower().endswith(('.jpg', '.jpeg')) for n in reader.frames)):
        return [read_bytes(fileio.join_path(reader.folder, n))
                for n in reader.frames]
    imgs = reader.get_batch(range(len(reader)))
    if crop is not None:
        y0, y1, x0, x1 = crop
        h, w = imgs[0].shape[:2]
        if y1 > h or x1 > w:
            raise BadSampleError(results['filename'], f'frames of {h}x{w} '
                                 f'are smaller than the crop {tuple(crop)}')
        imgs = [img[y0:y1, x0:x1] for img in imgs]
    return [encode_jpeg(img, quality) for img in imgs]


def pack_clip(info: dict, crop, quality: int, sample_rate: int) -> dict:
    """The shard sample of one list entry (raises BadSampleError)."""
    from hicmae.datasets.transforms.audio_loading import LoadAudio
    from hicmae.datasets.transforms.video_loading import OpenVideo, read_bytes
    results = OpenVideo().transform(dict(info))
    frames = _frames(results, crop, quality)
    if len(frames) < 1:
        raise BadSampleError(info['filename'], 'no frames')
    # LoadAudio applies the list pipeline's checks (rate, length, silence)
    results = LoadAudio(sample_rate=sample_rate).transform(results)
    audio = results['audio_filename']
    wav = (read_bytes(audio) if audio.lower().endswith('.wav') else
           wav_bytes(results['waveform'], sample_rate))
    return encode_clip(info['sample_idx'], info['filename'], audio, frames,
                       wav, sample_rate, crop)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def _write_atomic(path: str, write: Callable) -> None:
    tmp = f'{path}.tmp-{os.getpid()}'
    try:
        with open(tmp, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def _shard_done(tar: str, record: str) -> bool:
    if not (osp.exists(tar) and osp.exists(record)):
        return False
    try:
        with open(record) as f:
            return json.load(f)['bytes'] == osp.getsize(tar)
    except (ValueError, KeyError, OSError):
        return False


def pack_shard(job: Tuple[int, str, List[dict], dict]) -> dict:
    """Write one shard and its record; skip it when both already exist."""
    from webdataset import TarWriter
    index, out_dir, infos, opts = job
    name = f'shard-{index:06d}'
    tar = osp.join(out_dir, SHARD_DIR, name + '.tar')
    record = osp.join(out_dir, SHARD_DIR, name + '.json')
    if _shard_done(tar, record):
        with open(record) as f:
            return dict(json.load(f), resumed=True)
    ids, failures = [], []

    def write(f):
        # fixed owner and mtime: a re-run writes the same bytes
        with TarWriter(f, encoder=False, mtime=0, user='hicmae',
                       group='hicmae', mode=0o444) as writer:
            for info in infos:
                try:
                    sample = pack_clip(info, opts['crop'], opts['quality'],
                                       opts['sample_rate'])
                except BadSampleError as err:
                    failures.append((err.path, err.reason))
                    continue
                writer.write(sample)
                ids.append(info['sample_idx'])

    _write_atomic(tar, write)
    rec = dict(path=f'{SHARD_DIR}/{name}.tar', sample_ids=ids,
               failures=failures, bytes=osp.getsize(tar), sha256=_sha256(tar))
    _write_atomic(record, lambda f: f.write(json.dumps(rec).encode()))
    return dict(rec, resumed=False)


def plan_shards(infos: List[dict], clips_per_shard: int,
                shuffle_seed: Optional[int]) -> List[List[dict]]:
    """Split the list into shards; shuffled first by default, since lists
    are grouped by speaker and a shard should hold many speakers."""
    infos = [dict(info, sample_idx=i) for i, info in enumerate(infos)]
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(infos)
    return [infos[i:i + clips_per_shard]
            for i in range(0, len(infos), clips_per_shard)]


def pack_shards(infos: List[dict], out_dir: str, clips_per_shard: int = 256,
                workers: int = 1, crop: Optional[Sequence[int]] = None,
                quality: int = 90, sample_rate: int = 16000,
                shuffle_seed: Optional[int] = 0,
                progress: Optional[Callable[[dict], None]] = None,
                source: str = '') -> dict:
    """Pack ``infos`` (the list dataset's entries) into ``out_dir``.

    Writes ``shards/shard-NNNNNN.tar`` (plus a ``.json`` record each) with
    atomic renames, skips shards a previous run finished, then writes
    ``failures.txt`` and ``manifest.json`` (counts, sizes, SHA-256).
    The shards depend only on the list and the options, not on ``workers``
    or on interruptions.
    """
    os.makedirs(osp.join(out_dir, SHARD_DIR), exist_ok=True)
    # half-written files of an interrupted run (one packer per OUT at a time)
    for name in os.listdir(osp.join(out_dir, SHARD_DIR)):
        if '.tmp-' in name:
            os.remove(osp.join(out_dir, SHARD_DIR, name))
    opts = dict(crop=list(crop) if crop else None, quality=int(quality),
                sample_rate=int(sample_rate))
    jobs = [(i, out_dir, shard, opts) for i, shard in
            enumerate(plan_shards(infos, clips_per_shard, shuffle_seed))]
    records = []
    if workers > 1:
        with get_context('fork').Pool(workers) as pool:
            for rec in pool.imap_unordered(pack_shard, jobs):
                records.append(rec)
                if progress:
                    progress(rec)
    else:
        for job in jobs:
            records.append(pack_shard(job))
            if progress:
                progress(records[-1])
    records.sort(key=lambda r: r['path'])
    failures = [f for r in records for f in r['failures']]
    with open(osp.join(out_dir, 'failures.txt'), 'w') as f:
        f.write(''.join(f'{p}\t{why}\n' for p, why in failures))
    manifest = dict(
        format=FORMAT, version=FORMAT_VERSION, source=source, **opts,
        clips_per_shard=clips_per_shard, shuffle_seed=shuffle_seed,
        num_listed=len(infos), num_clips=sum(len(r['sample_ids'])
                                             for r in records),
        num_failed=len(failures),
        bytes=sum(r['bytes'] for r in records),
        shards=[{k: r[k] for k in ('path', 'sample_ids', 'bytes', 'sha256')}
                for r in records])
    _write_atomic(osp.join(out_dir, 'manifest.json'),
                  lambda f: f.write(json.dumps(manifest, indent=1).encode()))
    return manifest
