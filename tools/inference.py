"""Recognise the emotion of one's own clips with a fine-tuned model.

    python tools/inference.py VIDEO [VIDEO ...] --config CFG --checkpoint CKPT
        [--audio WAV ...] [--out result.json] [--topk 3] [--device cuda]
        [--no-face-crop] [--align] [--cfg-options k=v ...]

Each VIDEO is a video file with an audio track, or a frame folder (then
give its wav with --audio, one per video, in order). The models see face
crops, like their training data: the sampled frames of a video file are
cropped to the face first (MTCNN, or the fallback detector when its package
is missing; one person followed through the clip, the crop smoothed);
--align also turns each crop so the eyes are level, at a fixed face scale,
like OpenFace's aligned crops; --no-face-crop skips cropping for videos
that are face crops already. Frame folders are taken as face crops
(tools/data/crop_faces.py writes them). Probabilities are averaged over the
config's test views (each clip is decoded and face-cropped once). The
device is the GPU when there is one, unless --device says otherwise.

VIDEO may also be a folder of videos (each is a clip) or a glob pattern
('clips/*.mp4'); files are told apart by their content, not their name (an
mp4 without extension is a video; a wav is refused: it has no video
stream). A clip shorter than the sampler's min_frames (8) is scored padded
with its last frame, as the authors' test loader does, and flagged
("padded from N frames") in the table and the JSON.

Every problem is one line on stderr naming it. A bad argument or an
output that cannot be written stops the run before any work; a model that
cannot be loaded too. A clip that cannot be used (no face found, no audio,
no video stream, corrupt file...) is skipped, recorded with its reason in
the JSON ({"skipped": REASON}) and the others still run.
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmengine.config import DictAction

from hicmae.apis import exit_codes, inference_recognizer, init_model, top_k
from hicmae.apis.checkpoint_info import checkpoint_meta, synthetic_note
from hicmae.apis.inference import default_device
from hicmae.apis.inputs import (InputError, clean_reason, expand_inputs,
                                media_problem, quiet_decoder_logs)
from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.datasets import BadSampleError

PROG = 'inference.py'


def fail(message: str, code: int) -> int:
    print(f'{PROG}: error: {clean_reason(message)}', file=sys.stderr)
    return code


def is_frame_folder(video: str) -> bool:
    return osp.isdir(video) or (osp.splitext(video)[1] == ''
                                and not osp.isfile(video))


def class_count(model) -> int:
    """Classes of a classifier, 0 for a regression model."""
    return 0 if model.is_regression else int(model.head.num_classes)


def run_clip(model, video: str, audio, args) -> dict:
    """One clip's result; raises BadSampleError for an unusable clip."""
    if audio is None and is_frame_folder(video):
        raise BadSampleError(video, 'a frame folder has no audio track: '
                             'give its wav with --audio')
    problem = media_problem(video)
    if problem is not None:
        raise problem
    face_crop = dict(align=True) if args.align and args.face_crop \
        else args.face_crop
    return inference_recognizer(model, video, audio, face_crop=face_crop)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__.split('\n')[0],
        epilog=exit_codes.EPILOG,
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('videos', nargs='+', metavar='VIDEO',
                        help='video files, frame folders, folders of '
                        'videos or glob patterns')
    parser.add_argument('--config', required=True,
                        help='the fine-tuning config of the checkpoint')
    parser.add_argument('--checkpoint', required=True,
                        help='a fine-tuned checkpoint')
    parser.add_argument('--audio', nargs='+',
                        help='wav per video (needed for frame folders)')
    parser.add_argument('--out', help='write every result (and every '
                        'skipped clip with its reason) as JSON here')
    parser.add_argument('--topk', type=int,
                        help='classes to print per clip (default 3, at '
                        'most the number of classes)')
    parser.add_argument('--device', help='cuda or cpu (default: cuda if '
                        'available)')
    parser.add_argument('--no-face-crop', dest='face_crop',
                        action='store_false',
                        help='the videos are face crops already (default: '
                        'crop the face of video files)')
    parser.add_argument('--align', action='store_true',
                        help='aligned face crops (eyes level, fixed scale)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    return parser.parse_args(argv)


def check_device(device) -> str:
    """The device asked for, or a one-line reason it cannot be used."""
    import torch
    if device is None:
        return default_device()
    if device.startswith('cuda') and not torch.cuda.is_available():
        raise ValueError(f'--device {device}: no CUDA GPU is usable here '
                         '(torch.cuda.is_available() is False); use '
                         '--device cpu')
    return device


def check_out(path) -> None:
    """The JSON can be written: its folder exists and is writable."""
    if path is None:
        return
    folder = osp.dirname(osp.abspath(path))
    if osp.isdir(path):
        raise ValueError(f'--out {path} is a folder: give a file name, '
                         'e.g. result.json')
    if not osp.isdir(folder):
        raise ValueError(f'--out {path}: folder {folder} does not exist '
                         '(create it first)')
    if not os.access(folder, os.W_OK):
        raise ValueError(f'--out {path}: folder {folder} is not writable')


def describe(video: str, result: dict, topk: int) -> str:
    """The table lines of one clip."""
    flag = (f'  (padded from {result["padded_from"]} frames)'
            if 'padded_from' in result else '')
    if 'values' in result:
        return f'{video}: ' + ', '.join(
            f'{v:.3f}' for v in result['values']) + flag
    return f'{video}{flag}\n' + '\n'.join(
        f'  {name:<16} {p:6.1%}' for name, p in top_k(result, topk))


def as_json(result: dict) -> dict:
    if 'values' in result:
        out = dict(values=result['values'].tolist())
    else:
        out = dict(label=result['classes'][result['label']],
                   scores=dict(zip(result['classes'],
                                   map(float, result['scores']))))
    for key in ('padded_from', 'fallbacks'):
        if key in result:
            out[key] = result[key]
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet_decoder_logs()
    try:
        videos = expand_inputs(args.videos)
        device = check_device(args.device)
        check_out(args.out)
    except (InputError, ValueError) as err:
        return fail(str(err), exit_codes.USAGE)
    if args.audio and len(args.audio) != len(videos):
        return fail(f'{len(videos)} videos but {len(args.audio)} '
                    '--audio files: give one wav per video, in order',
                    exit_codes.USAGE)
    if not osp.isfile(args.config):
        return fail(f'config not found: {args.config}', exit_codes.USAGE)
    if not osp.isfile(args.checkpoint):
        return fail(f'checkpoint not found: {args.checkpoint}',
                    exit_codes.SETUP_FAILED)
    try:
        model = init_model(args.config, args.checkpoint, device,
                           args.cfg_options)
    except Exception as err:  # any load failure: one line, not a trace
        reason = clean_reason(str(err))
        if args.checkpoint not in reason and args.config not in reason:
            reason = f'cannot load {args.checkpoint}: {reason}'
        return fail(reason[:500], exit_codes.SETUP_FAILED)
    try:
        note = synthetic_note(checkpoint_meta(args.checkpoint))
    except Exception:  # loaded above; metadata is only for the note
        note = None
    if note:
        print(note, file=sys.stderr)
    classes = class_count(model)
    if classes == 0 and args.topk is not None:
        return fail(f'{args.config} is a regression model: it gives values, '
                    'not classes; drop --topk', exit_codes.USAGE)
    topk = 3 if args.topk is None else args.topk
    if classes and not 1 <= topk <= classes:
        return fail(f'--topk {topk} is out of range: the model has '
                    f'{classes} classes', exit_codes.USAGE)
    topk = min(topk, classes) if classes else topk
    results, failed = {}, 0
    for i, video in enumerate(videos):
        audio = args.audio[i] if args.audio else None
        try:
            result = run_clip(model, video, audio, args)
        except BadSampleError as err:
            reason = clean_reason(err.reason)
            hint = (' (if the video is a face crop already, pass '
                    '--no-face-crop)' if reason.startswith('no face')
                    else '')
            where = '' if err.path == video else f' ({err.path})'
            print(f'{video}: skipped: {reason}{where}{hint}',
                  file=sys.stderr)
            results[video] = dict(skipped=f'{reason}{where}')
            failed += 1
            continue
        results[video] = as_json(result)
        print(describe(video, result, topk))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
    status = exit_codes.outcome(len(videos), failed)
    if status == exit_codes.NONE_WORKED:
        fail(f'none of the {failed} clips could be used', status)
    elif status == exit_codes.SOME_FAILED:
        print(f'{PROG}: {failed} of {len(videos)} clips skipped (exit '
              f'status {status})', file=sys.stderr)
    return status


if __name__ == '__main__':
    sys.exit(main())
