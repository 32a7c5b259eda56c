# Fine-tune AVF-MAE++-Base on MAFW (11 classes, fold 1 by default; other
# folds: --cfg-options {train,val,test}_dataloader.dataset.fold=K). The
# authors' script (MAFW-ft-Full-Mix-Data-overall-model-*.sh): 4 GPUs x 40
# (total 160), lr 1e-3 per 256, AdamW (0.9, 0.999), wd 0.05, layer decay
# 0.75, 100 epochs, 5 warm-up, mixup 0.8 / cutmix 1.0, label smoothing 0.1,
# 2 x 2 test views, region tokens classified.
#   bash tools/dist_train.sh configs/avf_mae/avf_mae_base_finetune_mafw.py 4 \
#       --cfg-options model.init_cfg.checkpoint=PRETRAINED.pth
_base_ = [
    '../_base_/models/avf_mae_base_finetune.py',
    '../_base_/datasets/emotion/mafw.py',
    '../_base_/schedules/finetune_adamw_100e.py',
    '../_base_/finetune_runtime.py',
]

num_classes = 11
model = dict(
    data_preprocessor=dict(batch_augments=dict(num_classes=num_classes)),
    head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=40)
