"""Validation and test run the model under autocast, fp16 on the GPU like
the authors; a config switch keeps fp32 (issue 19, item 9). On the CPU the
fp16 path is the same code with ``torch.autocast('cpu', float16)``."""
import pytest
import torch
from mmengine.config import Config

from hicmae.engine.optim_wrappers import resolve_dtype
from hicmae.registry import RUNNERS

SCHEDULE = 'configs/_base_/schedules/finetune_adamw_50e.py'


def _runner(tmp_path, val_cfg, test_cfg):
    loader = dict(
        batch_size=4, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'),
        dataset=dict(type='SyntheticTensorDataset', num_samples=8,
                     num_frames=2, img_size=32, audio_size=(32, 32),
                     test_mode=True, pipeline=[dict(type='PackAVInputs')]))
    cfg = Config.fromfile('configs/_base_/finetune_runtime.py')
    cfg.merge_from_dict(dict(
        work_dir=str(tmp_path),
        model=dict(
            type='AVRecognizer',
            data_preprocessor=dict(type='AVDataPreprocessor'),
            video_encoder=dict(type='VideoEncoder', img_size=32,
                               num_frames=2, embed_dims=16, depth=1,
                               num_heads=2),
            audio_encoder=dict(type='AudioEncoder', input_size=(32, 32),
                               embed_dims=16, depth=1, num_heads=2),
            fusion=dict(type='CrossModalFusionEncoder', depth=1,
                        num_heads=2),
            head=dict(type='HFFClsHead', num_classes=4)),
        val_dataloader=loader, test_dataloader=loader,
        val_evaluator=dict(type='AVClsMetric'),
        test_evaluator=dict(type='AVClsMetric'),
        val_cfg=val_cfg, test_cfg=test_cfg))
    cfg.default_hooks.checkpoint = None
    torch.manual_seed(0)
    return RUNNERS.build(cfg)


def _recorded_dtypes(runner, stage):
    seen = []
    linear = next(m for m in runner.model.head.modules()
                  if isinstance(m, torch.nn.Linear))
    handle = linear.register_forward_hook(
        lambda mod, args, out: seen.append(out.dtype))
    metrics = getattr(runner, stage)()
    handle.remove()
    return set(seen), metrics


def test_recipes_evaluate_in_fp16_on_the_gpu_and_fp32_on_the_cpu():
    from hicmae.engine.runners.amp_loops import DEFAULT_EVAL_DTYPE
    from hicmae.registry import LOOPS
    cfg = Config.fromfile(SCHEDULE)
    for loop, name in ((cfg.val_cfg, 'AmpValLoop'),
                       (cfg.test_cfg, 'AmpTestLoop')):
        assert LOOPS.get(loop['type']).__name__ == name
        dtype = loop.get('dtype') or DEFAULT_EVAL_DTYPE
        assert resolve_dtype(dtype, 'cuda') == torch.float16
        assert resolve_dtype(dtype, 'cpu') == torch.float32


@pytest.mark.parametrize('stage', ['val', 'test'])
def test_fp16_switch_runs_the_step_under_autocast_fp32_switch_does_not(
        tmp_path, stage):
    cfg = Config.fromfile(SCHEDULE)
    kind = cfg[f'{stage}_cfg']['type']
    results = {}
    for dtype in ('float16', 'float32'):
        loop = dict(type=kind, dtype=dtype)
        runner = _runner(tmp_path / dtype, loop, loop)
        results[dtype] = _recorded_dtypes(runner, stage)
    assert results['float16'][0] == {torch.float16}
    assert results['float32'][0] == {torch.float32}
    # the metrics come out either way, in float
    half, full = results['float16'][1], results['float32'][1]
    assert set(half) == set(full) and all(
        isinstance(v, float) for v in half.values())
