"""Each rank draws its own augmentation and stochastic depth while the
data sampler still partitions one shared order (2 gloo ranks, through the
runner as tools/train.py builds it)."""
import pytest
from gloo_ranks import run_ranks
from mmengine.hooks import Hook
from tiny_finetune import tiny_finetune_runner_cfg, tiny_recognizer_cfg

RECORDS = []


def _tiny_finetune_cfg(work_dir: str):
    from hicmae.engine import prepare_cpu_distributed
    cfg = tiny_finetune_runner_cfg(
        work_dir, num_samples=8,
        model=tiny_recognizer_cfg(depth=2, drop_path_rate=0.5),
        launcher='pytorch',
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-4)),
        default_hooks=dict(logger=dict(interval=100)),
        custom_hooks=[dict(type='RecordDrawsForTest')])
    prepare_cpu_distributed(cfg)
    return cfg


class _RecordDraws(Hook):
    """Records what each iteration would draw, and its samples."""

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        import torch
        from mmcv.cnn.bricks import DropPath

        from hicmae.models.data_preprocessors.av_mixup import AVMixup
        lam = AVMixup(num_classes=4).sample_params()
        drop = DropPath(0.5).train()(torch.ones(16, 1, 1)).flatten()
        RECORDS.append(dict(
            lam=lam, drop=(drop > 0).tolist(),
            idx=[s.sample_idx for s in data_batch['data_samples']]))


def _rank(rank, world, work_dir):
    from mmengine.runner import Runner

    from hicmae.registry import HOOKS
    HOOKS.register_module('RecordDrawsForTest', module=_RecordDraws)
    runner = Runner.from_cfg(_tiny_finetune_cfg(work_dir))
    runner.train()
    head = [p.detach().clone() for p in runner.model.module.parameters()]
    return dict(records=list(RECORDS), first_param=head[0][:4].tolist())


@pytest.mark.slow
def test_ranks_draw_their_own_augmentation_but_partition_the_data(
        tmp_path):
    ranks = run_ranks(_rank, 2, str(tmp_path))
    r0, r1 = (r['records'] for r in ranks)
    assert len(r0) == len(r1) == 2
    # mixup λ / cutmix choice and DropPath masks differ between the ranks
    assert [r['lam'] for r in r0] != [r['lam'] for r in r1]
    assert [r['drop'] for r in r0] != [r['drop'] for r in r1]
    # the sampler partitions one order: no sample on both ranks, none left
    seen0 = {i for r in r0 for i in r['idx']}
    seen1 = {i for r in r1 for i in r['idx']}
    assert not seen0 & seen1 and seen0 | seen1 == set(range(8))
    # weights started (and stayed) identical on both ranks
    assert ranks[0]['first_param'] == ranks[1]['first_param']
