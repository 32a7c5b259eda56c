# Fine-tune HiCMAE-Base on Werewolf-XL (regression of 3 dimensions, fold 1;
# other folds: {train,val,test}_dataloader.dataset.fold=K). The authors'
# script: MSE loss, 30 epochs, batch 32, frame stride 3, best by CCC.
_base_ = [
    '../_base_/models/hicmae_base_finetune.py',
    '../_base_/datasets/emotion/werewolf_xl.py',
    '../_base_/schedules/finetune_adamw_30e.py',
    '../_base_/finetune_runtime.py',
]

model = dict(
    # targets are values, not classes: no mixup or label smoothing
    data_preprocessor=dict(batch_augments=None),
    head=dict(_delete_=True, type='HFFRegHead', num_targets=3,
              loss_type='mse'))
default_hooks = dict(checkpoint=dict(save_best='CCC'))
