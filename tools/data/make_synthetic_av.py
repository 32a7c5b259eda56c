"""Write the synthetic audio-visual emotion dataset (see
``hicmae/data_prep/synthetic_av/__init__.py`` for the design).

Usage::

    python tools/data/make_synthetic_av.py [OUT_DIR] [--num-per-class 24]
        [--seed 0] [--size 96] [--fps 25] [--duration 3.2] [--overwrite]
        [--cue-set {emotions6,valence_arousal4}]

``--cue-set valence_arousal4`` writes the second set (face valence x voice
arousal, another look), by default to ``data/synthetic_va``.

Exit status 2 on invalid arguments or when OUT_DIR is not empty and
``--overwrite`` is not given.
"""
import argparse
import sys

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.data_prep.synthetic_av import (CUE_SETS, DEFAULT_CUE_SET,
                                           make_synthetic_av, validate_args)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate a small synthetic audio-visual emotion '
        'dataset (mp4 + frame folders + wav + annotation lists) whose '
        'classes need both face and voice.',
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('out_dir', nargs='?', default=None,
                        help='output folder (default: data/synthetic, or '
                        'data/synthetic_va for --cue-set valence_arousal4)')
    parser.add_argument('--cue-set', default=DEFAULT_CUE_SET,
                        choices=list(CUE_SETS),
                        help='classes, cues and look of the set (default: '
                        f'{DEFAULT_CUE_SET})')
    parser.add_argument('--num-per-class', type=int, default=24,
                        help='clips per class (default: 24)')
    parser.add_argument('--seed', type=int, default=0,
                        help='random seed (default: 0)')
    parser.add_argument('--size', type=int, default=96,
                        help='frame side in pixels, even (default: 96)')
    parser.add_argument('--fps', type=float, default=25,
                        help='frame rate (default: 25)')
    parser.add_argument('--duration', type=float, default=3.2,
                        help='clip length in seconds; duration * fps must '
                        'be >= 64 (default: 3.2)')
    parser.add_argument('--workers', type=int, default=1,
                        help='processes writing clips (default: 1)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the dataset in a non-empty OUT_DIR')
    return parser, parser.parse_args(argv)


def main(argv=None) -> int:
    parser, args = parse_args(argv)
    if args.workers < 1:
        parser.error(f'--workers must be positive, got {args.workers}')
    try:
        validate_args(args.num_per_class, args.size, args.fps,
                          args.duration)
    except ValueError as err:
        parser.error(str(err))   # exits with status 2
    out_dir = args.out_dir or CUE_SETS[args.cue_set].default_dir
    try:
        make_synthetic_av(
            out_dir, num_per_class=args.num_per_class, seed=args.seed,
            size=args.size, fps=args.fps, duration=args.duration,
            overwrite=args.overwrite, workers=args.workers, log=print,
            cue_set=args.cue_set)
    except FileExistsError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
