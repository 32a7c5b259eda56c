# HiCMAE-Tiny pre-training on the generated clips, read from packed shards:
#   python tools/data/make_synthetic_av.py
#   python tools/data/pack_pretrain_shards.py \
#       data/synthetic/lists/pretrain.txt data/synthetic/shards \
#       --data-root data/synthetic
_base_ = ['./hicmae_tiny_synthetic_pretrain.py']

train_dataloader = dict(
    sampler=None,
    dataset=dict(
        _delete_=True,
        type='AVShardDataset',
        manifest='data/synthetic/shards/manifest.json',
        num_repeats=1,
        pipeline={{_base_.train_pipeline}}),
)

custom_hooks = [
    dict(type='BadSampleLogHook'),
    dict(type='RNGStateHook'),
    dict(type='DataWaitHook'),
]
