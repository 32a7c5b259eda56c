# Fine-tune HiCMAE-Base on Werewolf-XL (regression of 3 dimensions, fold 1;
# other folds: {train,val,test}_dataloader.dataset.fold=K). The authors'
# script (scripts/.../werewolf-xl/finetune_170.sh): MSE loss, no mixup,
# 30 epochs, batch 32, frame stride 3, best by CCC; the paper's RandAugment,
# random erasing and audio gain as every fine-tuning recipe.
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
