"""Draw a t-SNE map of extracted clip features, coloured by class.

    python tools/analysis/plot_tsne.py FEATURE_DIR [--out PNG]
        [--perplexity 30] [--seed 0] [--title TEXT]

FEATURE_DIR is what tools/extract_features.py writes: ``feature.npy``
(N, D) float, ``index.csv`` with the header ``row,video,audio,label`` (one
row per feature row; ``label`` an integer class index, empty or negative
for unlabelled clips, drawn grey) and ``meta.json`` with the ``classes``
list. The map is deterministic for a seed; the perplexity is capped below
N. Default PNG: FEATURE_DIR/tsne.png.
"""
import argparse
import csv
import json
import os.path as osp
import sys

import numpy as np

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.visualization import draw_tsne, save_image


def _require(path: str) -> str:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: file not found')
    return path


def load_feature_dir(folder: str):
    """``(features, labels, classes)`` of a feature folder.

    Raises:
        FileNotFoundError / ValueError: naming the file and the reason.
    """
    path = _require(osp.join(folder, 'feature.npy'))
    try:
        features = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise ValueError(f'{path}: not a NumPy array file ({err})')
    if features.ndim != 2:
        raise ValueError(f'{path}: expected (N, D) features, got shape '
                         f'{features.shape}')
    path = _require(osp.join(folder, 'index.csv'))
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or 'label' not in reader.fieldnames or \
                'row' not in reader.fieldnames:
            raise ValueError(f'{path}: expected the header '
                             'row,video,audio,label')
        rows = list(reader)
    labels = np.full(len(features), -1, dtype=int)
    for line, row in enumerate(rows, 2):
        try:
            index = int(row['row'])
            label = int(row['label']) if (row['label'] or '').strip() \
                else -1
        except ValueError:
            raise ValueError(f'{path}: line {line}: row and label must be '
                             f'integers, got {row["row"]!r}, '
                             f'{row["label"]!r}')
        if not 0 <= index < len(features):
            raise ValueError(f'{path}: line {line}: row {index} is outside '
                             f'the {len(features)} feature rows')
        labels[index] = label
    if len(rows) != len(features):
        raise ValueError(f'{path}: {len(rows)} rows for {len(features)} '
                         'feature rows')
    path = _require(osp.join(folder, 'meta.json'))
    try:
        with open(path) as f:
            classes = json.load(f).get('classes')
    except (json.JSONDecodeError, AttributeError) as err:
        raise ValueError(f'{path}: not a JSON object ({err})')
    return features, labels, list(classes) if classes else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('feature_dir', help='what tools/extract_features.py '
                        'wrote (feature.npy, index.csv, meta.json)')
    parser.add_argument('--out', help='PNG path (default: '
                        'FEATURE_DIR/tsne.png)')
    parser.add_argument('--perplexity', type=float, default=30.0)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--title')
    args = parser.parse_args(argv)
    if not osp.isdir(args.feature_dir):
        sys.exit(f'error: {args.feature_dir}: folder not found')
    try:
        features, labels, classes = load_feature_dir(args.feature_dir)
        image = draw_tsne(features, labels, classes,
                          perplexity=args.perplexity,
                          random_state=args.seed, title=args.title)
        out = args.out or osp.join(args.feature_dir, 'tsne.png')
        print(f'wrote {save_image(image, out)}')
    except (FileNotFoundError, ValueError, OSError) as err:
        sys.exit(f'error: {err}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
