# The paper's pre-training recipe: HiCMAE-Base on VoxCeleb2 dev, 100 epochs,
# 40 clips per GPU (4 GPUs in the paper), fp16 AMP.
# The VoxCeleb2 list dataset arrives with the data issue; until then this
# config defines the model and schedule, and `tools/train.py` stops with a
# message before training because it has no train_dataloader.
_base_ = [
    '../_base_/models/hicmae_base.py',
    '../_base_/schedules/pretrain_adamw_100e.py',
    '../_base_/default_runtime.py',
]

data_root = 'data/voxceleb2'
batch_size_per_gpu = 40

optim_wrapper = dict(type='AmpOptimWrapper', dtype='float16',
                     loss_scale='dynamic')
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
