# Pre-train AVF-MAE++-Tiny on the generated audio-visual clips
# (python tools/data/make_synthetic_av.py writes them to data/synthetic),
# their face crops, a few minutes on a 2-core CPU. Tiny (our choice, as
# HiCMAE-Tiny): encoders 256/4 heads, depth 4, decoders 128/2 heads; 64 px
# frames, so video regions of 2 x 2 x 4 tokens (8 regions, as Base) and
# audio regions of 4 x 4 (8); the authors' mask ratios (0.9 / 0.8125, decoder
# 0.5 / 0.5) leave whole regions.
_base_ = [
    '../_base_/models/avf_mae_base.py',
    '../_base_/datasets/synthetic_av_pretrain.py',
    '../_base_/schedules/pretrain_adamw_100e.py',
    '../_base_/default_runtime.py',
]

_layers = (1, 2, 3)
model = dict(
    video_encoder=dict(img_size=64, embed_dims=256, num_heads=4, depth=4,
                       region_size=(2, 2, 4)),
    audio_encoder=dict(embed_dims=256, num_heads=4, depth=4),
    fusion=dict(num_heads=4),
    video_decoder=dict(embed_dims=128, num_heads=2),
    audio_decoder=dict(embed_dims=128, num_heads=2),
    contrastive_layers=_layers,
    skip_layers=_layers,
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
