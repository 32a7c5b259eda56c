# The paper's pre-training recipe: HiCMAE-Base on VoxCeleb2 dev, 100 epochs,
# 40 clips per GPU on 4 GPUs (total batch 160, lr 3e-4 x 160/256), fp16 AMP
# with dynamic loss scaling.
#   bash tools/dist_train.sh configs/hicmae/hicmae_base_vox2.py 4
# auto_scale_lr scales the lr to the real total batch: 8 GPUs x 40 = 320
# doubles the lr (and halves the iterations per epoch), which is not the
# paper's run; keep the paper's batch on 8 GPUs with
#   --cfg-options train_dataloader.batch_size=20
_base_ = [
    '../_base_/models/hicmae_base.py',
    '../_base_/datasets/voxceleb2_pretrain.py',
    '../_base_/schedules/pretrain_adamw_100e.py',
    '../_base_/default_runtime.py',
]

batch_size_per_gpu = 40
train_dataloader = dict(batch_size=batch_size_per_gpu)

# fp16 with dynamic loss scaling on GPUs as in the paper; bf16 on the CPU
# (fp16 autocast runs there too, but slowly on most CPUs)
optim_wrapper = dict(type='MixedPrecisionOptimWrapper',
                     dtype=dict(cuda='float16', cpu='bfloat16'),
                     loss_scale='dynamic')
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))

# the runtime's hooks, plus reconstruction pictures every 2000 iterations
# (work_dir/<timestamp>/vis_data/vis_image/)
custom_hooks = [
    dict(type='BadSampleLogHook'),
    dict(type='RNGStateHook'),
    dict(type='ReconstructionVisHook', interval=2000, num_samples=2),
]
