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
import math
import os
import os.path as osp
import socket
import sys
import time
import traceback

import torch
from mmengine.config import DictAction
from mmengine.hooks import Hook

from hicmae.cli_help import DefaultsHelpFormatter

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

TINY_CFG = 'configs/hicmae/hicmae_tiny_synthetic_tensor.py'
BASE_CFG = 'configs/hicmae/hicmae_base_vox2.py'
FINETUNE_CFG = 'configs/hicmae/hicmae_tiny_synthetic_finetune.py'
FSDP_TINY_CFG = 'configs/hicmae/hicmae_tiny_synthetic_tensor_fsdp.py'


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


def _tool(path: str):
    """A tool script as a module, to call its ``main(argv)`` in-process."""
    name = 'gpu_check_' + osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


# ---------------------------------------------------------------- steps
def _bench_model_cfg(args) -> dict:
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, TINY_CFG if args.quick
                                   else BASE_CFG))
    model = cfg.model.to_dict()
    if args.quick:  # smaller than Tiny: a CI step in a second
        for key in ('video_encoder', 'audio_encoder'):
            model[key].update(depth=2, embed_dims=64, num_heads=2)
        model.update(contrastive_layers=(0, 1), skip_layers=(0, 1))
        for key in ('video_decoder', 'audio_decoder'):
            model[key].update(depth=3, embed_dims=32, num_heads=2)
        model['fusion'].update(num_heads=2)
    user = {k: v for k, v in _user_options(args).items()
            if k.startswith('model.')}
    if user:  # the FLOPs are counted on the model the runs build
        merged = Config(dict(model=model))
        merged.merge_from_dict(user)
        model = merged.model.to_dict()
    return model


def _user_options(args) -> dict:
    return dict(getattr(args, 'cfg_options', None) or {})


def bench_config(args, model_cfg: dict, settings: dict):
    """The pre-training benchmark's config: the Tiny recipe with
    ``model_cfg``, the benchmark's ``settings`` and the user's
    ``--cfg-options`` merged, every key checked as tools/train.py checks
    them (:class:`hicmae.engine.ConfigError` naming an unknown one)."""
    from mmengine.config import Config

    from hicmae.engine.launch import check_config_keys
    cfg = Config.fromfile(osp.join(ROOT, TINY_CFG))
    helpers = list(cfg.keys())  # the file's own variables
    cfg.model = model_cfg
    overrides = {**settings, **_user_options(args)}
    cfg.merge_from_dict(overrides)
    check_config_keys(cfg, overrides, helpers, name=TINY_CFG)
    return cfg


def _data_settings(model) -> dict:
    """Generated tensors that fit ``model``'s patch grids, through the
    packing step (the model draws the masks on the device)."""
    video, audio = model.video_encoder, model.audio_encoder
    pipeline = [dict(type='PackAVInputs')]
    size = video.patch_embed.grid_size[1] * video.patch_embed.patch_size[1]
    frames = video.patch_embed.grid_size[0] * video.patch_embed.patch_size[0]
    audio_size = tuple(g * p for g, p in zip(audio.patch_embed.grid_size,
                                             audio.patch_embed.patch_size))
    return dict(img_size=size, num_frames=frames, audio_size=audio_size,
                pipeline=pipeline)


def _loader(model, batch: int, num_batches: int, workers: int):
    """A loader of :func:`_data_settings`' tensors with MMEngine's
    collate."""
    from mmengine.dataset import default_collate
    from torch.utils.data import DataLoader

    from hicmae.registry import DATASETS
    dataset = DATASETS.build(dict(
        type='SyntheticTensorDataset', num_samples=batch * num_batches,
        **_data_settings(model)))
    return DataLoader(dataset, batch_size=batch, num_workers=workers,
                      collate_fn=default_collate, drop_last=True,
                      pin_memory=torch.cuda.is_available())


def _peak_tflops(device: str):
    from hicmae.utils.gpu_peaks import peak_tflops
    return peak_tflops(torch.cuda.get_device_name()) \
        if device == 'cuda' else None


def _count_flops(args, model_cfg: dict) -> tuple:
    """FLOPs of one pre-training step (``torch.utils.flop_counter``), and
    the dataset settings that fit the model's patch grids."""
    from torch.utils.flop_counter import FlopCounterMode

    from hicmae.engine import MixedPrecisionOptimWrapper
    from hicmae.registry import MODELS
    model = MODELS.build(model_cfg).to(args.device)
    loader = _loader(model, 2, 1, workers=0)
    wrapper = MixedPrecisionOptimWrapper(
        optimizer=torch.optim.AdamW(model.parameters(), lr=1e-4),
        dtype='float32')
    with FlopCounterMode(display=False) as counter:
        model.train_step(next(iter(loader)), wrapper)
    return counter.get_total_flops() / 2, _data_settings(model)


class _CompileHook(Hook):
    """Compile the model's parts once the runner has initialised their
    weights (MMEngine's weight init walks the modules it built)."""

    priority = 'VERY_HIGH'

    def __init__(self, backend: str, names: tuple) -> None:
        self.backend, self.names = backend, names

    def before_train(self, runner) -> None:
        for name in self.names:
            setattr(runner.model, name, torch.compile(
                getattr(runner.model, name), backend=self.backend))


def bench_pretraining(args, dtype: str, compile_: bool) -> dict:
    """Pre-training iterations of MMEngine's runner (tools/train.py's) in
    one precision, every hook included: throughput and health."""
    from hicmae.engine.hooks import IterClockHook
    model_cfg = _bench_model_cfg(args)
    flops_per_sample, data = _count_flops(args, model_cfg)
    batch, warmup, steps = (2, 1, 2) if args.quick else (32, 3, 10)
    workers = 0 if args.quick else 6
    name = f'bench_{dtype}' + ('_compiled' if compile_ else '')
    cfg = bench_config(args, model_cfg, {
        'work_dir': osp.join(args.work_dir, name), 'experiment_name': name,
        'train_dataloader.batch_size': batch,
        'train_dataloader.num_workers': workers,
        'train_dataloader.persistent_workers': False,
        'train_dataloader.dataset.num_samples': batch * (warmup + steps),
        **{f'train_dataloader.dataset.{k}': v for k, v in data.items()},
        'train_cfg.max_epochs': 1,
        'default_hooks.checkpoint.interval': -1,
        'default_hooks.checkpoint.save_last': False,
        'optim_wrapper.type': 'MixedPrecisionOptimWrapper',
        'optim_wrapper.dtype': dtype,
        'optim_wrapper.optimizer.fused': True})
    runner = _tool('tools/train.py').build_runner(cfg)
    clock = IterClockHook()
    runner.register_hook(clock)
    backend = None
    if compile_:
        # quick: dynamo's graph capture without code generation, on one
        # module (a C++ build of every module takes minutes on a CPU)
        backend = 'eager' if args.quick else 'inductor'
        runner.register_hook(_CompileHook(backend, ('audio_encoder', )
                                          if args.quick else (
            'video_encoder', 'audio_encoder', 'fusion', 'video_decoder',
            'audio_decoder')))
    if args.device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    runner.train()
    seconds = sum(clock.iteration_seconds(skip=warmup))
    hub = runner.message_hub
    losses = [float(v) for v in hub.get_scalar('train/loss').data[0]]
    waits = hub.get_scalar('train/data_time').data[0][warmup:]
    finite = all(math.isfinite(v) for v in losses)
    tflops = flops_per_sample * batch * steps / seconds / 1e12
    peak = _peak_tflops(args.device)
    out = dict(dtype=dtype, compile=backend, batch=batch, steps=steps,
               timed='runner iterations, hooks included',
               samples_per_s=batch * steps / seconds,
               flops_per_step=flops_per_sample * batch,
               achieved_tflops=tflops, mfu=tflops / peak if peak else None,
               peak_memory_mib=torch.cuda.max_memory_allocated() / 2**20
               if args.device == 'cuda' else None,
               data_wait_fraction=float(sum(waits)) / seconds,
               losses=losses, loss_finite=finite)
    scaler = runner.optim_wrapper.loss_scaler
    if scaler.is_enabled():
        scale = scaler.get_scale()
        out['loss_scale'] = scale
        out['scaler_sane'] = math.isfinite(scale) and 0 < scale <= 2.**24
    if not finite or not out.get('scaler_sane', True):
        raise RuntimeError(f'{dtype}: unhealthy run: {out}')
    return out


def _train_opts(args) -> list:
    opts = ['train_dataloader.dataset.num_samples=4',
            'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False',
            'default_hooks.logger.interval=1']
    if args.quick:  # HiCMAE-Tiny's layout at a quarter of its width
        opts += [f'model.{m}.{k}' for m in ('video_encoder', 'audio_encoder')
                 for k in ('depth=2', 'embed_dims=64', 'num_heads=2')]
        opts += [f'model.{m}.{k}' for m in ('video_decoder', 'audio_decoder')
                 for k in ('depth=3', 'embed_dims=32', 'num_heads=2')]
        opts += ['model.contrastive_layers=(0,1)', 'model.skip_layers=(0,1)',
                 'model.fusion.num_heads=2']
    return opts


@contextlib.contextmanager
def _torchrun_env():
    """The variables torchrun sets for rank 0 of 1."""
    import torch.distributed as dist
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    env = dict(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0',
               MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.update({k: v})


def run_ddp_save_resume(args) -> dict:
    """tools/train.py --amp for one epoch as a 1-process DDP run
    (``--launcher pytorch``: NCCL on a GPU, gloo on the CPU), then
    ``--resume`` in a plain process for a second epoch."""
    import torch.distributed as dist
    train = _tool('tools/train.py')
    work = osp.join(args.work_dir, 'pretrain')
    opts = ['--cfg-options', *_train_opts(args)]
    with _torchrun_env():
        train.main([TINY_CFG, '--work-dir', work, '--amp', '--launcher',
                    'pytorch', *opts, 'train_cfg.max_epochs=1',
                    'experiment_name=gpu_check_ddp'])
        backend = dist.get_backend() if dist.is_initialized() else None
    first = osp.getmtime(osp.join(work, 'epoch_1.pth'))
    train.main([TINY_CFG, '--work-dir', work, '--amp', '--resume', *opts,
                'train_cfg.max_epochs=2', 'experiment_name=gpu_check_resume'])
    from hicmae.utils import safe_torch_load
    ckpt = safe_torch_load(osp.join(work, 'epoch_2.pth'))
    if osp.getmtime(osp.join(work, 'epoch_1.pth')) != first or \
            ckpt['meta']['iter'] != 4:
        raise RuntimeError('--resume trained epoch 1 again')
    return dict(ddp_backend=backend,
                checkpoint=osp.join(work, 'epoch_2.pth'),
                loss_scaler=ckpt['optimizer'].get('loss_scaler'))


def run_fsdp_fp16_save_resume(args) -> dict:
    """The FSDP recipe (HiCMAE-Tiny sizes) as 2 processes through
    tools/dist_train.sh in fp16: one epoch, save, ``--resume`` for a
    second; the loss scaler's state must be saved and resumed (not
    restarted), and every save (``FSDP.optim_state_dict``) asserts that
    the ranks took the same skip decisions. NCCL on two GPUs; on fewer,
    gloo on the CPU."""
    import subprocess

    on_gpus = args.device == 'cuda' and torch.cuda.device_count() >= 2
    work = osp.join(args.work_dir, 'fsdp_fp16')
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1',
               PYTHONWARNINGS='ignore')
    if not on_gpus:
        env['CUDA_VISIBLE_DEVICES'] = ''

    def train(*extra) -> str:
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            env['PORT'] = str(s.getsockname()[1])
        proc = subprocess.run(
            # fp16 autocast and fp16 FSDP weights on every device (the
            # recipe's CPU default is bf16)
            ['bash', 'tools/dist_train.sh', FSDP_TINY_CFG, '2', '--work-dir',
             work, *extra, 'optim_wrapper.dtype=float16',
             'strategy.model_wrapper.mixed_precision.param_dtype=float16'],
            cwd=ROOT,
            env=env, capture_output=True, text=True, timeout=600)
        log = proc.stdout + proc.stderr
        if proc.returncode:
            raise RuntimeError(f'dist_train.sh {" ".join(extra)} exited '
                               f'with {proc.returncode}: {log[-2000:]}')
        return log

    train('--cfg-options')
    log = train('--resume', '--cfg-options', 'train_cfg.max_epochs=2')
    # the wrapper says so when a checkpoint has no loss-scaler state
    if 'resumed epoch: 1' not in log or 'no loss-scaler state' in log:
        raise RuntimeError('the loss scaler did not resume: '
                           f'{log[-2000:]}')
    return dict(backend='nccl' if on_gpus else 'gloo (CPU)',
                checkpoint=osp.join(work, 'epoch_2.pth'),
                scaler_resumed=True)


def run_finetune_test_inference(args) -> dict:
    data = osp.join(args.work_dir, 'synthetic_av')
    if not osp.isfile(osp.join(data, 'lists', 'test.txt')):
        _tool('tools/data/make_synthetic_av.py').main(
            [data, '--num-per-class', '2', '--size', '64', '--overwrite'])
    work = osp.join(args.work_dir, 'finetune')
    small = ['model.video_encoder.embed_dims=64',
             'model.audio_encoder.embed_dims=64',
             'model.video_encoder.depth=2', 'model.audio_encoder.depth=2',
             'model.video_encoder.num_heads=2',
             'model.audio_encoder.num_heads=2', 'model.fusion.num_heads=2']
    opts = ['model.init_cfg=None',
            *[f'{split}_dataloader.{key}' for split in
              ('train', 'val', 'test') for key in (
                  f'dataset.data_root={data}', 'num_workers=0',
                  'persistent_workers=False', 'batch_size=2')],
            # two clips per class leave the val split empty: validate on
            # the test split
            'val_dataloader.dataset.ann_file=lists/test.txt',
            'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
            'default_hooks.checkpoint.interval=1',
            *(small if args.quick else [])]
    _tool('tools/train.py').main([FINETUNE_CFG, '--work-dir', work,
                                  '--cfg-options', *opts,
                                  'experiment_name=gpu_check_finetune'])
    ckpt = osp.join(work, 'epoch_1.pth')
    _tool('tools/test.py').main([FINETUNE_CFG, ckpt, '--work-dir', work,
                                 '--cfg-options', *opts,
                                 'experiment_name=gpu_check_test'])
    with open(osp.join(work, 'test_metrics.json')) as f:
        metrics = json.load(f)
    mp4 = next(osp.join(r, f) for r, _, fs in sorted(os.walk(data))
               for f in sorted(fs) if f.endswith('.mp4'))
    out = osp.join(work, 'inference.json')
    code = _tool('tools/inference.py').main([
        # drawn faces are not what the face detector is checked on (its
        # own tests are); the GPU path is: skip the detection here
        mp4, '--config', FINETUNE_CFG, '--checkpoint', ckpt, '--out', out,
        '--device', args.device, '--no-face-crop', '--cfg-options',
        *[o for o in opts if not o.startswith(('train', 'val', 'test'))]])
    if code:
        raise RuntimeError(f'tools/inference.py exited with {code}')
    return dict(test_metrics=metrics, inference_out=out, video=mp4)


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
        bench_config(args, _bench_model_cfg(args), {})
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
