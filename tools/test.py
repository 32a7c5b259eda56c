"""Evaluate a checkpoint on a config's test set and print the metrics.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--dump PRED.pkl] [--cfg-options k=v ...]
        [--launcher none|pytorch|slurm]
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmengine.config import DictAction

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.engine import ConfigError, prepare_cpu_distributed
from hicmae.engine.launch import check_model_builds, load_checked_config
from hicmae.engine.launch.config_checks import probe_lists
from hicmae.engine.launch.data_failures import data_errors_as_one_line
from hicmae.utils import register_all_modules


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test a hicmae model',
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('config', help='the config the checkpoint was '
                        'trained with')
    parser.add_argument('checkpoint', help='checkpoint file to test')
    parser.add_argument('--work-dir')
    parser.add_argument('--dump', metavar='PRED.pkl',
                        help='save every prediction (data samples) here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    try:
        cfg = load_checked_config(args.config, args.cfg_options)
        check_model_builds(cfg, args.config)
    except ConfigError as err:
        sys.exit(f'error: {err}')
    cfg.launcher = args.launcher
    if not osp.isfile(args.checkpoint) and '://' not in args.checkpoint:
        sys.exit(f'error: checkpoint not found: {args.checkpoint}')
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(
            osp.basename(args.config))[0])
    if not cfg.get('test_dataloader'):
        sys.exit(f'error: {args.config} has no test_dataloader')
    try:  # a list none of whose first entries loads stops here
        probe_lists(cfg, ('test',))
    except ConfigError as err:
        sys.exit(f'error: {err}')
    cfg.load_from = args.checkpoint
    # the test weights come from the checkpoint: skip pre-trained init
    cfg.model.pop('init_cfg', None)
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler', 'val_dataloader', 'val_cfg',
                'val_evaluator', 'auto_scale_lr'):
        cfg.pop(key, None)
    if args.dump:
        dump = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = list(evaluator) if isinstance(
            evaluator, (list, tuple)) else [evaluator]
        cfg.test_evaluator.append(dump)
    prepare_cpu_distributed(cfg)
    from mmengine.runner import Runner

    from hicmae.registry import RUNNERS
    from hicmae.utils import checkpoint_safe_globals
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else \
        Runner.from_cfg(cfg)
    # MMEngine's checkpoint types, allow-listed for this load only
    # a data failure in a worker: one line here, the traceback in the log
    with checkpoint_safe_globals(), data_errors_as_one_line():
        metrics = runner.test()
    if runner.rank == 0:
        print_metrics(metrics)
        with open(osp.join(cfg.work_dir, 'test_metrics.json'), 'w') as f:
            json.dump({k: v for k, v in metrics.items()
                       if isinstance(v, (int, float, list))}, f, indent=2)


def print_metrics(metrics: dict) -> None:
    """A plain table of the scalar metrics (WAR, UAR, ... or CCC, ...)."""
    rows = [(k, v) for k, v in metrics.items()
            if isinstance(v, (int, float))]
    if not rows:
        return
    width = max(len(k) for k, _ in rows)
    print('\n' + '\n'.join(f'{k:<{width}}  {v:8.2f}' if isinstance(v, float)
                           else f'{k:<{width}}  {v}' for k, v in rows))


if __name__ == '__main__':
    main()
