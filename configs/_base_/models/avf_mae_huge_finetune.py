# AVF-MAE++-Huge for fine-tuning (521.3 M parameters with 6 classes, the
# authors' avit_dim768_patch16_160_a256 with MAFW-ft-huge.sh): encoders
# 768/12 heads, depth 15.
_base_ = ['./avf_mae_base_finetune.py']

model = dict(
    video_encoder=dict(embed_dims=768, num_heads=12, depth=15),
    audio_encoder=dict(embed_dims=768, num_heads=12, depth=15),
    fusion=dict(num_heads=12),
    init_cfg=dict(checkpoint='checkpoints/avf_mae_huge_pretrain.pth'),
)
