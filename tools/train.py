"""Train (pre-train or fine-tune) a model from a config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|PATH]]
        [--amp] [--auto-scale-lr] [--cfg-options k=v ...]
        [--launcher none|pytorch|slurm] [--default-malloc]
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.engine import (ConfigError, check_train_config,
                           prepare_cpu_distributed)
from hicmae.engine.launch import check_config_keys, check_model_builds
from hicmae.engine.launch.console import run_header
from hicmae.engine.launch.data_failures import data_errors_as_one_line
from hicmae.utils import (checkpoint_safe_globals, keep_freed_memory,
                          register_all_modules)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train a hicmae model',
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from a checkpoint; without a path (or "auto"), from '
        'the latest checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (fp16 with loss '
                        'scaling on CUDA, bf16 on CPU, unless the config '
                        'names a dtype)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by total batch / base batch')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument(
        '--default-malloc', action='store_true',
        help="keep glibc's allocator defaults on CPU (by default freed "
        'activations stay in the process, see hicmae/utils/cpu_malloc.py)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line switches (``--cfg-options`` merged
    already) to the config."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        name = osp.splitext(osp.basename(args.config))[0]
        cfg.work_dir = osp.join('work_dirs', name)
    if args.amp:
        enable_amp(cfg.optim_wrapper)
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', dict(base_batch_size=256))
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def enable_amp(wrapper: dict) -> None:
    """``--amp``: mixed precision on every device.

    A dtype the config names is kept; where it resolves to float32 (the
    fine-tuning recipes' CPU default) or is missing, fp16 with dynamic loss
    scaling on GPUs and bf16 on the CPU (fp16 runs there too:
    ``--cfg-options optim_wrapper.dtype=float16``).
    """
    wrapper.type = 'MixedPrecisionOptimWrapper'
    wrapper.setdefault('loss_scale', 'dynamic')
    default = dict(cuda='float16', cpu='bfloat16')
    dtype = wrapper.get('dtype')
    if isinstance(dtype, dict):
        wrapper.dtype = {device: value if value not in (None, 'float32')
                         else default.get(device, 'bfloat16')
                         for device, value in dtype.items()}
        for device, value in default.items():
            wrapper.dtype.setdefault(device, value)
    elif dtype in (None, 'float32'):
        wrapper.dtype = default


def build_runner(cfg: Config):
    """The runner the config names (``runner_type``), else MMEngine's."""
    from mmengine.runner import Runner

    from hicmae.registry import RUNNERS
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def main(argv=None) -> None:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    try:
        cfg = Config.fromfile(args.config)
        helpers = list(cfg.keys())  # the file's own variables
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        # checked after the switches: --amp makes optim_wrapper.dtype valid
        cfg = merge_args(cfg, args)
        check_config_keys(cfg, args.cfg_options, helpers, name=args.config)
        check_train_config(cfg, args.config)
        check_model_builds(cfg, args.config)
    except ConfigError as err:
        sys.exit(f'error: {err}')
    prepare_cpu_distributed(cfg)
    import torch
    if not args.default_malloc and not torch.cuda.is_available():
        # CPU training re-faults its large activations every step otherwise
        keep_freed_memory()
    runner = build_runner(cfg)
    if getattr(runner, 'rank', 0) == 0 and hasattr(runner, 'train_loop'):
        print('\n'.join(run_header(runner, cfg, args.config)), flush=True)
    # MMEngine's checkpoint types (message hub, ...) are allow-listed for
    # torch.load's weights-only mode in this run only, whichever runner
    # a data failure in a worker: one line here, the traceback in the log
    with checkpoint_safe_globals(), data_errors_as_one_line():
        runner.train()


if __name__ == '__main__':
    main()
