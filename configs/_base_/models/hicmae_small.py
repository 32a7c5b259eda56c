# HiCMAE-Small: encoders 384/6 heads, decoders 192/3 heads.
_base_ = ['./hicmae_base.py']

model = dict(
    video_encoder=dict(embed_dims=384, num_heads=6),
    audio_encoder=dict(embed_dims=384, num_heads=6),
    fusion=dict(num_heads=6),
    video_decoder=dict(embed_dims=192, num_heads=3),
    audio_decoder=dict(embed_dims=192, num_heads=3),
)
