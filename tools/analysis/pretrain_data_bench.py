"""Pre-training input measurements for ``benchmark.py data`` / ``model``.

Sources, on the same generated VoxCeleb2-like clips (224x224, 25 fps, with
audio): ``mp4`` (video with its AAC track), ``frames`` (JPEG frame folder +
16 kHz wav, the authors' layout) and ``shards`` (the mp4 list packed by
``tools/data/pack_pretrain_shards.py`` with the VoxCeleb2 face crop). Every
source runs the paper's pipeline: 16 frames at stride 4, the face region
(rows 0:160, cols 32:192: ``FixedCrop`` for the files, done at packing for
the shards), multi-scale crop to 160x160, 256x128 fbank (the model draws
the masks).
"""
import os
import os.path as osp
import time
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def face_box(source_px: int) -> tuple:
    """``(x, y, w, h)`` of the VoxCeleb2 face region (rows 0:160, cols
    32:192 of 224x224 frames), scaled to ``source_px`` frames."""
    return tuple(round(v * source_px / 224) for v in (32, 0, 160, 160))


LISTS = dict(mp4='lists/pretrain.txt', frames='lists/train.txt')


def pretrain_pipeline(size_px: int, source_px: int) -> List[dict]:
    """The paper's pre-training pipeline with the VoxCeleb2 face crop."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'datasets',
                                   'av_pretrain_pipeline.py'))
    pipeline = [dict(t) for t in cfg.train_pipeline]
    for t in pipeline:
        if t['type'] == 'MultiScaleCrop':
            t['output_size'] = size_px
    if not any(t['type'] == 'FixedCrop' for t in pipeline):
        at = [t['type'] for t in pipeline].index('DecodeFrames') + 1
        pipeline.insert(at, dict(type='FixedCrop', box=face_box(source_px)))
    return pipeline


def _disk_bytes(root: str, ds) -> float:
    """Mean bytes per clip of a list dataset's files (video + audio)."""
    total = 0
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        paths = [info['filename']] + ([info['audio_filename']]
                                      if info.get('audio_filename') else [])
        for p in paths:
            if osp.isdir(p):
                total += sum(osp.getsize(osp.join(p, n))
                             for n in os.listdir(p))
            else:
                total += osp.getsize(p)
    return total / len(ds)


def _clips(source: str, ds, k: int, count: int):
    """``count`` clips the way a worker produces them (repeats in a row)."""
    from hicmae.datasets import RepeatedClipSampler
    made = 0
    epoch = 0
    while made < count:
        if source == 'shards':
            stream = iter(ds)
        else:
            sampler = RepeatedClipSampler(ds, seed=0)
            sampler.set_epoch(epoch)
            stream = (ds[i] for i in sampler)
        for _ in stream:
            made += 1
            if made >= count:
                return
        epoch += 1


def _per_worker(datasets: Dict, iters: int, rounds: int) -> Dict:
    """Best seconds per clip of each ``(source, k)`` over ``rounds``
    rounds that take the cases in turn, so that load from other processes
    falls on all of them alike (and only ever slows a case down)."""
    best = {key: float('inf') for key in datasets}
    for _ in range(rounds):
        for (source, k), ds in datasets.items():
            start = time.perf_counter()
            _clips(source, ds, k, iters)
            best[source, k] = min(best[source, k],
                                  (time.perf_counter() - start) / iters)
    return best


def _with_workers(source: str, ds, workers: int, iters: int) -> float:
    """Clips per second through a DataLoader with ``workers`` persistent
    processes, after the first epoch (start-up, imports)."""
    from mmengine.dataset import pseudo_collate
    from torch.utils.data import DataLoader

    from hicmae.datasets import RepeatedClipSampler
    sampler = None if source == 'shards' else RepeatedClipSampler(ds, seed=0)
    loader = DataLoader(ds, sampler=sampler, batch_size=4,
                        num_workers=workers, persistent_workers=True,
                        collate_fn=pseudo_collate)
    for _ in loader:  # warm-up epoch
        pass
    got, start = 0, time.perf_counter()
    while got < iters:
        for batch in loader:
            got += len(batch['inputs'])
    return got / (time.perf_counter() - start)


def measure(args) -> List[Dict]:
    """One row per source and k: clips/s per worker and with N workers,
    ratio to mp4 at the same k, disk bytes per clip; packing time."""
    import json
    import tempfile

    import torch

    from hicmae.data_prep.synthetic_av import make_synthetic_av
    from hicmae.utils import register_all_modules
    register_all_modules()
    # one thread, as in a DataLoader worker (PyTorch sets it there)
    torch.set_num_threads(1)
    pipeline = pretrain_pipeline(args.size_px, args.source_px)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        make_synthetic_av(tmp, num_per_class=args.clips_per_class,
                          size=args.source_px, duration=args.duration,
                          seed=0)
        datasets, disk, pack_per_1000 = {}, {}, None
        if 'shards' in args.source:  # pack the mp4 list, timed
            start = time.perf_counter()
            _source_dataset('shards', tmp, pipeline, args.source_px)
            seconds = time.perf_counter() - start
            with open(osp.join(tmp, 'shards', 'manifest.json')) as f:
                manifest = json.load(f)
            disk['shards'] = manifest['bytes'] / manifest['num_clips']
            pack_per_1000 = 1000 * seconds / manifest['num_clips']
        for k in args.repeats:
            for source in args.source:
                ds = _source_dataset(source, tmp, pipeline, args.source_px,
                                     num_repeats=k)
                if source != 'shards':
                    disk.setdefault(source, _disk_bytes(tmp, ds))
                else:
                    ds.shuffle_buffer = 1  # what a worker reads, unbuffered
                datasets[source, k] = ds
                _clips(source, ds, k, 1)  # imports, file-system caches
        timing = _per_worker(datasets, args.iters, args.rounds)
        for (source, k), ds in datasets.items():
            row = dict(source=source, k=k, size_px=args.size_px,
                       clip_ms=round(1000 * timing[source, k], 1),
                       clips_per_s=round(1 / timing[source, k], 2))
            if ('mp4', k) in timing:
                row['x_mp4'] = round(timing['mp4', k] / timing[source, k],
                                     2)
            if args.workers > 1:
                row[f'clips_per_s_{args.workers}w'] = round(_with_workers(
                    source, ds, args.workers, args.iters * args.workers), 2)
            row['MB_per_clip'] = round(disk[source] / 1e6, 3)
            row['pack_s_per_1000'] = (round(pack_per_1000, 1)
                                      if source == 'shards' else '-')
            rows.append(row)
    return rows


def summary(rows: List[Dict]) -> str:
    """One line: the shard/mp4 and shard/frames ratios per worker."""
    def rate(source, k):
        found = [r['clips_per_s'] for r in rows
                 if r['source'] == source and r['k'] == k]
        return found[0] if found else None
    parts = []
    for k in sorted({r['k'] for r in rows}):
        s, m, f = rate('shards', k), rate('mp4', k), rate('frames', k)
        if s and m:
            parts.append(f'k={k}: shards {s / m:.1f}x mp4')
        if s and f:
            parts.append(f'{s / f:.2f}x frames')
    return '; '.join(parts)


def _source_dataset(source: str, root: str, pipeline: List[dict],
                    source_px: int, num_repeats: int = 1):
    """The dataset of ``source`` over generated clips in ``root`` (packs
    the shards on first use)."""
    from hicmae.data_prep.shard_packing import pack_shards
    from hicmae.datasets import AVPretrainDataset, AVShardDataset
    if source != 'shards':
        return AVPretrainDataset(ann_file=LISTS[source], data_root=root,
                                 pipeline=pipeline, num_repeats=num_repeats)
    out = osp.join(root, 'shards')
    if not osp.exists(osp.join(out, 'manifest.json')):
        listed = AVPretrainDataset(ann_file=LISTS['mp4'], data_root=root)
        x, y, w, h = face_box(source_px)
        pack_shards([listed.get_data_info(i) for i in range(len(listed))],
                    out, clips_per_shard=4, crop=(y, y + h, x, x + w))
    return AVShardDataset(osp.join(out, 'manifest.json'), pipeline=pipeline,
                          num_repeats=num_repeats, skip_transforms=(
                              'OpenVideo', 'LoadAudio', 'FixedCrop'))


def loader_case(args, model, wrapper, device) -> Dict:
    """Train steps on batches of the real loader (``args.loader`` source,
    ``args.workers`` workers): step time and the share of it spent waiting
    for the next batch, as ``DataWaitHook`` reports it in training."""
    import tempfile

    import torch
    from mmengine.dataset import default_collate
    from torch.utils.data import DataLoader

    from hicmae.data_prep.synthetic_av import make_synthetic_av
    from hicmae.datasets import RepeatedClipSampler
    venc = model.video_encoder
    size_px = venc.patch_embed.grid_size[1] * venc.patch_embed.patch_size[1]
    with tempfile.TemporaryDirectory() as tmp:
        px = args.source_px
        make_synthetic_av(tmp, num_per_class=1, size=px, duration=3.2,
                          seed=0)
        ds = _source_dataset(args.loader, tmp,
                             pretrain_pipeline(size_px, px), px)
        sampler = None if args.loader == 'shards' else RepeatedClipSampler(
            ds, seed=0)
        loader = DataLoader(ds, sampler=sampler, batch_size=args.batch,
                            num_workers=args.workers,
                            persistent_workers=args.workers > 0,
                            collate_fn=default_collate, drop_last=True)

        def batches():
            while True:
                yield from loader

        it = batches()
        sync = torch.cuda.synchronize if device.type == 'cuda' else (
            lambda: None)
        for _ in range(args.warmup):
            model.train_step(next(it), wrapper)
        sync()
        wait = total = 0.
        last = time.perf_counter()
        for _ in range(args.steps):
            data = next(it)
            got = time.perf_counter()
            losses = model.train_step(data, wrapper)
            sync()
            now = time.perf_counter()
            wait += got - last
            total += now - last
            last = now
    return dict(size=args.size[0], batch=args.batch, loader=args.loader,
                workers=args.workers, device=args.device,
                step_s=round(total / args.steps, 4),
                samples_per_s=round(args.batch * args.steps / total, 3),
                data_wait=round(wait / total, 3),
                loss=round(float(losses['loss']), 4),
                threads=torch.get_num_threads())
