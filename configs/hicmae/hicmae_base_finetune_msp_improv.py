# Fine-tune HiCMAE-Base on MSP-IMPROV (4 classes, fold 1 by default; other folds:
# --cfg-options {train,val,test}_dataloader.dataset.fold=K, or
# tools/cross_validate.py for all). No published script: CREMA-D's schedule.
#   bash tools/dist_train.sh configs/hicmae/hicmae_base_finetune_msp_improv.py 4 \
#       --cfg-options model.init_cfg.checkpoint=PRETRAINED.pth
_base_ = [
    '../_base_/models/hicmae_base_finetune.py',
    '../_base_/datasets/emotion/msp_improv.py',
    '../_base_/schedules/finetune_adamw.py',
    '../_base_/default_runtime.py',
]

num_classes = 4
model = dict(
    data_preprocessor=dict(batch_augments=dict(num_classes=num_classes)),
    head=dict(num_classes=num_classes))
train_cfg = dict(max_epochs=50)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min_ratio=1e-3, by_epoch=True,
         begin=5, end=50, T_max=45, convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1,
                                     save_best='UAR', rule='greater'))
