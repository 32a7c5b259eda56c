# Pre-train HiCMAE-Tiny on the generated audio-visual clips
# (python tools/data/make_synthetic_av.py writes them to data/synthetic):
# their face crops (faces/, as the fine-tuning recipe: cut by the generator
# around the head it drew, no detector) with the wavs, a few minutes on a
# 2-core CPU. The whole frames of the mp4s instead:
# --cfg-options train_dataloader.dataset.ann_file=lists/pretrain.txt
_base_ = [
    '../_base_/models/hicmae_tiny.py',
    '../_base_/datasets/synthetic_av_pretrain.py',
    '../_base_/schedules/pretrain_adamw_100e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    video_encoder=dict(img_size=64, depth=4),
    audio_encoder=dict(input_size=(256, 128), depth=4),
    contrastive_layers=(1, 2, 3),
    skip_layers=(1, 2, 3),
)

train_dataloader = dict(dataset=dict(ann_file='lists/pretrain_faces.txt'))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
auto_scale_lr = dict(enable=False)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min_ratio=0.1, by_epoch=True,
         begin=1, end=10, T_max=9, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=10)
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=5, max_keep_ckpts=2))
# the runtime's hooks, plus reconstruction pictures every 5 epochs
# (work_dir/<timestamp>/vis_data/vis_image/)
custom_hooks = [
    dict(type='BadSampleLogHook'),
    dict(type='RNGStateHook'),
    dict(type='ReconstructionVisHook', interval=135, num_samples=2),
]
