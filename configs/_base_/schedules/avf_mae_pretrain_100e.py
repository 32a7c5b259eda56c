# AVF-MAE++'s pre-training schedule (their final Base and Huge scripts):
# the paper's AdamW (0.9, 0.95), wd 0.05, but lr 1.5e-4 per 256 clips, 10
# warm-up epochs, cosine to 1e-5 (per 256), 100 epochs; fp16 AMP with
# dynamic loss scaling on GPUs.
_base_ = ['./pretrain_adamw_100e.py']

_lr, _min_lr, _epochs, _warmup = 1.5e-4, 1e-5, 100, 10
optim_wrapper = dict(type='MixedPrecisionOptimWrapper',
                     dtype=dict(cuda='float16', cpu='bfloat16'),
                     loss_scale='dynamic', optimizer=dict(lr=_lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-9, end_factor=1.0, by_epoch=True,
         begin=0, end=_warmup, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min_ratio=_min_lr / _lr,
         by_epoch=True, begin=_warmup, end=_epochs, T_max=_epochs - _warmup,
         convert_to_iter_based=True),
]
