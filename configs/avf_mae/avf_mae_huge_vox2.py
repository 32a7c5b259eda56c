# AVF-MAE++-Huge pre-training (huge/pretrain/pretrain-huge-mix-data.sh):
# the Base recipe with the Huge model (depth 15, 768/12 heads, skips and
# HCMCL at blocks 4, 9, 14).
_base_ = ['./avf_mae_base_vox2.py', '../_base_/models/avf_mae_huge.py']
