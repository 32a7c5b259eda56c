# AVF-MAE++-Base for fine-tuning (169.1 M parameters with 6 classes, the
# authors' avit_dim512_patch16_160_a256 with MAFW-ft-Full-Mix-Data-*.sh):
# local-global encoders (10 blocks, 512/8 heads, drop path 0.1) whose
# per-layer region tokens (8 per modality) feed the iterative correlation
# fusion (depth 2) with layer-weighted global tokens; the head classifies
# the token-averaged fusion outputs. Mixup / cutmix and label smoothing as
# HiCMAE's fine-tuning (the same argparse defaults in their script).
num_classes = 6

model = dict(
    type='AVFRecognizer',
    data_preprocessor=dict(
        type='AVDataPreprocessor',
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375),
        batch_augments=dict(type='AVMixup', mixup_alpha=0.8,
                            cutmix_alpha=1.0, prob=1.0, switch_prob=0.5,
                            label_smoothing=0.1, num_classes=num_classes,
                            mix_audio=False)),
    video_encoder=dict(
        type='LGVideoEncoder', img_size=160, num_frames=16, tubelet_size=2,
        patch_size=16, embed_dims=512, depth=10, num_heads=8,
        region_size=(2, 5, 10), drop_path_rate=0.1, norm_eps=1e-6),
    audio_encoder=dict(
        type='LGAudioEncoder', input_size=(256, 128), patch_size=16,
        embed_dims=512, depth=10, num_heads=8, region_size=(4, 4),
        drop_path_rate=0.1, norm_eps=1e-6),
    # the authors give the fusion drop path (0.1 in its layers, 0.05 after
    # them) and no dropout
    fusion=dict(type='IterativeCorrelationFusion', depth=2, num_heads=8,
                drop_path_rate=0.1, norm_eps=1e-6),
    head=dict(type='FusedTokenClsHead', num_classes=num_classes,
              label_smoothing=0.1),
    init_cfg=dict(type='Pretrained',
                  checkpoint='checkpoints/avf_mae_base_pretrain.pth'),
)
