# Fine-tune AVF-MAE++-Base on CREMA-D (6 classes, fold 1 by default). The
# authors released no CREMA-D script; this is their MAFW recipe (4 GPUs x
# 40, lr 1e-3 per 256, layer decay 0.75) over HiCMAE's CREMA-D schedule
# (50 epochs), as for HiCMAE's CREMA-D recipe.
#   bash tools/dist_train.sh configs/avf_mae/avf_mae_base_finetune_crema_d.py \
#       4 --cfg-options model.init_cfg.checkpoint=PRETRAINED.pth
_base_ = [
    '../_base_/models/avf_mae_base_finetune.py',
    '../_base_/datasets/emotion/crema_d.py',
    '../_base_/schedules/finetune_adamw_50e.py',
    '../_base_/finetune_runtime.py',
]

num_classes = 6
model = dict(
    data_preprocessor=dict(batch_augments=dict(num_classes=num_classes)),
    head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=40)
