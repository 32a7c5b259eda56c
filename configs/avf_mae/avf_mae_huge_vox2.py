# AVF-MAE++-Huge pre-training (huge/pretrain/pretrain-huge-mix-data.sh): the
# Base recipe (avf_mae_base_vox2.py) with the Huge model (depth 15, 768/12
# heads, skips and HCMCL at blocks 4, 9, 14).
_base_ = [
    '../_base_/models/avf_mae_huge.py',
    '../_base_/datasets/voxceleb2_pretrain.py',
    '../_base_/schedules/avf_mae_pretrain_100e.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=164)
# their --save_ckpt_freq 10
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
