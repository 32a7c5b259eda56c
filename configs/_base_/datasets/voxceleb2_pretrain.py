# VoxCeleb2 dev for pre-training. Build the list once with
#   python tools/data/build_pretrain_list.py data/voxceleb2 dev/mp4
# (one mp4 per line, relative to data_root); audio comes from each video's
# own track, or a sibling .wav where one exists.
_base_ = ['./av_pretrain_pipeline.py']

data_root = 'data/voxceleb2'

# the paper's pipeline (av_pretrain_pipeline.py) with the authors' first
# step for VoxCeleb2: every 224x224 frame cut to rows 0:160, cols 32:192
# (the face), then the multi-scale crop (sizes 160/140/120/105, not
# 224/196/168/147)
train_pipeline = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=16, frame_interval=4,
         train_sampling='stride'),
    dict(type='DecodeFrames'),
    dict(type='FixedCrop', box=(32, 0, 160, 160), frame_size=(224, 224)),
    dict(type='MultiScaleCrop', output_size=160,
         scales=(1, .875, .75, .66)),
    dict(type='LoadAudio', sample_rate=16000),
    dict(type='CropAudioSpan'),
    dict(type='AudioGain'),
    dict(type='KaldiFbank', num_mel_bins=128, target_length=256),
    dict(type='NormalizeFbank'),
    dict(type='PackAVInputs'),
]

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
        pipeline=train_pipeline),
)
