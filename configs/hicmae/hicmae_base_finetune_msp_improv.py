# Fine-tune HiCMAE-Base on MSP-IMPROV (4 classes, fold 1 by default; other
# folds: --cfg-options {train,val,test}_dataloader.dataset.fold=K, or
# tools/cross_validate.py for all).
# The authors publish no MSP-IMPROV script: the 50 epochs are our choice,
# CREMA-D's schedule (acted, lab-recorded speech of a similar size);
# everything else is the paper's recipe.
#   bash tools/dist_train.sh \
#       configs/hicmae/hicmae_base_finetune_msp_improv.py 4 \
#       --cfg-options model.init_cfg.checkpoint=PRETRAINED.pth
_base_ = [
    '../_base_/models/hicmae_base_finetune.py',
    '../_base_/datasets/emotion/msp_improv.py',
    '../_base_/schedules/finetune_adamw_50e.py',
    '../_base_/finetune_runtime.py',
]

model = dict(head=dict(num_classes=4))
