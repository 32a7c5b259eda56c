"""Whole runner iterations, hooks included, read nothing back from the
device except on the logger's iterations (issue 19, item 8)."""
import torch
from mmengine.config import Config

from hicmae.registry import RUNNERS
from hicmae.utils.host_reads import HostReads

INTERVAL = 3


def _runner(tmp_path):
    cfg = Config.fromfile('configs/_base_/finetune_runtime.py')
    cfg.merge_from_dict(dict(
        work_dir=str(tmp_path),
        model=dict(
            type='AVRecognizer',
            data_preprocessor=dict(
                type='AVDataPreprocessor',
                batch_augments=dict(type='AVMixup', num_classes=4)),
            video_encoder=dict(type='VideoEncoder', img_size=32,
                               num_frames=2, embed_dims=16, depth=1,
                               num_heads=2),
            audio_encoder=dict(type='AudioEncoder', input_size=(32, 32),
                               embed_dims=16, depth=1, num_heads=2),
            fusion=dict(type='CrossModalFusionEncoder', depth=1,
                        num_heads=2),
            head=dict(type='HFFClsHead', num_classes=4)),
        train_dataloader=dict(
            batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate'),
            dataset=dict(type='SyntheticTensorDataset', num_samples=16,
                         num_frames=2, img_size=32, audio_size=(32, 32),
                         pipeline=[dict(type='PackAVInputs')])),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(type='MixedPrecisionOptimWrapper',
                           dtype='float32',
                           optimizer=dict(type='AdamW', lr=1e-4,
                                          fused=True)),
        default_hooks=dict(logger=dict(interval=INTERVAL))))
    cfg.default_hooks.checkpoint = None
    torch.manual_seed(0)
    return RUNNERS.build(cfg)


def test_steady_state_iterations_read_nothing_back(tmp_path):
    runner = _runner(tmp_path)
    loop = runner.train_loop
    reads = {}
    run_iter = loop.run_iter

    def counted(idx, data_batch):
        with HostReads() as mode:
            run_iter(idx, data_batch)
        reads[idx] = mode.reads

    loop.run_iter = counted
    runner.train()
    assert len(reads) == 8
    logging = {i for i in reads if (i + 1) % INTERVAL == 0 or i == 7}
    quiet = {i: r for i, r in reads.items() if i not in logging}
    assert quiet and not any(quiet.values()), quiet
    # the logged values still reach the message hub, every step's
    hub = runner.message_hub.get_scalar('train/loss')
    assert len(hub.data[0]) == 8
