# Fine-tuning pipelines of the paper: 16 frames with stride 4 (3 for
# Werewolf-XL), random resized crop + flip to 160x160 in training; at test
# time 2 temporal x 2 spatial views per video, logits averaged per video.
# Audio: the span the frames cover, 256x128 Kaldi fbank (no SpecAugment in
# the authors' scripts: freqm = timem = 0).
num_frames, frame_interval, img_size = 16, 4, 160
num_mel_bins, audio_length = 128, 256
test_views = (2, 2)  # (temporal segments, spatial crops)

_audio = [
    dict(type='LoadAudio', sample_rate=16000),
    dict(type='CropAudioSpan'),
    dict(type='KaldiFbank', num_mel_bins=num_mel_bins,
         target_length=audio_length),
    dict(type='NormalizeFbank'),
]

train_pipeline = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=num_frames,
         frame_interval=frame_interval),
    dict(type='DecodeFrames'),
    dict(type='Resize', scale=img_size),
    dict(type='RandomResizedCrop', output_size=img_size,
         area_range=(0.08, 1.0), aspect_range=(0.75, 1.3333)),
    dict(type='Flip', flip_ratio=0.5),
    *_audio,
    dict(type='PackAVInputs'),
]

test_pipeline = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=num_frames,
         frame_interval=frame_interval, num_segments=test_views[0],
         test_mode=True),
    dict(type='DecodeFrames'),
    dict(type='Resize', scale=img_size),
    dict(type='SpatialViewCrop', num_crops=test_views[1]),
    *_audio,
    dict(type='PackAVInputs'),
]
