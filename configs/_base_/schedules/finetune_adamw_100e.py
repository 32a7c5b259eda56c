# The fine-tuning schedule over 100 epochs (5 warm-up epochs from 0, then
# cosine).
_base_ = ['./finetune_adamw_50e.py']

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-9, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min_ratio=1e-3, by_epoch=True,
         begin=5, end=100, T_max=95, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=100)
