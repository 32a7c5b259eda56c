"""Check the whole GPU path in a few minutes and write one JSON report.

    python tools/analysis/gpu_check.py [--device cuda|cpu] [--quick]
        [--work-dir work_dirs/gpu_check] [--out REPORT.json]
        [--cfg-options k=v ...]

On one GPU (default when CUDA is there): HiCMAE-Base pre-training on
generated tensors through MMEngine's runner (tools/train.py's), timed over
whole iterations with every hook, in bf16 and in fp16 (loss finite,
loss-scaler state sane), each with samples/s, achieved TFLOP/s (FLOPs
counted by ``torch.utils.flop_counter``), MFU (against the dense peak of
the exact GPU model, where known), peak ``max_memory_allocated`` and the
share of time spent waiting for the data loader; the same with
``torch.compile``; then the tools on HiCMAE-Tiny: tools/train.py (save,
then ``--resume``), a 1-process DDP run (``--launcher pytorch``: NCCL on a
GPU, gloo on the CPU), the FSDP recipe as 2 processes in fp16 with a save
and a resume of the loss scaler (NCCL on 2+ GPUs, else gloo on the CPU), a
fine-tuning run on a few generated mp4 clips, tools/test.py and
tools/inference.py on one of the mp4 files. ``--device cpu --quick`` runs
the same steps at tiny sizes (CI). ``--cfg-options`` override the
pre-training benchmark's config (the runs built here; the tool steps run
their recipes as they are); an unknown key stops the tool before anything
is built, as in tools/train.py. Exit status 1 if any step failed.
"""
import argparse
import contextlib
import importlib.util
import json
import os
import os.path as osp
import sys
import time
import traceback

import torch
from mmengine.config import DictAction

from hicmae.cli_help import DefaultsHelpFormatter


def _load_checks():
    """The check steps, the ``gpu_checks`` package next to this script,
    however this script was loaded (run, or imported by its file path)."""
    if 'gpu_checks' in sys.modules:
        return sys.modules['gpu_checks']
    folder = osp.join(osp.dirname(osp.abspath(__file__)), 'gpu_checks')
    spec = importlib.util.spec_from_file_location(
        'gpu_checks', osp.join(folder, '__init__.py'),
        submodule_search_locations=[folder])
    module = importlib.util.module_from_spec(spec)
    sys.modules['gpu_checks'] = module  # its relative imports find it
    spec.loader.exec_module(module)
    return module


_checks = _load_checks()
ROOT = _checks.ROOT
_peak_tflops = _checks._peak_tflops
bench_pretraining = _checks.bench_pretraining
run_ddp_save_resume = _checks.run_ddp_save_resume
run_fsdp_fp16_save_resume = _checks.run_fsdp_fp16_save_resume
run_finetune_test_inference = _checks.run_finetune_test_inference


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('--device', choices=['cuda', 'cpu'],
                        default='cuda' if torch.cuda.is_available()
                        else 'cpu')
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes and few steps (CI on a CPU)')
    parser.add_argument('--work-dir', default='work_dirs/gpu_check')
    parser.add_argument('--out', help='report (default: '
                        'WORK_DIR/gpu_check.json)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override entries of the pre-training '
                        'benchmark config, key=value')
    args = parser.parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device here')
    return args


# ---------------------------------------------------------------- main
def _step(report: dict, name: str, fn, *fn_args) -> None:
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(sys.stderr):
            result = fn(*fn_args)
        report['steps'][name] = dict(ok=True, result=result)
    except BaseException as err:  # a step's failure is the report's news
        if isinstance(err, KeyboardInterrupt):
            raise
        report['steps'][name] = dict(
            ok=False, error=f'{type(err).__name__}: {err}',
            trace=traceback.format_exc()[-3000:])
    report['steps'][name]['seconds'] = round(time.perf_counter() - start, 2)


def main(argv=None) -> int:
    args = parse_args(argv)
    args.work_dir = osp.abspath(args.work_dir)
    out = osp.abspath(args.out or osp.join(args.work_dir, 'gpu_check.json'))
    os.makedirs(args.work_dir, exist_ok=True)
    os.chdir(ROOT)  # configs and tools by their repository paths
    from hicmae.engine import ConfigError
    from hicmae.utils import register_all_modules
    register_all_modules()
    try:  # the user's keys, before any step builds anything
        _checks.bench_config(args, _checks.bench_model_cfg(args), {})
    except ConfigError as err:
        sys.exit(f'error: {err}')
    report = dict(device=args.device, quick=args.quick,
                  torch=torch.__version__,
                  gpu=torch.cuda.get_device_name()
                  if args.device == 'cuda' else None,
                  peak_tflops=_peak_tflops(args.device), steps={})
    start = time.perf_counter()
    for dtype in ('bfloat16', 'float16'):
        _step(report, f'pretrain_{dtype}', bench_pretraining, args, dtype,
              False)
    _step(report, 'pretrain_bfloat16_compiled', bench_pretraining, args,
          'bfloat16', True)
    _step(report, 'ddp_save_resume', run_ddp_save_resume, args)
    _step(report, 'fsdp_fp16_save_resume', run_fsdp_fp16_save_resume, args)
    _step(report, 'finetune_test_inference', run_finetune_test_inference,
          args)
    report['seconds'] = round(time.perf_counter() - start, 1)
    report['ok'] = all(s['ok'] for s in report['steps'].values())
    with open(out, 'w') as f:
        json.dump(report, f, indent=2)
    for name, step in report['steps'].items():
        status = 'ok  ' if step['ok'] else 'FAIL'
        why = '' if step['ok'] else f": {step['error']}"
        print(f"{status} {name} ({step['seconds']} s){why}")
    print(f'report: {out}')
    return 0 if report['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
