# Generated tensors (no files): smoke runs and throughput benchmarks.
# Input sizes follow the model's; the model draws the masks.
num_frames, img_size, audio_size = 16, 160, (256, 128)

train_pipeline = [dict(type='PackAVInputs')]

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
