"""Measure training-step throughput and peak memory, and data-pipeline speed.

    python tools/analysis/benchmark.py model [--size tiny small base
        base_dm avf_base avf_base_nodm]
        [--batch 2] [--steps 5] [--warmup 2] [--dtype fp32 bf16]
        [--attn sdpa explicit] [--adamw fused loop]
        [--with-cp full|selective] [--backward-step] [--compile]
        [--default-malloc] [--json OUT]
    python tools/analysis/benchmark.py model --loader shards [--workers 2]
    python tools/analysis/benchmark.py data [--source mp4 frames shards]
        [--repeats 1 4] [--workers 2] [--clips-per-class 1] [--iters 16]
        [--size-px 160] [--source-px 224] [--duration 8] [--json OUT]
        [--pipeline pretrain|finetune]

``model`` times ``train_step`` (forward, backward, AdamW step) of the
pre-training model at the paper's input size (16x160x160 video, 256x128
fbank, masks 0.9 / 0.8 drawn by the model) on generated batches, every
combination of the options in its own subprocess, so each peak-memory
figure is that case's alone: on CPU the peak RSS of the process and the
peak of live tensors (PyTorch's memory tracker, one extra step), on GPU
``torch.cuda.max_memory_allocated``; ``act_MiB`` is the activation
memory the forward keeps for its backward (tracker, both devices); with
``--loader`` it trains on batches of the real loader and reports the
data-wait share of the step.
``data`` times the pre-training pipeline (decode, face crop, multi-scale
crop, fbank, pack) on generated VoxCeleb2-like clips for each source
(mp4, frame folders + wav, packed shards) and repeated sampling k: clips/s
per worker and with ``--workers`` processes, the ratio to mp4, disk bytes
per clip and packing time (see ``pretrain_data_bench.py``);
with ``--pipeline finetune``, the fine-tuning train pipeline with and
without RandAugment / random erasing.
Both print a table and optionally write JSON.
"""
import argparse
import itertools
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

from hicmae.cli_help import DefaultsHelpFormatter

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


# --size: HiCMAE's presets, and AVF-MAE++-Base (avf_base: dual masking;
# avf_base_nodm: its decoders decode every hidden token, as HiCMAE's) and
# HiCMAE-Base with AVF-MAE++'s dual masking (base_dm)
MODEL_SIZES = ('tiny', 'small', 'base', 'base_dm', 'avf_base',
               'avf_base_nodm')
_DUAL_MASKS = dict(
    type='DualMaskedHiCMAE',
    video_decoder_masking=dict(type='RunningCellMaskGenerator', ratio=0.5),
    audio_decoder_masking=dict(type='RandomMaskGenerator', ratio=0.5))


def _model_cfg(size: str, attn: str, with_cp):
    from mmengine.config import Config
    preset = {'base_dm': 'hicmae_base', 'avf_base': 'avf_mae_base',
              'avf_base_nodm': 'avf_mae_base'}.get(size, f'hicmae_{size}')
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'models',
                                   f'{preset}.py')).model
    if size == 'base_dm':
        cfg.update(_DUAL_MASKS)
    elif size == 'avf_base_nodm':
        cfg.update(video_decoder_masking=None, audio_decoder_masking=None)
    for key in ('video_encoder', 'audio_encoder', 'fusion', 'video_decoder',
                'audio_decoder'):
        cfg[key]['use_sdpa'] = attn == 'sdpa'
        cfg[key]['with_cp'] = with_cp or False
    return cfg


def _batch(model, batch: int, device):
    import torch

    from hicmae.structures import AVDataSample
    venc, aenc = model.video_encoder, model.audio_encoder
    t, h, w = venc.patch_embed.grid_size
    pt, ph, pw = venc.patch_embed.patch_size
    at, af = aenc.patch_embed.grid_size
    apt, apf = aenc.patch_embed.patch_size
    video = torch.randint(0, 256, (batch, 3, t * pt, h * ph, w * pw),
                          dtype=torch.uint8)
    audio = torch.randn(batch, 1, at * apt, af * apf)
    # no masks in the samples: the model draws them with its generators
    # (the paper's ratios, from the model config), as in training
    samples = [AVDataSample() for _ in range(batch)]
    return dict(inputs=dict(video=video, audio=audio), data_samples=samples)


def run_model_case(args) -> dict:
    """One case, in this process: returns its measurements."""
    import torch
    from mmengine.optim import OptimWrapper

    from hicmae.engine import (BackwardStepOptimWrapper,
                               MixedPrecisionOptimWrapper)
    from hicmae.registry import MODELS
    from hicmae.utils import keep_freed_memory, register_all_modules
    from hicmae.utils.memory_stats import (forward_activation_mib,
                                           peak_rss_mib, tensor_peak_mib)
    register_all_modules()
    torch.manual_seed(0)
    device = torch.device(args.device)
    if device.type == 'cpu' and not args.default_malloc:
        keep_freed_memory()
    model = MODELS.build(_model_cfg(args.size[0], args.attn[0],
                                    args.with_cp)).to(device)
    if args.compile:
        for name in ('video_encoder', 'audio_encoder', 'fusion',
                     'video_decoder', 'audio_decoder'):
            setattr(model, name, torch.compile(getattr(model, name)))
    # fused: what the configs use; loop: torch's default on CPU
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4,
                                  fused=args.adamw[0] == 'fused')
    if args.dtype[0] == 'bf16':
        wrapper = MixedPrecisionOptimWrapper(optimizer=optimizer,
                                             dtype='bfloat16')
    elif args.backward_step:
        wrapper = BackwardStepOptimWrapper(optimizer=optimizer)
    else:
        wrapper = OptimWrapper(optimizer=optimizer)
    if args.loader:  # batches of the real loader: the data-wait share
        from pretrain_data_bench import loader_case
        return loader_case(args, model, wrapper, device)
    data = _batch(model, args.batch, device)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (
        lambda: None)
    for _ in range(args.warmup):
        model.train_step(data, wrapper)
    sync()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(args.steps):
        losses = model.train_step(data, wrapper)
    sync()
    seconds = (time.perf_counter() - start) / args.steps
    from hicmae.utils.host_reads import HostReads
    with HostReads() as reads:  # what would stall a GPU, per step
        model.train_step(data, wrapper)
    if device.type == 'cuda':
        peak = torch.cuda.max_memory_allocated() / 2**20
        peak_kind = 'cuda_max_allocated_MiB'
        tensor_peak = round(peak, 1)
    else:
        peak = peak_rss_mib()
        peak_kind = 'peak_rss_MiB'
        # one more, untracked-by-the-timer step under the memory tracker
        tensor_peak = tensor_peak_mib(
            lambda: model.train_step(data, wrapper), model,
            wrapper.optimizer)
    # what the forward keeps for backward (the decoder mask's saving)
    act = forward_activation_mib(lambda: _loss_forward(model, data), model)
    wrapper.optimizer.zero_grad()
    return dict(size=args.size[0], batch=args.batch, dtype=args.dtype[0],
                attn=args.attn[0], adamw=args.adamw[0], with_cp=args.with_cp,
                backward_step=args.backward_step,
                compile=args.compile, device=args.device,
                step_s=round(seconds, 4),
                samples_per_s=round(args.batch / seconds, 3),
                host_reads_per_iter=len(reads.reads),
                peak_MiB=round(peak, 1), peak_kind=peak_kind,
                tensor_peak_MiB=tensor_peak, act_MiB=act,
                params_M=round(sum(p.numel() for p in model.parameters())
                               / 1e6, 3),
                loss=round(float(losses['loss']), 4),
                threads=torch.get_num_threads())


def _loss_forward(model, data):
    """The training forward and its summed loss, graph kept (no backward)."""
    batch = model.data_preprocessor(data, True)
    losses = model(**batch, mode='loss')
    return sum(v for k, v in losses.items() if k.startswith('loss'))


def model_cases(args) -> list:
    """Run every combination of the options, each in a subprocess."""
    results = []
    for size, dtype, attn, adamw in itertools.product(
            args.size, args.dtype, args.attn, args.adamw):
        cmd = [sys.executable, osp.abspath(__file__), 'model', '--single',
               '--size', size, '--dtype', dtype, '--attn', attn,
               '--adamw', adamw,
               '--batch', str(args.batch), '--steps', str(args.steps),
               '--warmup', str(args.warmup), '--device', args.device]
        cmd += ['--with-cp', args.with_cp] if args.with_cp else []
        cmd += ['--default-malloc'] if args.default_malloc else []
        cmd += ['--backward-step'] if args.backward_step else []
        cmd += ['--compile'] if args.compile else []
        cmd += (['--loader', args.loader, '--workers', str(args.workers),
                 '--source-px', str(args.source_px)] if args.loader else [])
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f'case {size}/{dtype}/{attn}/{adamw} failed:\n'
                               f'{out.stderr[-2000:]}')
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def data_cases(args) -> list:
    """One row per source and k (``source``, ``clips_per_s`` per worker,
    ...): see ``pretrain_data_bench.measure``."""
    from pretrain_data_bench import measure
    return measure(args)


def finetune_cases(args) -> list:
    """Clips per second of the fine-tuning train pipeline (the paper's:
    squash, RandAugment, crop, flip, erasing, audio gain, fbank) in one
    process, with and without RandAugment / random erasing: the cost of the
    authors' augmentations. Frame folders + wav (the authors' format) of
    ``--size-px`` frames; output 160x160 as the recipes."""
    from mmengine.config import Config

    from hicmae.data_prep.synthetic_av import make_synthetic_av
    from hicmae.datasets import AVEmotionDataset
    from hicmae.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'datasets',
                                   'av_finetune_pipelines.py'))
    drop = {'randaug+erasing': (),
            'erasing only': ('VideoRandAugment', ),
            'none': ('VideoRandAugment', 'ClipRandomErasing')}
    with tempfile.TemporaryDirectory() as tmp:
        make_synthetic_av(tmp, num_per_class=args.clips_per_class,
                          size=args.size_px, duration=3.2, seed=0)
        sets = {}
        for name, left_out in drop.items():
            pipeline = [dict(t) for t in cfg.train_pipeline
                        if t['type'] not in left_out]
            sets[name] = AVEmotionDataset(ann_file='lists/train.txt',
                                          data_root=tmp, pipeline=pipeline)
            sets[name][0]  # imports and file-system caches
        # the cases take turns clip by clip, so a busy machine slows all
        seconds = dict.fromkeys(sets, 0.)
        for i in range(args.iters):
            for name, ds in sets.items():
                start = time.perf_counter()
                ds[i % len(ds)]
                seconds[name] += time.perf_counter() - start
    return [dict(pipeline='finetune', augment=name, size_px=args.size_px,
                 clip_ms=round(1000 * t / args.iters, 1),
                 clips_per_s=round(args.iters / t, 2))
            for name, t in seconds.items()]


def print_table(rows: list) -> None:
    if not rows:
        return
    keys = list(rows[0])
    widths = {k: max(len(k), *(len(str(r[k])) for r in rows)) for k in keys}
    print('  '.join(k.ljust(widths[k]) for k in keys))
    for r in rows:
        print('  '.join(str(r[k]).ljust(widths[k]) for k in keys))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    sub = parser.add_subparsers(dest='what', required=True,
                                help='what to measure')
    m = sub.add_parser('model', formatter_class=DefaultsHelpFormatter,
                       help='model steps per second')
    m.add_argument('--size', nargs='+', default=['tiny'],
                   choices=MODEL_SIZES)
    m.add_argument('--batch', type=int, default=2)
    m.add_argument('--steps', type=int, default=5)
    m.add_argument('--warmup', type=int, default=2)
    m.add_argument('--dtype', nargs='+', default=['fp32'],
                   choices=['fp32', 'bf16'])
    m.add_argument('--attn', nargs='+', default=['sdpa'],
                   choices=['sdpa', 'explicit'])
    m.add_argument('--adamw', nargs='+', default=['fused'],
                   choices=['fused', 'loop'])
    m.add_argument('--with-cp', choices=['full', 'selective'],
                   help='activation checkpointing of every block')
    m.add_argument('--default-malloc', action='store_true',
                   help="CPU: keep glibc's allocator defaults (by default "
                   'freed memory stays in the process, as in tools/train.py)')
    m.add_argument('--backward-step', action='store_true',
                   help='AdamW inside backward (fp32 only)')
    m.add_argument('--compile', action='store_true')
    m.add_argument('--loader', choices=['mp4', 'frames', 'shards'],
                   help='train on batches of the real pre-training loader '
                   'over generated clips of this source and report the '
                   'data-wait share of the step time')
    m.add_argument('--workers', type=int, default=2,
                   help='data workers of --loader')
    m.add_argument('--source-px', type=int, default=224,
                   help='side of the clips generated for --loader')
    m.add_argument('--device', default='cuda' if _has_cuda() else 'cpu')
    m.add_argument('--single', action='store_true', help=argparse.SUPPRESS)
    m.add_argument('--json')
    d = sub.add_parser('data', formatter_class=DefaultsHelpFormatter,
                       help='pre-training input clips per second')
    d.add_argument('--source', nargs='+', default=['mp4', 'frames', 'shards'],
                   choices=['mp4', 'frames', 'shards'])
    d.add_argument('--repeats', nargs='+', type=int, default=[1, 4],
                   help='repeated sampling: clips per decoded video')
    d.add_argument('--workers', type=int, default=2,
                   help='also measure through a DataLoader with this many '
                   'worker processes (1: per worker only)')
    d.add_argument('--rounds', type=int, default=2,
                   help='per-worker timing rounds; the best is kept')
    d.add_argument('--source-px', type=int, default=224,
                   help='side of the generated source frames')
    d.add_argument('--duration', type=float, default=8.0,
                   help='seconds per generated clip (VoxCeleb2: ~8)')
    d.add_argument('--clips-per-class', type=int, default=1)
    d.add_argument('--iters', type=int, default=16)
    d.add_argument('--size-px', type=int, default=160)
    d.add_argument('--pipeline', default='pretrain',
                   choices=['pretrain', 'finetune'],
                   help='finetune: the fine-tuning train pipeline with and '
                   'without RandAugment / random erasing (frame folders)')
    d.add_argument('--json')
    args = parser.parse_args(argv)
    if args.what == 'model' and args.backward_step and 'bf16' in args.dtype:
        parser.error('--backward-step measures fp32 steps only')
    if args.what == 'model' and args.single:
        print(json.dumps(run_model_case(args)))
        return 0
    if args.what == 'model':
        rows = model_cases(args)
    elif args.pipeline == 'finetune':
        rows = finetune_cases(args)
    else:
        rows = data_cases(args)
    print_table(rows)
    if args.what == 'data' and args.pipeline == 'pretrain':
        from pretrain_data_bench import summary
        print(summary(rows))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(kind=args.what, results=rows,
                           host_cpus=os.cpu_count()), f, indent=2)
    return 0


def _has_cuda() -> bool:
    import torch
    return torch.cuda.is_available()


if __name__ == '__main__':
    sys.exit(main())
