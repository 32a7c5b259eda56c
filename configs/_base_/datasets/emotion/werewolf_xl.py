# Werewolf-XL: dimensional emotion (three values per clip in the authors'
# lists, each in [0, 1]; their order is not documented: probably pleasure,
# arousal, dominance), 5 folds, frames sampled with stride 3, batch 32.
# Authors' files: path_remap={'/share/home/sunlicai/AC/Dataset/Werewolf-XL':
#                             'data/werewolf-xl'}
_base_ = ['../av_emotion_loaders.py']

data_root = 'data/werewolf-xl'
_audio = [
    dict(type='LoadAudio', sample_rate=16000),
    dict(type='CropAudioSpan'),
    dict(type='KaldiFbank', num_mel_bins=128, target_length=256),
    dict(type='NormalizeFbank'),
]
train_pipeline = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=16, frame_interval=3),
    dict(type='DecodeFrames'),
    dict(type='Resize', scale=160),
    dict(type='RandomResizedCrop', output_size=160),
    dict(type='Flip', flip_ratio=0.5),
    *_audio,
    dict(type='PackAVInputs'),
]
test_pipeline = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=16, frame_interval=3, num_segments=2,
         test_mode=True),
    dict(type='DecodeFrames'),
    dict(type='Resize', scale=160),
    dict(type='SpatialViewCrop', num_crops=2),
    *_audio,
    dict(type='PackAVInputs'),
]
_ds = dict(data_root=data_root, task='regression', num_targets=3)
train_dataloader = dict(batch_size=32,
                        dataset=dict(**_ds, pipeline=train_pipeline))
val_dataloader = dict(batch_size=32,
                      dataset=dict(**_ds, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='AVRegMetric',
                     names=('dim_0', 'dim_1', 'dim_2'))
test_evaluator = val_evaluator
