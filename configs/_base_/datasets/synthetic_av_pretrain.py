# The generated audio-visual set (tools/data/make_synthetic_av.py) as an
# unlabelled pre-training list: mp4 clips with their own audio tracks.
# Small frames for CPU runs: 16 frames cropped to 64x64.
_base_ = ['./av_pretrain_pipeline.py']

data_root = 'data/synthetic'
img_size = 64

train_pipeline = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=16, frame_interval=4),
    dict(type='DecodeFrames'),
    dict(type='MultiScaleCrop', output_size=img_size,
         scales=(1, .875, .75, .66)),
    dict(type='LoadAudio', sample_rate=16000),
    dict(type='CropAudioSpan'),
    dict(type='KaldiFbank', num_mel_bins=128, target_length=256),
    dict(type='NormalizeFbank'),
    dict(type='PackAVInputs'),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='AVPretrainDataset',
        data_root=data_root,
        ann_file='lists/pretrain.txt',
        on_bad_sample='skip',
        pipeline=train_pipeline),
)
