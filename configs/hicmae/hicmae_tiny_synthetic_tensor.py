# A short pre-training run of HiCMAE-Tiny on generated tensors, small
# enough for a 2-core CPU: 64x64 frames, 64x64 filterbanks, 4 blocks.
_base_ = [
    '../_base_/models/hicmae_tiny.py',
    '../_base_/datasets/synthetic_tensor.py',
    '../_base_/schedules/pretrain_adamw_100e.py',
    '../_base_/default_runtime.py',
]

img_size, audio_size = 64, (64, 64)

model = dict(
    video_encoder=dict(img_size=img_size, depth=4),
    audio_encoder=dict(input_size=audio_size, depth=4),
    contrastive_layers=(1, 2, 3),
    skip_layers=(1, 2, 3),
)

train_dataloader = dict(
    batch_size=8,
    dataset=dict(img_size=img_size, audio_size=audio_size))

# a few epochs, with warm-up and lr suited to this tiny batch
optim_wrapper = dict(optimizer=dict(lr=1e-3))
auto_scale_lr = dict(enable=False)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min_ratio=0.1, by_epoch=True,
         begin=1, end=4, T_max=3, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=4)
default_hooks = dict(logger=dict(interval=2))
