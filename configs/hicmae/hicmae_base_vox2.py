# The paper's pre-training recipe: HiCMAE-Base on VoxCeleb2 dev, 100 epochs,
# 40 clips per GPU (4 GPUs in the paper, lr scaled to the total batch),
# fp16 AMP with dynamic loss scaling.
#   bash tools/dist_train.sh configs/hicmae/hicmae_base_vox2.py 8
_base_ = [
    '../_base_/models/hicmae_base.py',
    '../_base_/datasets/voxceleb2_pretrain.py',
    '../_base_/schedules/pretrain_adamw_100e.py',
    '../_base_/default_runtime.py',
]

batch_size_per_gpu = 40
train_dataloader = dict(batch_size=batch_size_per_gpu)

optim_wrapper = dict(type='AmpOptimWrapper', dtype='float16',
                     loss_scale='dynamic')
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))

# the runtime's hooks, plus reconstruction pictures every 2000 iterations
# (work_dir/<timestamp>/vis_data/vis_image/)
custom_hooks = [
    dict(type='BadSampleLogHook'),
    dict(type='RNGStateHook'),
    dict(type='ReconstructionVisHook', interval=2000, num_samples=2),
]
