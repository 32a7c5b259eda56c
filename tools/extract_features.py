"""Extract HiCMAE embeddings of a whole dataset or of one's own clips.

    python tools/extract_features.py [INPUT ...] --config CFG
        --checkpoint CKPT --out DIR [--audio WAV ...]
        [--split test|val|train] [--batch-size 8] [--num-workers 2]
        [--all-layers] [--face-crop] [--device cuda|cpu]
        [--cfg-options k=v ...] [--launcher none|pytorch]
    # N processes (gloo without CUDA):
    bash tools/dist_launch.sh N tools/extract_features.py [INPUT ...] ...

INPUT is one list file (.txt/.csv/.lst, ``<video> <audio> <label>`` lines,
read by the config's ``{split}`` dataset with its ``data_root`` and
``path_remap``), or video files / frame folders (give a wav per frame
folder, or per input, with --audio). Without INPUT the config's ``{split}``
dataset is used as it is. ``--face-crop`` detects and crops the face in
loose video files (as tools/inference.py does by default; lists name
prepared face crops). The clips run through the config's test pipeline
(every test view, features averaged per clip) on a fine-tuned checkpoint.

DIR receives, rows in list order: feature.npy (N, D: the fused feature the
classifier sees), video_layers.npy / audio_layers.npy (N, L, C: every encoder
layer after the final norm, token-averaged), fused_video.npy /
fused_audio.npy (N, C), with --all-layers all_layers_{video,audio}.npy
(N, 1 + L, C: embeddings then every block, un-normalised) and
all_layers_fused_{video,audio}.npy (fusion blocks); index.csv
(row,video,audio,label) and meta.json; feature files an earlier run left
there and this one does not write are removed. --batch-size counts views. A
clip that cannot be decoded is named on the terminal and in meta.json and
left out.
"""
import argparse
import csv
import io
import json
import os
import os.path as osp
import sys
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch
import torch.distributed as dist
from mmengine.config import DictAction
from mmengine.dist import init_dist

from hicmae.apis import init_model
from hicmae.apis.feature_extraction import (ExtractedFeatures,
                                            dataset_from_config,
                                            dataset_from_files,
                                            extract_dataset_features)
from hicmae.apis.inference import default_device

LIST_SUFFIXES = ('.txt', '.csv', '.lst', '.list')
FEATURE_KINDS = ('feature', 'video_layers', 'audio_layers', 'fused_video',
                 'fused_audio')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('inputs', nargs='*', metavar='INPUT')
    parser.add_argument('--config', required=True)
    parser.add_argument('--checkpoint', required=True)
    parser.add_argument('--out', required=True, metavar='DIR')
    parser.add_argument('--audio', nargs='+',
                        help='wav per frame folder (or per input)')
    parser.add_argument('--split', default='test',
                        choices=['test', 'val', 'train'])
    parser.add_argument('--batch-size', type=int, default=8,
                        help='views per forward pass')
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument('--all-layers', action='store_true')
    parser.add_argument('--face-crop', action='store_true',
                        help='crop the face in raw video INPUTs')
    parser.add_argument('--device',
                        help='default: cuda if available, else cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def is_list_file(inputs) -> bool:
    return len(inputs) == 1 and inputs[0].lower().endswith(LIST_SUFFIXES)


def pair_audio(videos, audios):
    """One wav per input, or one per frame folder in order; ``None`` reads
    a video's own track."""
    if not audios:
        return [None] * len(videos)
    if len(audios) == len(videos):
        return list(audios)
    folders = [i for i, v in enumerate(videos) if osp.isdir(v)]
    if len(audios) != len(folders):
        raise ValueError(f'got {len(audios)} --audio files for '
                         f'{len(videos)} inputs of which {len(folders)} are '
                         'frame folders: give one per frame folder or one '
                         'per input')
    paired = [None] * len(videos)
    for i, wav in zip(folders, audios):
        paired[i] = wav
    return paired


def setup_launcher(launcher: str, device: Optional[str]) -> str:
    """Join the process group: on GPUs through MMEngine's ``init_dist``
    with NCCL, on the CPU with gloo (``init_dist`` would select a GPU);
    the device to use (default: the GPU when there is one)."""
    device = device or default_device()
    if launcher == 'none':
        return device
    if device.startswith('cuda') and torch.cuda.is_available():
        init_dist(launcher, backend='nccl')  # also sets the local GPU
        return f'cuda:{torch.cuda.current_device()}'
    dist.init_process_group(backend='gloo')
    return device


def build_dataset(args, cfg):
    """The views to extract and the list lines dropped while reading."""
    if not args.inputs:
        return dataset_from_config(cfg, args.split)
    if is_list_file(args.inputs):
        # a path valid from here is kept; otherwise the dataset joins it
        # to data_root, as it does for the config's own lists
        path = args.inputs[0]
        return dataset_from_config(
            cfg, args.split, osp.abspath(path) if osp.exists(path) else path)
    audios = pair_audio(args.inputs, args.audio)
    return dataset_from_files(cfg, args.inputs, audios,
                              face_crop=args.face_crop), []


def _write_atomic(path: str, write: Callable, binary: bool = True) -> None:
    """Write through a temporary file in the same folder, then rename, so
    a reader never sees a half-written file."""
    tmp = osp.join(osp.dirname(path) or '.',
                   f'.{osp.basename(path)}.{os.getpid()}.tmp')
    try:
        with open(tmp, 'wb' if binary else 'w') as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def save_features(features: ExtractedFeatures, out_dir: str,
                  meta: Optional[dict] = None) -> dict:
    """Write ``<kind>.npy`` per feature kind, ``index.csv`` (``row, video,
    audio, label``) and ``meta.json`` (``meta`` plus count, shapes and
    failed clips) into ``out_dir``; returns the meta information.

    Feature files of an earlier run that this one did not produce (e.g.
    ``all_layers_*``) are removed, so every ``.npy`` matches ``index.csv``.
    """
    os.makedirs(out_dir, exist_ok=True)
    for name, array in features.arrays.items():
        _write_atomic(osp.join(out_dir, f'{name}.npy'),
                      lambda f, a=array: np.save(f, a))
    for old in Path(out_dir).glob('*.npy'):
        if old.stem not in features.arrays and (
                old.stem in FEATURE_KINDS or
                old.stem.startswith('all_layers_')):
            old.unlink()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator='\n')
    writer.writerow(['row', 'video', 'audio', 'label'])
    for row, clip in enumerate(features.clips):
        writer.writerow([row, clip['video'], clip['audio'], clip['label']])
    _write_atomic(osp.join(out_dir, 'index.csv'),
                  lambda f: f.write(text.getvalue()), binary=False)
    meta = dict(meta or {}, count=len(features.clips),
                shapes={k: list(v.shape) for k, v in
                        features.arrays.items()},
                failed=features.failed)
    _write_atomic(osp.join(out_dir, 'meta.json'),
                  lambda f: json.dump(meta, f, indent=2), binary=False)
    return meta


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint) and '://' not in args.checkpoint:
        sys.exit(f'error: checkpoint not found: {args.checkpoint}')
    device = setup_launcher(args.launcher, args.device)
    model = init_model(args.config, args.checkpoint, device,
                       args.cfg_options)
    try:
        dataset, dropped = build_dataset(args, model.cfg)
    except (ValueError, FileNotFoundError) as err:
        sys.exit(f'error: {err}')
    rank = dist.get_rank() if dist.is_initialized() else 0

    def report(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    if rank == 0:
        for item in dropped:
            report(f'{item["file"]}: skipped: {item["reason"]}')
    features = extract_dataset_features(
        model, dataset, args.batch_size, args.num_workers, args.all_layers,
        log=report)
    if features is None:  # another rank writes
        dist.destroy_process_group()
        return 0
    features.failed = dropped + features.failed
    classes = getattr(dataset, 'metainfo', {}).get('classes') or \
        model.cfg.test_dataloader.dataset.get('metainfo', {}).get('classes')
    meta = save_features(features, args.out, dict(
        config=args.config, checkpoint=args.checkpoint,
        inputs=args.inputs or f'{args.split} split', split=args.split,
        classes=list(classes) if classes else None,
        world_size=dist.get_world_size() if dist.is_initialized() else 1,
        num_views=list(model.cfg.test_dataloader.dataset.get(
            'num_views', (1, 1)))))
    print(f'{meta["count"]} clips -> {args.out} '
          f'({len(meta["failed"])} failed)')
    if dist.is_initialized():
        dist.destroy_process_group()
    return 0 if meta['count'] else 1


if __name__ == '__main__':
    sys.exit(main())
