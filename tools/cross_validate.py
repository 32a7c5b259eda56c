"""Train and test every fold of a benchmark config; print mean ± std.

    python tools/cross_validate.py CONFIG --folds 1 2 3 4 5
        [--work-dir DIR] [--gpus N] [--cfg-options k=v ...]

Each fold K trains with ``{train,val,test}_dataloader.dataset.fold=K`` in
``DIR/fold_K`` (on N processes with tools/dist_train.sh when --gpus > 1).
Like the authors, it then tests both the best checkpoint (the recipe's
``save_best`` metric; the ``best_*.pth`` of the highest epoch if several)
and the last one with tools/test.py, in ``DIR/fold_K/test_best`` and
``DIR/fold_K/test_last`` (one test when they are the same epoch). The
per-fold metrics and their mean ± std (population std over folds) of both
go to the terminal and to ``DIR/cross_validation.json``: ``folds`` and
``mean_std`` for the best checkpoint, ``last`` for the last one. Tests
already done (``test_metrics.json`` present) are not run again, so an
interrupted run resumes where it stopped.
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import shutil
import statistics
import subprocess
import sys

from hicmae.cli_help import DefaultsHelpFormatter

HERE = osp.dirname(osp.abspath(__file__))


def _fold_options(fold: int) -> list:
    return [f'{split}_dataloader.dataset.fold={fold}'
            for split in ('train', 'val', 'test')]


def _epoch(path: str) -> int:
    """The epoch (or iteration) number in a checkpoint name, -1 if none."""
    found = re.findall(r'(?:epoch|iter)_(\d+)', osp.basename(path))
    return int(found[-1]) if found else -1


def checkpoints(work_dir: str) -> dict:
    """``{'best': path or None, 'last': path}`` of a trained fold; the best
    is the ``best_*.pth`` with the highest epoch number (string order would
    put epoch 9 after epoch 10)."""
    best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')), key=_epoch)
    last_file = osp.join(work_dir, 'last_checkpoint')
    last = None
    if osp.isfile(last_file):
        with open(last_file) as f:
            last = f.read().strip()
    if not best and last is None:
        raise FileNotFoundError(f'no checkpoint in {work_dir}')
    return dict(best=best[-1] if best else None, last=last)


def _test(args, options: list, checkpoint: str, out_dir: str) -> dict:
    result = osp.join(out_dir, 'test_metrics.json')
    if not osp.isfile(result):
        subprocess.run([sys.executable, osp.join(HERE, 'test.py'),
                        args.config, checkpoint, '--work-dir', out_dir,
                        '--cfg-options', *options], check=True)
    with open(result) as f:
        return json.load(f)


def run_fold(args, fold: int) -> dict:
    """``{'best': metrics, 'last': metrics}`` of one fold."""
    work_dir = osp.join(args.work_dir, f'fold_{fold}')
    done = [osp.join(work_dir, f'test_{k}', 'test_metrics.json')
            for k in ('best', 'last')]
    options = _fold_options(fold) + list(args.cfg_options or [])
    if not all(osp.isfile(p) for p in done):
        if args.gpus > 1:
            train = ['bash', osp.join(HERE, 'dist_train.sh'), args.config,
                     str(args.gpus)]
        else:
            train = [sys.executable, osp.join(HERE, 'train.py'), args.config]
        subprocess.run(train + ['--work-dir', work_dir, '--resume',
                                '--cfg-options', *options], check=True)
    ckpts = checkpoints(work_dir)
    out = {}
    last = ckpts['last'] or ckpts['best']
    out['last'] = _test(args, options, last, osp.join(work_dir, 'test_last'))
    best = ckpts['best']
    if best is None or _epoch(best) == _epoch(last):
        # the best epoch is the last one: same weights, same numbers
        os.makedirs(osp.join(work_dir, 'test_best'), exist_ok=True)
        shutil.copyfile(done[1], done[0])
        out['best'] = out['last']
    else:
        out['best'] = _test(args, options, best,
                            osp.join(work_dir, 'test_best'))
    return out


def summarise(per_fold: dict) -> dict:
    """``{metric: (mean, std)}`` over folds for every scalar metric."""
    keys = [k for k, v in next(iter(per_fold.values())).items()
            if isinstance(v, (int, float))]
    out = {}
    for key in keys:
        values = [m[key] for m in per_fold.values() if key in m]
        out[key] = (statistics.fmean(values), statistics.pstdev(values))
    return out


def print_table(per_fold: dict, summary: dict) -> None:
    keys = list(summary)
    print('fold  ' + '  '.join(f'{k:>12}' for k in keys))
    for fold, metrics in per_fold.items():
        values = (metrics.get(k, float('nan')) for k in keys)
        print(f'{fold:<4}  ' + '  '.join(f'{v:>12.2f}' for v in values))
    print('mean  ' + '  '.join(
        f'{summary[k][0]:>6.2f} ± {summary[k][1]:<4.2f}' for k in keys))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('config', help='a benchmark config with a '
                        'dataset fold')
    parser.add_argument('--folds', type=int, nargs='+', required=True)
    parser.add_argument('--work-dir')
    parser.add_argument('--gpus', type=int, default=1)
    parser.add_argument('--cfg-options', nargs='+', default=[])
    args = parser.parse_args(argv)
    if args.work_dir is None:
        args.work_dir = osp.join('work_dirs', 'cv_' + osp.splitext(
            osp.basename(args.config))[0])
    os.makedirs(args.work_dir, exist_ok=True)
    runs = {fold: run_fold(args, fold) for fold in args.folds}
    result = {}
    for which in ('best', 'last'):
        per_fold = {fold: r[which] for fold, r in runs.items()}
        summary = summarise(per_fold)
        print(f'{which} checkpoint:')
        print_table(per_fold, summary)
        result[which] = dict(folds=per_fold, mean_std=summary)
    with open(osp.join(args.work_dir, 'cross_validation.json'), 'w') as f:
        json.dump(dict(result['best'], last=result['last']), f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
