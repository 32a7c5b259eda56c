# Pre-training pipeline of the paper: 16 frames from a random start with an
# exact stride of 4 (start + 4i, the authors' pre-training sampler),
# multi-scale crop to 160x160; the audio those frames cover, gain
# x(Beta(10, 10) + 0.5), as a 256x128 Kaldi fbank. The masks (video tube
# 0.9, audio random 0.8) are drawn by the model (model.video_masking,
# model.audio_masking). VoxCeleb2 adds the authors' fixed face crop
# (voxceleb2_pretrain.py).
num_frames, frame_interval, img_size = 16, 4, 160
num_mel_bins, audio_length = 128, 256

train_pipeline = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=num_frames,
         frame_interval=frame_interval, train_sampling='stride'),
    dict(type='DecodeFrames'),
    dict(type='MultiScaleCrop', output_size=img_size,
         scales=(1, .875, .75, .66)),
    dict(type='LoadAudio', sample_rate=16000),
    dict(type='CropAudioSpan'),
    dict(type='AudioGain'),
    dict(type='KaldiFbank', num_mel_bins=num_mel_bins,
         target_length=audio_length),
    dict(type='NormalizeFbank'),
    dict(type='PackAVInputs'),
]
