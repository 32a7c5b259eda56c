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

Every problem is one line on stderr naming it: a bad argument or a model
that cannot be loaded stops the run (exit 2 for arguments, 1 for the
model); a clip that cannot be used (no face found, no audio, corrupt
file...) is skipped and the others still run. Exit status 1 if no clip
could be used.
"""
import argparse
import json
import os.path as osp
import sys

from mmengine.config import DictAction

from hicmae.apis import inference_recognizer, init_model, top_k
from hicmae.apis.inference import default_device
from hicmae.datasets import BadSampleError

PROG = 'inference.py'


def fail(message: str, code: int) -> int:
    print(f'{PROG}: error: {message}', file=sys.stderr)
    return code


def is_frame_folder(video: str) -> bool:
    return osp.isdir(video) or osp.splitext(video)[1] == ''


def class_count(model) -> int:
    """Classes of a classifier, 0 for a regression model."""
    return 0 if model.is_regression else int(model.head.num_classes)


def run_clip(model, video: str, audio, args) -> dict:
    """One clip's result; raises BadSampleError for an unusable clip."""
    if audio is None and is_frame_folder(video):
        raise BadSampleError(video, 'a frame folder has no audio track: '
                             'give its wav with --audio')
    face_crop = dict(align=True) if args.align and args.face_crop \
        else args.face_crop
    return inference_recognizer(model, video, audio, face_crop=face_crop)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=PROG,
                                     description=__doc__.split('\n')[0])
    parser.add_argument('videos', nargs='+')
    parser.add_argument('--config', required=True)
    parser.add_argument('--checkpoint', required=True)
    parser.add_argument('--audio', nargs='+',
                        help='wav per video (needed for frame folders)')
    parser.add_argument('--out', help='write every result as JSON here')
    parser.add_argument('--topk', type=int,
                        help='classes to print per clip (default 3, at '
                        'most the number of classes)')
    parser.add_argument('--device', help='default: cuda if available')
    parser.add_argument('--no-face-crop', dest='face_crop',
                        action='store_false',
                        help='the videos are face crops already')
    parser.add_argument('--align', action='store_true',
                        help='aligned face crops (eyes level, fixed scale)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.audio and len(args.audio) != len(args.videos):
        return fail(f'{len(args.videos)} videos but {len(args.audio)} '
                    '--audio files: give one wav per video, in order', 2)
    if not osp.isfile(args.config):
        return fail(f'config not found: {args.config}', 2)
    if not osp.isfile(args.checkpoint):
        return fail(f'checkpoint not found: {args.checkpoint}', 1)
    try:
        model = init_model(args.config, args.checkpoint,
                           args.device or default_device(), args.cfg_options)
    except Exception as err:  # any load failure: one line, not a trace
        reason = ' '.join(str(err).split())
        if args.checkpoint not in reason:
            reason = f'cannot load {args.checkpoint}: {reason}'
        return fail(reason[:500], 1)
    classes = class_count(model)
    if classes == 0 and args.topk is not None:
        return fail(f'{args.config} is a regression model: it gives values, '
                    'not classes; drop --topk', 2)
    topk = 3 if args.topk is None else args.topk
    if classes and not 1 <= topk <= classes:
        return fail(f'--topk {topk} is out of range: the model has '
                    f'{classes} classes', 2)
    topk = min(topk, classes) if classes else topk
    results, failed = {}, 0
    for i, video in enumerate(args.videos):
        audio = args.audio[i] if args.audio else None
        try:
            result = run_clip(model, video, audio, args)
        except BadSampleError as err:
            hint = (' (if the video is a face crop already, pass '
                    '--no-face-crop)' if err.reason.startswith('no face')
                    else '')
            print(f'{video}: skipped: {err.reason} ({err.path}){hint}',
                  file=sys.stderr)
            failed += 1
            continue
        if 'values' in result:
            results[video] = dict(values=result['values'].tolist())
            print(f'{video}: ' + ', '.join(f'{v:.3f}'
                                           for v in result['values']))
            continue
        best = top_k(result, topk)
        results[video] = dict(
            label=result['classes'][result['label']],
            scores=dict(zip(result['classes'],
                            map(float, result['scores']))))
        print(f'{video}\n' + '\n'.join(f'  {name:<16} {p:6.1%}'
                                        for name, p in best))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
    if failed == len(args.videos):
        return fail(f'none of the {failed} clips could be used', 1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
