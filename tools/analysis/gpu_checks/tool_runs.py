"""The tool checks on HiCMAE-Tiny: tools/train.py as a 1-process DDP run
with a save and a ``--resume``, the FSDP recipe as 2 processes in fp16, and
a fine-tuning run followed by tools/test.py and tools/inference.py."""
import contextlib
import json
import os
import os.path as osp
import socket
import sys

import torch

from .common import FINETUNE_CFG, FSDP_TINY_CFG, ROOT, TINY_CFG, _tool


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
