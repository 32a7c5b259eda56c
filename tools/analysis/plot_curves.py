"""Draw the loss, validation-metric and learning-rate curves of a run.

    python tools/analysis/plot_curves.py WORK_DIR [--out PNG] [--all]
        [--title TEXT]

Reads the ``WORK_DIR/<timestamp>/vis_data/scalars.json`` that MMEngine's
LocalVisBackend writes: the newest run's, or with ``--all`` every run's in
time order (a resumed run continues in a new timestamp folder). Default
PNG: WORK_DIR/curves.png.
"""
import argparse
import os.path as osp
import sys

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.visualization import (draw_curves, find_scalars, load_scalars,
                                  save_image)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('work_dir', help='the run\'s work dir (holding '
                        '<timestamp>/vis_data/scalars.json)')
    parser.add_argument('--out', help='PNG path (default: '
                        'WORK_DIR/curves.png)')
    parser.add_argument('--all', action='store_true',
                        help='join every run of the work dir')
    parser.add_argument('--title')
    args = parser.parse_args(argv)
    try:
        paths = find_scalars(args.work_dir, all_runs=args.all)
        records = [row for path in paths for row in load_scalars(path)]
        image = draw_curves(records, title=args.title or
                            osp.basename(osp.abspath(args.work_dir)))
        out = args.out or osp.join(args.work_dir, 'curves.png')
        print(f'read {", ".join(map(str, paths))}')
        print(f'wrote {save_image(image, out)}')
    except (FileNotFoundError, ValueError, OSError) as err:
        sys.exit(f'error: {err}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
