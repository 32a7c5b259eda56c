# Runtime shared by every recipe: scope, hooks, logging, distributed setup.
default_scope = 'hicmae'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3,
                    save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # seed + rank for mixup, DropPath, masks once the model is built (the
    # authors' per-rank seeds); the sampler keeps the shared seed
    rank_seed=dict(type='RankSeedHook'),
    # logged values stay on the device until the logger reads them (no
    # host-device sync per value and step)
    runtime_info=dict(type='DeferredRuntimeInfoHook'),
)

# atomic checkpoint writes and a resume that survives a kill mid-save
runner_type = 'HiCMAERunner'

custom_hooks = [
    # every file a skip-mode dataset drops goes to work_dir/bad_samples.txt
    dict(type='BadSampleLogHook'),
    # generator states in checkpoints: resumed runs continue identically
    dict(type='RNGStateHook'),
    # share of step time spent waiting for the loader (train/data_wait)
    dict(type='DataWaitHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo where CUDA is missing
    dist_cfg=dict(backend='nccl'),
)

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
log_level = 'INFO'

# pictures and scalars go to <work_dir>/<timestamp>/vis_data/; for
# TensorBoard as well (pip install tensorboard), use instead:
# vis_backends = [dict(type='LocalVisBackend'),
#                 dict(type='TensorboardVisBackend')]
vis_backends = [dict(type='LocalVisBackend')]
# MMEngine's Visualizer plus hicmae's pictures (reconstructions, confusion
# matrices, t-SNE, curves); add dict(type='ReconstructionVisHook',
# interval=500) to a pre-training recipe's custom_hooks to record what the
# model reconstructs while it trains
visualizer = dict(type='AVVisualizer', vis_backends=vis_backends)

# diff_rank_seed stays off: RankSeedHook gives each rank its own generators
# after the model is built (identical initial weights on every rank, the
# sampler's shared order from this seed)
randomness = dict(seed=0, deterministic=False)
load_from = None
resume = False
