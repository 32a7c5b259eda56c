# The FSDP recipe (hicmae_base_vox2_fsdp.py: sharded blocks, FSDP mixed
# precision, sharded loss scaler) at HiCMAE-Tiny sizes on generated
# tensors: a quick check of the sharded path on 2 processes (CPUs or GPUs).
#   bash tools/dist_train.sh \
#       configs/hicmae/hicmae_tiny_synthetic_tensor_fsdp.py 2
# tools/analysis/gpu_check.py runs it in fp16 with a save and a resume.
_base_ = ['./hicmae_base_vox2_fsdp.py']

model = dict(
    video_encoder=dict(img_size=64, depth=4, embed_dims=64, num_heads=2),
    audio_encoder=dict(input_size=(64, 64), depth=4, embed_dims=64,
                       num_heads=2),
    fusion=dict(num_heads=2),
    video_decoder=dict(embed_dims=32, num_heads=2),
    audio_decoder=dict(embed_dims=32, num_heads=2),
    contrastive_layers=(1, 2, 3), skip_layers=(1, 2, 3),
    video_masking=dict(ratio=0.75), audio_masking=dict(ratio=0.5))
train_pipeline = [dict(type='PackAVInputs')]
train_dataloader = dict(
    _delete_=True, batch_size=2, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='SyntheticTensorDataset', num_samples=8, img_size=64,
                 audio_size=(64, 64), pipeline=train_pipeline))
train_cfg = dict(max_epochs=1)
auto_scale_lr = dict(enable=False)
default_hooks = dict(logger=dict(interval=1))
