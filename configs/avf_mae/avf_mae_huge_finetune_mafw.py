# Fine-tune AVF-MAE++-Huge on MAFW (MAFW-ft-huge.sh): the Base MAFW recipe
# (avf_mae_base_finetune_mafw.py) with the Huge model.
_base_ = [
    '../_base_/models/avf_mae_huge_finetune.py',
    '../_base_/datasets/emotion/mafw.py',
    '../_base_/schedules/finetune_adamw_100e.py',
    '../_base_/finetune_runtime.py',
]

num_classes = 11
model = dict(
    data_preprocessor=dict(batch_augments=dict(num_classes=num_classes)),
    head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=40)
