# Fine-tune AVF-MAE++-Huge on MAFW (MAFW-ft-huge.sh): the Base MAFW recipe
# with the Huge model.
_base_ = ['./avf_mae_base_finetune_mafw.py',
          '../_base_/models/avf_mae_huge_finetune.py']

num_classes = 11
model = dict(
    data_preprocessor=dict(batch_augments=dict(num_classes=num_classes)),
    head=dict(num_classes=num_classes))
