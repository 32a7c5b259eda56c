# Fine-tune HiCMAE-Base on Werewolf-XL (regression of 3 dimensions, fold 1;
# other folds: {train,val,test}_dataloader.dataset.fold=K). The authors'
# script: MSE loss, 30 epochs, batch 32, frame stride 3, best by CCC.
_base_ = [
    '../_base_/models/hicmae_base_finetune.py',
    '../_base_/datasets/emotion/werewolf_xl.py',
    '../_base_/schedules/finetune_adamw.py',
    '../_base_/default_runtime.py',
]

model = dict(
    # targets are values, not classes: no mixup or label smoothing
    data_preprocessor=dict(batch_augments=None),
    head=dict(_delete_=True, type='HFFRegHead', num_targets=3,
              loss_type='mse'))
train_cfg = dict(max_epochs=30)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min_ratio=1e-3, by_epoch=True,
         begin=5, end=30, T_max=25, convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1,
                                     save_best='CCC', rule='greater'))
