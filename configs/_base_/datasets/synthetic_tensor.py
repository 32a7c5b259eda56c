# Generated tensors (no files): smoke runs and throughput benchmarks.
# Input sizes follow the model's; masks: video tube 0.9, audio random 0.8.
num_frames, img_size, audio_size = 16, 160, (256, 128)
video_grid = (num_frames // 2, img_size // 16, img_size // 16)
audio_tokens = (audio_size[0] // 16) * (audio_size[1] // 16)

train_pipeline = [
    dict(type='GenerateTubeMask', grid=video_grid, mask_ratio=0.9),
    dict(type='GenerateRandomMask', num_tokens=audio_tokens, mask_ratio=0.8),
    dict(type='PackAVInputs'),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='SyntheticTensorDataset', num_samples=64, num_frames=num_frames,
        img_size=img_size, audio_size=audio_size, num_classes=4,
        pattern='fixed', pipeline=train_pipeline),
)
