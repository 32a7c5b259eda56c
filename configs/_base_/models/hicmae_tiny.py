# HiCMAE-Tiny: encoders 256/4 heads; decoders 128/2 heads (our choice: the
# authors released no Tiny pre-training model, and 128 continues the
# Base→Small halving of the decoder).
_base_ = ['./hicmae_base.py']

model = dict(
    video_encoder=dict(embed_dims=256, num_heads=4),
    audio_encoder=dict(embed_dims=256, num_heads=4),
    fusion=dict(num_heads=4),
    video_decoder=dict(embed_dims=128, num_heads=2),
    audio_decoder=dict(embed_dims=128, num_heads=2),
)
