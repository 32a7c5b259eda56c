# Fine-tune AVF-MAE++-Tiny on the generated audio-visual emotion set
# (python tools/data/make_synthetic_av.py --num-per-class 60), from the
# Tiny pre-training run's checkpoint (from scratch:
# --cfg-options model.init_cfg=None). Data, pipelines and schedule as
# HiCMAE-Tiny's fine-tuning recipe; the model is AVF-MAE++'s with 8 video
# regions (2 x 2 x 4 tokens) and 8 audio regions (4 x 4).
_base_ = ['../hicmae/hicmae_tiny_synthetic_finetune.py']

model = dict(
    _delete_=True,
    type='AVFRecognizer',
    data_preprocessor=dict(
        type='AVDataPreprocessor',
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375)),
    video_encoder=dict(
        type='LGVideoEncoder', img_size=64, num_frames=16, tubelet_size=2,
        patch_size=16, embed_dims=256, depth=4, num_heads=4,
        region_size=(2, 2, 4), drop_path_rate=0.1),
    audio_encoder=dict(
        type='LGAudioEncoder', input_size=(256, 128), patch_size=16,
        embed_dims=256, depth=4, num_heads=4, region_size=(4, 4),
        drop_path_rate=0.1),
    fusion=dict(type='IterativeCorrelationFusion', depth=2, num_heads=4,
                drop_path_rate=0.1),
    head=dict(type='FusedTokenClsHead', num_classes=6),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/avf_mae_tiny_synthetic_pretrain/epoch_10.pth'))
