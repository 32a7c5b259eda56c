# AVF-MAE++-Huge pre-training model (572.7 M parameters, the authors'
# pretrain_hicmae_dim768_patch16_160_a256 with huge/pretrain/
# pretrain-huge-mix-data.sh): encoders 768/12 heads, depth 15; decoders
# 640/8 heads; HCMCL and skips at blocks 4, 9, 14.
_base_ = ['./avf_mae_base.py']

_layers = (4, 9, 14)
model = dict(
    video_encoder=dict(embed_dims=768, num_heads=12, depth=15),
    audio_encoder=dict(embed_dims=768, num_heads=12, depth=15),
    fusion=dict(num_heads=12),
    video_decoder=dict(embed_dims=640, num_heads=8),
    audio_decoder=dict(embed_dims=640, num_heads=8),
    contrastive_layers=_layers,
    skip_layers=_layers,
)
