"""Time one HiCMAE-Base pre-training step here and in the authors' code.

    python tools/analysis/compare_authors.py --authors-repo PATH [--deps PATH]
        [--batch 2] [--steps 5] [--warmup 2] [--repeats 3] [--json OUT]
        [--backward-step] [--with-cp full|selective]
        [--malloc ours|both|none]

``--authors-repo``: an export of sunlicai/HiCMAE; ``--deps``: a ``pip
install --target`` folder with what it imports (timm, einops, torchvision).
Both go on ``sys.path`` only in the authors' worker processes.

A prepare process builds the authors' Base model under ``manual_seed(0)``
and saves its state dict, one batch and one set of masks. Each side then
runs in its own process (so peak RSS is that side's alone) with the same
weights, batch and masks: ``--warmup`` + ``--steps`` fp32 steps (forward,
loss, backward, AdamW; each side with the AdamW implementation its own
training code selects). The pair is repeated in alternating order; the
first-step losses must agree within 1e-3, else the exit status is 1.

Memory, per side: ``peak_RSS`` (the process's peak, loading included),
``steps_peak`` (the peak during the steps: the kernel's mark is reset once
the model is built) and ``step_added`` (``steps_peak`` minus the RSS before
the first step: gradients, optimizer state, activations);
``tensor_peak`` (live tensors at their peak during one more, untimed step,
by PyTorch's memory tracker: no libraries, no allocator slack).
``--malloc`` says which side keeps freed memory in the process (what our
``tools/train.py`` does on CPU; default: ours). ``--backward-step``
and ``--with-cp full|selective`` measure our memory-saving options (AdamW
inside backward, activation checkpointing of every block).
"""
import argparse
import gc
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F

from hicmae.cli_help import DefaultsHelpFormatter

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _standalone(name: str):
    """``hicmae/utils/<name>.py`` loaded by path: importing it as part of
    the package would load MMEngine into the authors' process too and add
    to their memory figures."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        f'hicmae_{name}', osp.join(REPO, 'hicmae', 'utils', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_mem = _standalone('memory_stats')
peak_rss_mib, reset_peak_rss = _mem.peak_rss_mib, _mem.reset_peak_rss
status_mib, tensor_peak_mib = _mem.status_mib, _mem.tensor_peak_mib
keep_freed_memory = _standalone('cpu_malloc').keep_freed_memory

# pretrain_base.sh of the authors: Base constructor + its depth flags
AUTHORS_KWARGS = dict(
    img_size=160, patch_size=16, encoder_embed_dim=512, encoder_depth=10,
    encoder_num_heads=8, encoder_num_classes=0, decoder_num_classes=1536,
    decoder_embed_dim=384, decoder_depth=4, decoder_num_heads=6,
    img_size_audio=(256, 128), patch_size_audio=16, encoder_depth_audio=10,
    encoder_embed_dim_audio=512, encoder_num_heads_audio=8,
    decoder_num_classes_audio=256, decoder_embed_dim_audio=384,
    decoder_depth_audio=4, decoder_num_heads_audio=6, encoder_fusion_depth=2,
    encoder_fusion_num_heads=8, mlp_ratio=4, qkv_bias=True,
    return_intermediate_features=(3, 6, 9), inter_contrastive_temperature=0.07)
HCMCL_WEIGHT = 0.0025  # --loss_weight of the authors' pre-training script
# ImageNet statistics, shaped for (B, C, T, H, W) video
MEAN = torch.tensor((0.485, 0.456, 0.406)).view(1, 3, 1, 1, 1)
STD = torch.tensor((0.229, 0.224, 0.225)).view(1, 3, 1, 1, 1)
LOSS_TOL = 1e-3


def _authors_path(args: argparse.Namespace) -> None:
    """Make the authors' modules importable in this (worker) process only.
    The deps go first so the pinned timm wins; the repo goes last so its
    top-level ``utils``/``transforms`` cannot shadow anything else."""
    if args.deps:
        sys.path.insert(0, osp.abspath(args.deps))
    sys.path.append(osp.abspath(args.authors_repo))


def _authors_model() -> torch.nn.Module:
    """The authors' Base model (needs :func:`_authors_path` first)."""
    import modeling_pretrain_av as mp
    return mp.PretrainAudioVisionTransformer(
        norm_layer=partial(torch.nn.LayerNorm, eps=1e-6), **AUTHORS_KWARGS)


def prepare(args: argparse.Namespace) -> int:
    """Save the shared weights, batch and masks to ``args.work``."""
    # our mask generators are imported before the authors' folder is on
    # the path; they are the same tube / uniform masks as the authors' ones
    from hicmae.models.masking import RandomMaskGenerator, TubeMaskGenerator
    _authors_path(args)
    torch.manual_seed(0)
    state = _authors_model().state_dict()
    gen = torch.Generator().manual_seed(0)
    raw = torch.randint(0, 256, (args.batch, 3, 16, 160, 160),
                        dtype=torch.uint8, generator=gen)
    masks = torch.Generator().manual_seed(0)
    vmask = TubeMaskGenerator(0.9)((8, 10, 10), args.batch, 'cpu', masks)
    amask = RandomMaskGenerator(0.8)((16, 8), args.batch, 'cpu', masks)
    torch.save(dict(
        state_dict=state, video=(raw.float() / 255 - MEAN) / STD,
        audio=torch.randn(args.batch, 1, 256, 128, generator=gen),
        video_mask=vmask, audio_mask=amask),
        osp.join(args.work, 'shared.pt'))
    return 0


def _norm_patches(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Per-patch normalisation of the authors' engine (unbiased std)."""
    return (x - x.mean(dim, keepdim=True)) / (
        x.var(dim, unbiased=True, keepdim=True).sqrt() + 1e-6)


def authors_loss(model: torch.nn.Module, video: torch.Tensor,
                 audio: torch.Tensor, vmask: torch.Tensor,
                 amask: torch.Tensor) -> torch.Tensor:
    """The loss of the authors' ``engine_for_pretraining_av`` with the
    options of their Base script: normalised targets, the frame-difference
    video target (second frame of each tubelet minus the first, in the
    normalised space) and ``HCMCL_WEIGHT`` x the contrastive CE."""
    b, p = video.shape[0], 16
    with torch.no_grad():  # targets, as in their engine
        v = video * STD + MEAN  # back to [0, 1], as their engine does
        _, c, t, h, w = v.shape
        # (B, C, T, H, W) -> (B, tokens, tubelet * p * p, C)
        v = v.reshape(b, c, t // 2, 2, h // p, p, w // p, p).permute(
            0, 2, 4, 6, 3, 5, 7, 1).reshape(b, -1, 2 * p * p, c)
        v = _norm_patches(v, 2).reshape(b, v.shape[1], 2, p * p * c)
        v = torch.stack([v[:, :, 0], v[:, :, 1] - v[:, :, 0]], 2)
        v_target = v.flatten(2)[vmask].reshape(b, -1, 2 * p * p * c)
        a = audio.reshape(b, 1, audio.shape[2] // p, p, audio.shape[3] // p,
                          p).permute(0, 2, 4, 3, 5, 1).reshape(b, -1, p * p)
        a_target = _norm_patches(a, 2)[amask].reshape(b, -1, p * p)
    pred_v, pred_a, logits_v, logits_a = model(video, vmask, audio, amask)
    labels = torch.arange(b)
    hcmcl = sum(0.5 * (F.cross_entropy(lv, labels) +
                       F.cross_entropy(la, labels))
                for lv, la in zip(logits_v, logits_a))
    return (F.mse_loss(pred_v, v_target) + F.mse_loss(pred_a, a_target)
            + HCMCL_WEIGHT * hcmcl)


def _our_adamw_impl() -> dict:
    """``fused``/``foreach`` as our pre-training schedule sets them (the
    authors' optimizer factory builds a plain AdamW: a per-tensor loop)."""
    from mmengine.config import Config
    opt = Config.fromfile(osp.join(
        REPO, 'configs/_base_/schedules/pretrain_adamw_100e.py'
    )).optim_wrapper.optimizer
    return {k: opt[k] for k in ('fused', 'foreach') if k in opt}


def worker(args: argparse.Namespace) -> dict:
    """One side's measurements, in this process."""
    torch.set_num_threads(args.threads)
    tuned_malloc = args.malloc == 'both' or (
        args.malloc == 'ours' and args.side == 'ours')
    if tuned_malloc:  # what tools/train.py does on CPU
        keep_freed_memory()
    shared = torch.load(osp.join(args.work, 'shared.pt'), weights_only=True)
    video, audio = shared['video'], shared['audio']
    vmask, amask = shared['video_mask'], shared['audio_mask']

    def make_opt(m: torch.nn.Module, **impl) -> torch.optim.Optimizer:
        return torch.optim.AdamW(m.parameters(), lr=1e-4, betas=(0.9, 0.95),
                                 weight_decay=0.05, **impl)
    if args.side == 'theirs':
        _authors_path(args)
        model = _authors_model()
        model.load_state_dict(shared['state_dict'], strict=True)
        opt = make_opt(model)

        optimizer = opt

        def step() -> float:
            loss = authors_loss(model, video, audio, vmask, amask)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss.item()  # their engine reads it every step too
    else:
        from mmengine.optim import OptimWrapper

        from hicmae.engine import BackwardStepOptimWrapper
        from hicmae.registry import MODELS
        from hicmae.structures import AVDataSample
        from hicmae.utils import convert_official_state_dict as convert
        from hicmae.utils import register_all_modules
        from hicmae.utils.official_config import pretrain_model_cfg
        register_all_modules()
        model = MODELS.build(pretrain_model_cfg(AUTHORS_KWARGS, 1e-6,
                                                HCMCL_WEIGHT))
        model.load_state_dict(convert(shared['state_dict']), strict=True)
        if args.with_cp:  # checkpoint every block's activations
            for module in model.modules():
                if hasattr(module, 'with_cp'):
                    module.with_cp = args.with_cp
        # the AdamW implementation our pre-training schedule selects
        wrapper_type = BackwardStepOptimWrapper if args.backward_step \
            else OptimWrapper
        wrapper = wrapper_type(optimizer=make_opt(model, **_our_adamw_impl()))
        optimizer = wrapper.optimizer
        inputs = dict(video=video, audio=audio)
        samples = [AVDataSample().set_masks(vm, am)
                   for vm, am in zip(vmask, amask)]

        def step() -> float:
            # train_step minus the preprocessor: the video is already
            # normalised, as the authors' loader hands it to their engine
            loss, _ = model.parse_losses(model.loss(inputs, samples))
            wrapper.update_params(loss)  # backward, step, zero_grad
            return loss.item()
    model.train()
    del shared
    gc.collect()
    rss_built = peak_rss_mib()
    base = reset_peak_rss()  # the steps' peak, not the loading's
    losses, times = [], []
    for i in range(args.warmup + args.steps):
        start = time.perf_counter()
        losses.append(step())
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
    # process figures first: the tracked step below adds the tracker's own
    steps_peak, peak_rss = status_mib('VmHWM'), peak_rss_mib()
    tensor_peak = tensor_peak_mib(step, model, optimizer)
    return dict(tensor_peak_MiB=tensor_peak, tuned_malloc=tuned_malloc,
                side=args.side, first_loss=losses[0], last_loss=losses[-1],
                step_s=statistics.median(times), step_times_s=times,
                rss_after_build_MiB=rss_built,
                peak_rss_MiB=peak_rss,
                rss_before_steps_MiB=base,
                steps_peak_rss_MiB=steps_peak,
                params_M=round(sum(p.numel() for p in model.parameters())
                               / 1e6, 3),
                torch=torch.__version__, threads=torch.get_num_threads())


def _spawn(args: argparse.Namespace, side: str, work: str) -> dict:
    """Run ``side`` in a fresh interpreter; its ``RESULT`` line as a dict."""
    cmd = [sys.executable, osp.abspath(__file__), '--side', side, '--work',
           work, '--authors-repo', args.authors_repo, '--batch',
           str(args.batch), '--steps', str(args.steps), '--warmup',
           str(args.warmup), '--threads', str(args.threads)]
    cmd += ['--deps', args.deps] if args.deps else []
    cmd += ['--backward-step'] if args.backward_step else []
    cmd += ['--with-cp', args.with_cp] if args.with_cp else []
    cmd += ['--malloc', args.malloc]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env,
                         check=False)
    if out.returncode != 0:
        raise RuntimeError(f'{side} worker failed:\n{out.stderr[-3000:]}')
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith('RESULT ')]
    return json.loads(lines[-1][len('RESULT '):]) if lines else {}


def compare(args: argparse.Namespace) -> int:
    """Prepare, run the alternating pairs, print and save the summary."""
    load = os.getloadavg()
    if load[0] > 0.5:
        print(f'WARNING: 1-minute load average is {load[0]:.2f} (> 0.5): '
              'other processes use the CPU, timings are unreliable')
    runs: List[dict] = []
    with tempfile.TemporaryDirectory(prefix='hicmae_cmp_') as work:
        _spawn(args, 'prepare', work)
        for r in range(args.repeats):
            order = ('ours', 'theirs') if r % 2 == 0 else ('theirs', 'ours')
            for side in order:
                before = os.getloadavg()  # was the machine busy?
                runs.append(dict(_spawn(args, side, work), repeat=r,
                                 loadavg_before=before))
    sides: Dict[str, dict] = {}
    for side in ('ours', 'theirs'):
        mine = [x for x in runs if x['side'] == side]
        sides[side] = dict(
            step_s=statistics.median(x['step_s'] for x in mine),
            peak_rss_MiB=statistics.median(x['peak_rss_MiB'] for x in mine),
            rss_after_build_MiB=statistics.median(
                x['rss_after_build_MiB'] for x in mine),
            steps_peak_rss_MiB=_median(
                x['steps_peak_rss_MiB'] for x in mine),
            step_added_MiB=_median(
                x['steps_peak_rss_MiB'] - x['rss_before_steps_MiB']
                if x['steps_peak_rss_MiB'] and x['rss_before_steps_MiB']
                else None for x in mine),
            tensor_peak_MiB=_median(x.get('tensor_peak_MiB') for x in mine),
            tuned_malloc=mine[0]['tuned_malloc'],
            first_loss=mine[0]['first_loss'], params_M=mine[0]['params_M'])
    diffs = [abs(a['first_loss'] - b['first_loss']) for a in runs
             for b in runs if a['side'] == 'ours' and b['side'] == 'theirs']
    agree = max(diffs) <= LOSS_TOL
    summary = dict(
        speedup_theirs_over_ours=sides['theirs']['step_s'] /
        sides['ours']['step_s'],
        peak_rss_ratio_ours_over_theirs=sides['ours']['peak_rss_MiB'] /
        sides['theirs']['peak_rss_MiB'],
        steps_peak_ratio_ours_over_theirs=_ratio(
            sides['ours']['steps_peak_rss_MiB'],
            sides['theirs']['steps_peak_rss_MiB']),
        step_added_ratio_ours_over_theirs=_ratio(
            sides['ours']['step_added_MiB'],
            sides['theirs']['step_added_MiB']),
        tensor_peak_ratio_ours_over_theirs=_ratio(
            sides['ours']['tensor_peak_MiB'],
            sides['theirs']['tensor_peak_MiB']),
        max_loss_diff=max(diffs), losses_agree=agree)
    print(f"{'side':<8}{'step_s':>9}{'samples/s':>11}{'peak_RSS_MiB':>14}"
          f"{'steps_peak':>12}{'step_added':>12}{'tensor_peak':>13}"
          f"{'first_loss':>12}{'params_M':>10}")
    for side, s in sides.items():
        print(f"{side:<8}{s['step_s']:>9.3f}{args.batch / s['step_s']:>11.3f}"
              f"{s['peak_rss_MiB']:>14.1f}{_fmt(s['steps_peak_rss_MiB']):>12}"
              f"{_fmt(s['step_added_MiB']):>12}"
              f"{_fmt(s['tensor_peak_MiB']):>13}"
              f"{s['first_loss']:>12.6f}{s['params_M']:>10.3f}")
    print(f"speed-up (theirs/ours step time): "
          f"{summary['speedup_theirs_over_ours']:.3f}x; peak RSS ours/theirs:"
          f" {summary['peak_rss_ratio_ours_over_theirs']:.3f} (steps only: "
          f"{_fmt(summary['steps_peak_ratio_ours_over_theirs'], 3)}, added "
          f"by the steps: "
          f"{_fmt(summary['step_added_ratio_ours_over_theirs'], 3)}); "
          f"peak tensor memory ours/theirs: "
          f"{_fmt(summary['tensor_peak_ratio_ours_over_theirs'], 3)}; "
          f"max |loss "
          f"diff| {summary['max_loss_diff']:.2e} "
          f"({'agree' if agree else 'DISAGREE'} within {LOSS_TOL})")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(command=[sys.executable] + sys.argv,
                           torch=runs[0]['torch'],
                           threads=runs[0]['threads'], batch=args.batch,
                           steps=args.steps, warmup=args.warmup,
                           loadavg_at_start=load, sides=sides,
                           summary=summary, runs=runs), f, indent=2)
    return 0 if agree else 1


def _median(values) -> Optional[float]:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def _fmt(value: Optional[float], digits: int = 1) -> str:
    return 'n/a' if value is None else f'{value:.{digits}f}'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line; ``--side``/``--work`` are for the child processes."""
    p = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=DefaultsHelpFormatter)
    p.add_argument('--authors-repo', required=True,
                   help="export of the authors' repository")
    p.add_argument('--deps', help='pip --target folder with timm, einops, '
                   'torchvision for their code')
    p.add_argument('--batch', type=int, default=2)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--json', help='write the results here')
    p.add_argument('--backward-step', action='store_true',
                   help='ours: BackwardStepOptimWrapper (AdamW inside '
                   'backward, gradients freed at once)')
    p.add_argument('--with-cp', choices=('full', 'selective'),
                   help='ours: activation checkpointing of every block '
                   '(full: recompute the block; selective: keep the matmul '
                   'and attention outputs, recompute the rest)')
    p.add_argument('--malloc', choices=('ours', 'both', 'none'),
                   default='ours',
                   help='which side keeps freed memory in the process '
                   '(hicmae.utils.keep_freed_memory, what our tools/train.py '
                   'does on CPU); default: ours only, as each side ships')
    p.add_argument('--side', choices=('prepare', 'ours', 'theirs'),
                   help=argparse.SUPPRESS)
    p.add_argument('--work', help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.steps < 1 or args.repeats < 1 or args.warmup < 0:
        p.error('need --steps >= 1, --repeats >= 1, --warmup >= 0')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    """Orchestrate, or be one of the child processes."""
    args = parse_args(argv)
    if args.side == 'prepare':
        return prepare(args)
    if args.side:
        print('RESULT ' + json.dumps(worker(args)))
        return 0
    return compare(args)


if __name__ == '__main__':
    sys.exit(main())
