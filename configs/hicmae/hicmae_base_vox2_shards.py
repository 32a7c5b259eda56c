# The paper's VoxCeleb2 pre-training recipe reading packed shards instead of
# ~1 M mp4 files: same model, schedule and pipeline; only the source differs.
# Pack once (face region cut at packing, so FixedCrop is skipped here):
#   python tools/data/pack_pretrain_shards.py \
#       data/voxceleb2/pretrain_list.txt data/voxceleb2/shards \
#       --data-root data/voxceleb2 --crop 0:160,32:192 --workers 16
# Repeated sampling (k clips per decoded video; an epoch still delivers one
# clip per video on average): set train_dataloader.dataset.num_repeats=4.
_base_ = ['./hicmae_base_vox2.py']

train_dataloader = dict(
    # an iterable dataset splits itself across ranks and workers
    sampler=None,
    dataset=dict(
        _delete_=True,
        type='AVShardDataset',
        manifest='data/voxceleb2/shards/manifest.json',
        num_repeats=1,
        skip_transforms=('OpenVideo', 'LoadAudio', 'FixedCrop'),
        pipeline={{_base_.train_dataloader.dataset.pipeline}}),
)

custom_hooks = [
    dict(type='BadSampleLogHook'),
    dict(type='RNGStateHook'),
    dict(type='DataWaitHook'),
    dict(type='ReconstructionVisHook', interval=2000, num_samples=2),
]
