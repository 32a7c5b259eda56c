"""Decode every sample of a config's dataset once and list the broken ones.

    python tools/data/check_dataset.py CONFIG [--split train|val|test]
        [--out broken.txt] [--workers N] [--cfg-options k=v ...]

Runs the dataset's whole pipeline on every item (with a progress bar) and
prints each file that fails with the reason; exits 1 if any does.
"""
import argparse
import sys

from mmengine.config import DictAction
from mmengine.utils import ProgressBar

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.datasets import BadSampleError
from hicmae.registry import DATASETS
from hicmae.utils import register_all_modules


def check(dataset) -> list:
    """``[(file, reason)]`` of every item the pipeline cannot produce."""
    broken = []
    bar = ProgressBar(len(dataset))
    for idx in range(len(dataset)):
        try:
            dataset.prepare_data(idx)
        except BadSampleError as err:
            broken.append((err.path, err.reason))
        bar.update()
    return broken


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('config', help='config whose dataset to check')
    parser.add_argument('--split', default='train',
                        choices=['train', 'val', 'test'])
    parser.add_argument('--out', help='also write the broken list here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    register_all_modules()
    from hicmae.engine.launch import ConfigError, load_checked_config
    try:  # an unknown key stops it, as in tools/train.py
        cfg = load_checked_config(args.config, args.cfg_options)
    except ConfigError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    loader = cfg.get(f'{args.split}_dataloader')
    if not loader:
        print(f'error: {args.config} has no {args.split}_dataloader',
              file=sys.stderr)
        return 2
    # malformed list lines are reported too, not raised
    dataset_cfg = dict(loader.dataset, on_bad_sample='skip')
    dataset = DATASETS.build(dataset_cfg)
    pending = list(getattr(dataset, '_pending_bad', []))
    broken = pending + check(dataset)
    print(f'\n{len(broken)} broken of {len(dataset) + len(pending)} samples')
    for path, reason in broken:
        print(f'{path}\t{reason}')
    if args.out:
        with open(args.out, 'w') as f:
            f.writelines(f'{p}\t{r}\n' for p, r in broken)
    return 1 if broken else 0


if __name__ == '__main__':
    sys.exit(main())
