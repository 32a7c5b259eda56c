# Fine-tune HiCMAE-Base on MAFW (11 classes, fold 1 by default; other folds:
# --cfg-options {train,val,test}_dataloader.dataset.fold=K, or
# tools/cross_validate.py for all). The authors' script
# (scripts/.../mafw/finetune_170.sh): 4 GPUs x 14, 100 epochs, best by WAR.
#   bash tools/dist_train.sh configs/hicmae/hicmae_base_finetune_mafw.py 4 \
#       --cfg-options model.init_cfg.checkpoint=PRETRAINED.pth
_base_ = [
    '../_base_/models/hicmae_base_finetune.py',
    '../_base_/datasets/emotion/mafw.py',
    '../_base_/schedules/finetune_adamw_100e.py',
    '../_base_/finetune_runtime.py',
]

model = dict(head=dict(num_classes=11))
