# VoxCeleb2 dev for pre-training. Build the list once with
#   python tools/data/build_pretrain_list.py data/voxceleb2 dev/mp4
# (one mp4 per line, relative to data_root); audio comes from each video's
# own track, or a sibling .wav where one exists.
_base_ = ['./av_pretrain_pipeline.py']

data_root = 'data/voxceleb2'

train_dataloader = dict(
    batch_size=40,
    num_workers=10,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='AVPretrainDataset',
        data_root=data_root,
        ann_file='pretrain_list.txt',
        # a crawl this size always holds broken clips; skip and log them
        on_bad_sample='skip',
        pipeline={{_base_.train_pipeline}}),
)
