# HiCMAE-Base pre-training model (99.6 M parameters): encoders 512/8 heads,
# decoders 384/6 heads; 16x160x160 clips, 256x128 filterbanks.
_video_dims, _audio_dims, _heads = 512, 512, 8
_decoder_dims, _decoder_heads = 384, 6
_norm_eps = 1e-6

model = dict(
    type='HiCMAE',
    data_preprocessor=dict(
        type='AVDataPreprocessor',
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375)),
    video_encoder=dict(
        type='VideoEncoder', img_size=160, num_frames=16, tubelet_size=2,
        patch_size=16, embed_dims=_video_dims, depth=10, num_heads=_heads,
        mlp_ratio=4., qkv_bias=True, drop_path_rate=0., init_values=0.,
        norm_eps=_norm_eps, with_cp=False),
    audio_encoder=dict(
        type='AudioEncoder', input_size=(256, 128), patch_size=16,
        embed_dims=_audio_dims, depth=10, num_heads=_heads, mlp_ratio=4.,
        qkv_bias=True, drop_path_rate=0., init_values=0., norm_eps=_norm_eps,
        with_cp=False),
    fusion=dict(type='CrossModalFusionEncoder', depth=2, num_heads=_heads,
                norm_eps=_norm_eps),
    video_decoder=dict(type='HierarchicalDecoder', embed_dims=_decoder_dims,
                       depth=4, num_heads=_decoder_heads, norm_eps=_norm_eps),
    audio_decoder=dict(type='HierarchicalDecoder', embed_dims=_decoder_dims,
                       depth=4, num_heads=_decoder_heads, norm_eps=_norm_eps),
    video_head=dict(
        type='ReconstructionHead', norm_pix=True, frame_diff=True,
        unnormalize_mean=(0.485, 0.456, 0.406),
        unnormalize_std=(0.229, 0.224, 0.225)),
    audio_head=dict(type='ReconstructionHead', norm_pix=True),
    # masks drawn in the model over the encoders' patch grids (the paper's
    # ratios); change one with --cfg-options model.video_masking.ratio=0.75
    video_masking=dict(type='TubeMaskGenerator', ratio=0.9),
    audio_masking=dict(type='RandomMaskGenerator', ratio=0.8),
    contrastive_head=dict(
        type='HierarchicalContrastiveHead',
        loss=dict(type='InfoNCELoss', temperature=0.07,
                  gather_across_ranks=False),
        loss_weight=0.0025),
    contrastive_layers=(3, 6, 9),
    skip_layers=(3, 6, 9),
)
