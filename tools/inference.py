"""Recognise the emotion of one's own clips with a fine-tuned model.

    python tools/inference.py VIDEO [VIDEO ...] --config CFG --checkpoint CKPT
        [--audio WAV ...] [--out result.json] [--topk 3] [--device cpu]
        [--no-face-crop] [--cfg-options k=v ...]

Each VIDEO is a video file with an audio track, or a frame folder (then
give its wav with --audio, one per video, in order). The models see face
crops, like their training data: the sampled frames of a video file are
cropped to the largest face first (OpenCV Haar cascade, smoothed over the
clip); --no-face-crop skips that for videos that are face crops already.
Frame folders are taken as face crops (tools/data/crop_faces.py writes
them). Scores are averaged over the config's test views. A clip that cannot
be used (no face found, no audio, corrupt file...) gets a message naming it
and why; the others still run. Exit status 1 only if no clip could be used.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import DictAction  # noqa: E402

from hicmae.apis import inference_recognizer, init_model, top_k  # noqa: E402
from hicmae.datasets import BadSampleError  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('videos', nargs='+')
    parser.add_argument('--config', required=True)
    parser.add_argument('--checkpoint', required=True)
    parser.add_argument('--audio', nargs='+',
                        help='wav per video (needed for frame folders)')
    parser.add_argument('--out', help='write every result as JSON here')
    parser.add_argument('--topk', type=int, default=3)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--no-face-crop', dest='face_crop',
                        action='store_false',
                        help='the videos are face crops already')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.audio and len(args.audio) != len(args.videos):
        parser.error('give one --audio per video')
    model = init_model(args.config, args.checkpoint, args.device,
                       args.cfg_options)
    results, failed = {}, 0
    for i, video in enumerate(args.videos):
        audio = args.audio[i] if args.audio else None
        try:
            result = inference_recognizer(model, video, audio,
                                          face_crop=args.face_crop)
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
        best = top_k(result, args.topk)
        results[video] = dict(
            label=result['classes'][result['label']],
            scores=dict(zip(result['classes'],
                            map(float, result['scores']))))
        print(f'{video}\n' + '\n'.join(f'  {name:<16} {p:6.1%}'
                                        for name, p in best))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
    return 1 if failed == len(args.videos) else 0


if __name__ == '__main__':
    sys.exit(main())
