"""The pre-training throughput check: HiCMAE-Base (or, quick, a model
smaller than Tiny) through MMEngine's runner in one precision, timed over
whole iterations with every hook; FLOPs, MFU, peak memory, data wait and
loss-scaler health."""
import math
import os.path as osp

import torch
from mmengine.hooks import Hook

from .common import BASE_CFG, ROOT, TINY_CFG, _tool


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
