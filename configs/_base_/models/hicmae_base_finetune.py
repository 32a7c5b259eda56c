# HiCMAE-Base for fine-tuning: the pre-trained encoders (10 blocks each,
# 512/8 heads, drop path 0.1), the 2-layer fusion encoder and the
# hierarchical feature fusion head; mixup 0.8 / cutmix 1.0 (prob 1,
# switch 0.5, one λ per batch) on the video only, the audio left unmixed
# while the targets are mixed, as the authors (mix_audio=True mixes both
# modalities), label smoothing 0.1. `init_cfg.checkpoint` names the
# pre-training checkpoint (this package's or the authors', converted on
# the fly); set it with --cfg-options model.init_cfg.checkpoint=PATH.
# Each recipe states its class count once, model.head.num_classes (the mixup
# takes it from the head; tools/train.py checks the dataset's class names
# against it).

model = dict(
    type='AVRecognizer',
    data_preprocessor=dict(
        type='AVDataPreprocessor',
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375),
        batch_augments=dict(type='AVMixup', mixup_alpha=0.8,
                            cutmix_alpha=1.0, prob=1.0, switch_prob=0.5,
                            label_smoothing=0.1, mix_audio=False)),
    video_encoder=dict(
        type='VideoEncoder', img_size=160, num_frames=16, tubelet_size=2,
        patch_size=16, embed_dims=512, depth=10, num_heads=8,
        drop_path_rate=0.1, norm_eps=1e-6),
    audio_encoder=dict(
        type='AudioEncoder', input_size=(256, 128), patch_size=16,
        embed_dims=512, depth=10, num_heads=8, drop_path_rate=0.1,
        norm_eps=1e-6),
    fusion=dict(type='CrossModalFusionEncoder', depth=2, num_heads=8,
                drop_path_rate=0.1, norm_eps=1e-6),
    head=dict(type='HFFClsHead', label_smoothing=0.1),
    init_cfg=dict(type='Pretrained',
                  checkpoint='checkpoints/hicmae_base_vox2.pth'),
)
