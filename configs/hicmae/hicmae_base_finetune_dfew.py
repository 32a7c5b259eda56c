# Fine-tune HiCMAE-Base on DFEW (7 classes, fold 1 by default; other folds:
# --cfg-options {train,val,test}_dataloader.dataset.fold=K, or
# tools/cross_validate.py for all).
# The authors publish no DFEW script: the 100 epochs are our choice, MAFW's
# schedule, because DFEW is in-the-wild movie footage like MAFW and of a
# similar size (16k vs 9k clips); everything else is the paper's recipe.
#   bash tools/dist_train.sh configs/hicmae/hicmae_base_finetune_dfew.py 4 \
#       --cfg-options model.init_cfg.checkpoint=PRETRAINED.pth
_base_ = [
    '../_base_/models/hicmae_base_finetune.py',
    '../_base_/datasets/emotion/dfew.py',
    '../_base_/schedules/finetune_adamw_100e.py',
    '../_base_/finetune_runtime.py',
]

model = dict(head=dict(num_classes=7))
