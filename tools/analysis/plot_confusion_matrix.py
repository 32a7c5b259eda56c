"""Draw the confusion matrix of a test run.

    python tools/analysis/plot_confusion_matrix.py RESULT [CONFIG]
        [--out PNG] [--title TEXT] [--cfg-options k=v ...]

RESULT is the ``test_metrics.json`` that tools/test.py writes in its work
dir (it holds ``confusion_matrix`` when the config's test evaluator has
``with_confusion=True``, as the synthetic recipe does; else test with
``--cfg-options test_evaluator.with_confusion=True``) or the predictions
pickle of ``tools/test.py --dump PRED.pkl``, from which the matrix is
computed like the test metric does (views averaged per video). Class names
come from CONFIG (its test set's ``metainfo.classes``); without it the
classes are numbered; ``--cfg-options`` override the config as in
tools/test.py, and an unknown key stops the tool with the closest valid
ones (the same check as tools/train.py's). Cell colours are
row-normalised (recall of each true class), the cells show counts.
Default PNG: confusion_matrix.png beside RESULT.
"""
import argparse
import json
import os.path as osp
import sys

import numpy as np
from mmengine.config import DictAction

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.visualization import draw_confusion_matrix, save_image


def config_classes(config: str, cfg_options=None) -> list:
    """Class names of the config's test (else val, train) set, or [].

    The config's keys (``cfg_options`` merged) are checked first: an
    unknown one raises :class:`hicmae.engine.ConfigError`."""
    from hicmae.engine.launch import load_checked_config
    cfg = load_checked_config(config, cfg_options)
    for split in ('test', 'val', 'train'):
        loader = cfg.get(f'{split}_dataloader') or {}
        dataset = loader.get('dataset') or {}
        classes = (dataset.get('metainfo') or {}).get('classes')
        if classes:
            return list(classes)
    return list(cfg.get('classes') or [])


def matrix_from_json(path: str) -> np.ndarray:
    try:
        with open(path) as f:
            metrics = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f'{path}: not JSON ({err})')
    cm = metrics.get('confusion_matrix') if isinstance(metrics, dict) \
        else None
    if cm is None:
        raise ValueError(
            f'{path}: no confusion_matrix; test again with --cfg-options '
            'test_evaluator.with_confusion=True, or pass the predictions '
            'pickle of tools/test.py --dump PRED.pkl')
    return np.asarray(cm)


def matrix_from_dump(path: str, num_classes=None) -> np.ndarray:
    """The matrix from dumped data samples, views averaged per video."""
    from mmengine.fileio import load

    from hicmae.evaluation.metrics import AVClsMetric
    try:
        samples = load(path)
    except Exception as err:  # a corrupt pickle raises many kinds
        raise ValueError(f'{path}: cannot read the predictions ({err})')
    if not isinstance(samples, list) or not samples:
        raise ValueError(f'{path}: expected a non-empty list of data '
                         'samples (tools/test.py --dump)')
    metric = AVClsMetric(num_classes=num_classes, with_confusion=True)
    try:
        metric.process(None, samples)
    except (KeyError, AttributeError, TypeError) as err:
        raise ValueError(f'{path}: not classification predictions ({err})')
    return np.asarray(metric.compute_metrics(metric.results)
                      ['confusion_matrix'])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('result', help='test_metrics.json or PRED.pkl')
    parser.add_argument('config', nargs='?', help='config (class names)')
    parser.add_argument('--out', help='PNG path (default: '
                        'confusion_matrix.png beside RESULT)')
    parser.add_argument('--title')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    args = parser.parse_args(argv)
    if not osp.isfile(args.result):
        sys.exit(f'error: {args.result}: file not found')
    if args.config and not osp.isfile(args.config):
        sys.exit(f'error: {args.config}: file not found')
    if args.cfg_options and not args.config:
        sys.exit('error: --cfg-options needs a CONFIG')
    from hicmae.engine import ConfigError
    from hicmae.utils import register_all_modules
    register_all_modules(init_default_scope=False)  # types the check reads
    try:
        classes = config_classes(args.config, args.cfg_options) \
            if args.config else []
    except ConfigError as err:
        sys.exit(f'error: {err}')
    except Exception as err:  # a config can fail in many ways
        sys.exit(f'error: {args.config}: cannot read the config ({err})')
    try:
        if args.result.endswith('.json'):
            cm = matrix_from_json(args.result)
        else:
            cm = matrix_from_dump(args.result, len(classes) or None)
        if classes and len(classes) != len(cm):
            sys.exit(f'error: {args.config} names {len(classes)} classes '
                     f'but {args.result} has a {len(cm)}x{len(cm)} matrix')
        image = draw_confusion_matrix(cm, classes or None,
                                      title=args.title)
    except ValueError as err:
        sys.exit(f'error: {err}')
    out = args.out or osp.join(osp.dirname(osp.abspath(args.result)),
                               'confusion_matrix.png')
    try:
        print(f'wrote {save_image(image, out)}')
    except OSError as err:
        sys.exit(f'error: {err}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
