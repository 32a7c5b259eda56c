# Werewolf-XL: dimensional emotion (three values per clip in the authors'
# lists, each in [0, 1]; their order is not documented: probably pleasure,
# arousal, dominance), 5 folds, frames sampled with stride 3, batch 32.
# Authors' files: path_remap={'/share/home/sunlicai/AC/Dataset/Werewolf-XL':
#                             'data/werewolf-xl'}
_base_ = ['../av_emotion_loaders.py']

data_root = 'data/werewolf-xl'
# the paper's fine-tuning pipelines (../av_finetune_pipelines.py: squash to
# 160x160, RandAugment, random erasing, audio gain) with frame stride 3
train_pipeline = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=16, frame_interval=3),
    dict(type='DecodeFrames'),
    {{_base_.resize}},
    {{_base_.rand_augment}},
    dict(type='RandomResizedCrop', output_size=160,
         area_range=(0.08, 1.0), aspect_range=(0.75, 1.3333)),
    dict(type='Flip', flip_ratio=0.5),
    {{_base_.random_erasing}},
    dict(type='LoadAudio', sample_rate=16000),
    dict(type='CropAudioSpan'),
    dict(type='AudioGain'),
    dict(type='KaldiFbank', num_mel_bins=128, target_length=256),
    dict(type='NormalizeFbank'),
    dict(type='PackAVInputs'),
]
test_pipeline = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=16, frame_interval=3, num_segments=2,
         test_mode=True),
    dict(type='DecodeFrames'),
    {{_base_.resize}},
    dict(type='SpatialViewCrop', num_crops=2),
    dict(type='LoadAudio', sample_rate=16000, on_silent='keep'),
    dict(type='CropAudioSpan'),
    dict(type='AudioGain', test_mode=True, seed=0),  # index 7, as the base
    dict(type='KaldiFbank', num_mel_bins=128, target_length=256),
    dict(type='NormalizeFbank'),
    dict(type='PackAVInputs'),
]
_ds = dict(data_root=data_root, task='regression', num_targets=3)
# the authors drop the last incomplete batch in training
train_dataloader = dict(batch_size=32, drop_last=True,
                        dataset=dict(**_ds, pipeline=train_pipeline))
val_dataloader = dict(batch_size=32,
                      dataset=dict(**_ds, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='AVRegMetric',
                     names=('dim_0', 'dim_1', 'dim_2'))
test_evaluator = val_evaluator
