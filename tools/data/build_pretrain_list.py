"""Write a pre-training list: every video under a folder, one per line.

    python tools/data/build_pretrain_list.py DATA_ROOT [SUBDIR] \
        [--out pretrain_list.txt] [--ext .mp4]

For VoxCeleb2: ``DATA_ROOT`` is the dataset root and ``SUBDIR`` ``dev/mp4``
(``idXXXXX/<youtube id>/NNNNN.mp4`` below it). Paths are written relative to
``DATA_ROOT`` in sorted order, so the list is reproducible; the list goes to
``DATA_ROOT/pretrain_list.txt`` unless ``--out`` says otherwise.
"""
import argparse
import os.path as osp
import sys

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.data_prep.list_builders.voxceleb2 import find_videos


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('data_root', help='dataset root; list paths are '
                        'relative to it')
    parser.add_argument('subdir', nargs='?', default='.',
                        help='folder under DATA_ROOT to search for videos')
    parser.add_argument('--out', help='list path (default: '
                        'DATA_ROOT/pretrain_list.txt)')
    parser.add_argument('--ext', default='.mp4')
    args = parser.parse_args(argv)
    try:
        videos = find_videos(args.data_root, args.subdir, args.ext.lower())
    except FileNotFoundError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if not videos:
        print(f'error: no {args.ext} files under '
              f'{osp.join(args.data_root, args.subdir)}', file=sys.stderr)
        return 2
    out = args.out or osp.join(args.data_root, 'pretrain_list.txt')
    with open(out, 'w') as f:
        f.write('\n'.join(videos) + '\n')
    print(f'{len(videos)} videos -> {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
