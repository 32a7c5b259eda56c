"""Train and test every fold of a benchmark config; print mean ± std.

    python tools/cross_validate.py CONFIG --folds 1 2 3 4 5
        [--work-dir DIR] [--gpus N] [--cfg-options k=v ...]

Each fold K trains with ``{train,val,test}_dataloader.dataset.fold=K`` in
``DIR/fold_K`` (on N processes with tools/dist_train.sh when --gpus > 1),
tests its best checkpoint (else its last) with tools/test.py, and the
per-fold metrics and their mean ± std (population std over folds) go to
the terminal and to ``DIR/cross_validation.json``. Folds already tested
(``test_metrics.json`` present) are not run again, so an interrupted run
resumes where it stopped.
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys

HERE = osp.dirname(osp.abspath(__file__))


def _fold_options(fold: int) -> list:
    return [f'{split}_dataloader.dataset.fold={fold}'
            for split in ('train', 'val', 'test')]


def _checkpoint(work_dir: str) -> str:
    best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')))
    if best:
        return best[-1]
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            return f.read().strip()
    raise FileNotFoundError(f'no checkpoint in {work_dir}')


def run_fold(args, fold: int) -> dict:
    work_dir = osp.join(args.work_dir, f'fold_{fold}')
    result = osp.join(work_dir, 'test_metrics.json')
    if osp.isfile(result):
        with open(result) as f:
            return json.load(f)
    options = _fold_options(fold) + list(args.cfg_options or [])
    if args.gpus > 1:
        train = ['bash', osp.join(HERE, 'dist_train.sh'), args.config,
                 str(args.gpus)]
    else:
        train = [sys.executable, osp.join(HERE, 'train.py'), args.config]
    subprocess.run(train + ['--work-dir', work_dir, '--resume',
                            '--cfg-options', *options], check=True)
    subprocess.run([sys.executable, osp.join(HERE, 'test.py'), args.config,
                    _checkpoint(work_dir), '--work-dir', work_dir,
                    '--cfg-options', *options], check=True)
    with open(result) as f:
        return json.load(f)


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
        print(f'{fold:<4}  ' + '  '.join(f'{metrics.get(k, float("nan")):>12.2f}'
                                        for k in keys))
    print('mean  ' + '  '.join(
        f'{summary[k][0]:>6.2f} ± {summary[k][1]:<4.2f}' for k in keys))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--folds', type=int, nargs='+', required=True)
    parser.add_argument('--work-dir')
    parser.add_argument('--gpus', type=int, default=1)
    parser.add_argument('--cfg-options', nargs='+', default=[])
    args = parser.parse_args(argv)
    if args.work_dir is None:
        args.work_dir = osp.join('work_dirs', 'cv_' + osp.splitext(
            osp.basename(args.config))[0])
    os.makedirs(args.work_dir, exist_ok=True)
    per_fold = {fold: run_fold(args, fold) for fold in args.folds}
    summary = summarise(per_fold)
    print_table(per_fold, summary)
    with open(osp.join(args.work_dir, 'cross_validation.json'), 'w') as f:
        json.dump(dict(folds=per_fold, mean_std=summary), f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
