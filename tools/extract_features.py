"""Extract HiCMAE embeddings of a whole dataset or of one's own clips.

    python tools/extract_features.py [INPUT ...] --config CFG
        --checkpoint CKPT --out DIR [--audio WAV ...]
        [--split test|val|train] [--batch-size 8] [--num-workers 2]
        [--all-layers] [--no-face-crop] [--overwrite] [--device cuda|cpu]
        [--cfg-options k=v ...] [--launcher none|pytorch]
    # N processes (gloo without CUDA):
    bash tools/dist_launch.sh N tools/extract_features.py [INPUT ...] ...

INPUT is one list file (.txt/.csv/.lst, ``<video> <audio> <label>`` lines,
read by the config's ``{split}`` dataset with its ``data_root`` and
``path_remap``), or video files / frame folders / folders of videos / glob
patterns (give a wav per frame folder, or per input, with --audio). Without
INPUT the config's ``{split}`` dataset is used as it is. The face of loose
video files is detected and cropped first, as tools/inference.py does (one
default for both; ``--no-face-crop`` for videos that are face crops
already; frame folders and lists name prepared face crops and are left
alone). The clips run through the config's test pipeline (every test
view, features averaged per clip) on a fine-tuned checkpoint.

DIR receives, rows in list order: feature.npy (N, D: the fused feature the
classifier sees), video_layers.npy / audio_layers.npy (N, L, C: every encoder
layer after the final norm, token-averaged), fused_video.npy /
fused_audio.npy (N, C), with --all-layers all_layers_{video,audio}.npy
(N, 1 + L, C: embeddings then every block, un-normalised) and
all_layers_fused_{video,audio}.npy (fusion blocks); index.csv
(row,video,audio,label) and meta.json. A DIR that holds features already
is refused unless --overwrite is given (then feature files that this run
does not write are removed). --batch-size counts views. A clip that cannot
be used is named on the terminal and in meta.json ("failed", with its
reason) and left out; the exit status says so (see the end of --help).
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

from hicmae.apis import exit_codes, init_model
from hicmae.apis.checkpoint_info import checkpoint_meta, synthetic_note
from hicmae.apis.feature_extraction import (ExtractedFeatures,
                                            dataset_from_config,
                                            dataset_from_files,
                                            extract_dataset_features)
from hicmae.apis.inference import default_device
from hicmae.apis.inputs import (InputError, clean_reason, expand_inputs,
                                media_problem, quiet_decoder_logs)
from hicmae.cli_help import DefaultsHelpFormatter

LIST_SUFFIXES = ('.txt', '.csv', '.lst', '.list')
FEATURE_KINDS = ('feature', 'video_layers', 'audio_layers', 'fused_video',
                 'fused_audio')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0], epilog=exit_codes.EPILOG,
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('inputs', nargs='*', metavar='INPUT',
                        help='one list file, or video files, frame folders, '
                        "folders of videos or glob patterns (none: the "
                        "config's --split dataset)")
    parser.add_argument('--config', required=True,
                        help='the fine-tuning config of the checkpoint')
    parser.add_argument('--checkpoint', required=True,
                        help='a fine-tuned checkpoint')
    parser.add_argument('--out', required=True, metavar='DIR',
                        help='folder for the feature files')
    parser.add_argument('--audio', nargs='+',
                        help='wav per frame folder (or per input)')
    parser.add_argument('--split', default='test',
                        choices=['test', 'val', 'train'],
                        help='dataset of the config used without INPUT or '
                        'for a list INPUT')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='views per forward pass')
    parser.add_argument('--num-workers', type=int, default=2,
                        help='data loading processes')
    parser.add_argument('--all-layers', action='store_true',
                        help='also every block, un-normalised')
    parser.add_argument('--no-face-crop', dest='face_crop',
                        action='store_false',
                        help='loose videos are face crops already (default: '
                        'crop their face, as tools/inference.py does)')
    parser.add_argument('--face-crop', dest='face_crop', action='store_true',
                        help=argparse.SUPPRESS)  # the default; older option
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the features of an earlier run in DIR')
    parser.add_argument('--device',
                        help='cuda or cpu (default: cuda if available)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch'],
                        help='pytorch: one process of several (torchrun)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                        help=argparse.SUPPRESS)
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
    videos = expand_inputs(args.inputs)
    audios = pair_audio(videos, args.audio)
    kept, dropped = [], []
    for video, audio in zip(videos, audios):
        problem = media_problem(video)
        if problem is None:
            kept.append((video, audio))
        else:  # e.g. a wav: no video stream
            dropped.append(dict(video=video, audio=audio, file=problem.path,
                                reason=problem.reason))
    if not kept:
        return dataset_from_files(cfg, [], [], face_crop=False), dropped
    return dataset_from_files(cfg, *map(list, zip(*kept)),
                              face_crop=args.face_crop), dropped


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


def fail(message: str, code: int) -> int:
    print(f'extract_features.py: error: {clean_reason(message)}',
          file=sys.stderr)
    return code


def check_out(out: str, overwrite: bool) -> None:
    """``out`` can take this run's files: refused when it holds an earlier
    run's features, unless ``overwrite``."""
    if osp.exists(out) and not osp.isdir(out):
        raise ValueError(f'--out {out} is a file: give a folder')
    parent = osp.dirname(osp.abspath(out))
    if not osp.isdir(parent):
        raise ValueError(f'--out {out}: folder {parent} does not exist')
    earlier = osp.isdir(out) and (
        osp.exists(osp.join(out, 'meta.json'))
        or any(Path(out).glob('*.npy')))
    if earlier and not overwrite:
        raise ValueError(f'--out {out} holds the features of an earlier '
                         'run: pass --overwrite to replace them, or choose '
                         'another folder')


def check_device(device: Optional[str]) -> None:
    if device and device.startswith('cuda') and \
            not torch.cuda.is_available():
        raise ValueError(f'--device {device}: no CUDA GPU is usable here '
                         '(torch.cuda.is_available() is False); use '
                         '--device cpu')


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet_decoder_logs()
    try:
        check_device(args.device)
        check_out(args.out, args.overwrite)
        if args.inputs and not is_list_file(args.inputs):
            expand_inputs(args.inputs)  # a pattern matching nothing: now
    except (InputError, ValueError) as err:
        return fail(str(err), exit_codes.USAGE)
    if not osp.isfile(args.checkpoint) and '://' not in args.checkpoint:
        return fail(f'checkpoint not found: {args.checkpoint}',
                    exit_codes.SETUP_FAILED)
    device = setup_launcher(args.launcher, args.device)
    try:
        model = init_model(args.config, args.checkpoint, device,
                           args.cfg_options)
    except Exception as err:  # any load failure: one line, not a trace
        reason = clean_reason(str(err))
        if args.checkpoint not in reason and args.config not in reason:
            reason = f'cannot load {args.checkpoint}: {reason}'
        return fail(reason[:500], exit_codes.SETUP_FAILED)
    try:
        dataset, dropped = build_dataset(args, model.cfg)
    except (ValueError, FileNotFoundError) as err:
        return fail(str(err), exit_codes.USAGE)
    rank = dist.get_rank() if dist.is_initialized() else 0

    def report(line: str) -> None:
        print(clean_reason(line), file=sys.stderr, flush=True)

    if rank == 0:
        note = synthetic_note(checkpoint_meta(args.checkpoint))
        if note:
            report(note)
        for item in dropped:
            report(f'{item["file"]}: skipped: {item["reason"]}')
    if len(dataset):
        features = extract_dataset_features(
            model, dataset, args.batch_size, args.num_workers,
            args.all_layers, log=report)
    else:  # every input refused before decoding
        features = ExtractedFeatures()
    if features is None:  # another rank writes
        dist.destroy_process_group()
        return exit_codes.OK
    features.failed = dropped + features.failed
    classes = getattr(dataset, 'metainfo', {}).get('classes') or \
        model.cfg.test_dataloader.dataset.get('metainfo', {}).get('classes')
    meta = save_features(features, args.out, dict(
        config=args.config, checkpoint=args.checkpoint,
        inputs=args.inputs or f'{args.split} split', split=args.split,
        classes=list(classes) if classes else None,
        face_crop=bool(args.face_crop),
        world_size=dist.get_world_size() if dist.is_initialized() else 1,
        num_views=list(model.cfg.test_dataloader.dataset.get(
            'num_views', (1, 1)))))
    failed = len(meta['failed'])
    print(f'{meta["count"]} clips -> {args.out} ({failed} failed)')
    if dist.is_initialized():
        dist.destroy_process_group()
    return exit_codes.outcome(meta['count'] + failed, failed)


if __name__ == '__main__':
    sys.exit(main())
