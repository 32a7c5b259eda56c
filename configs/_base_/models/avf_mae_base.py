# AVF-MAE++-Base pre-training model (187.9 M parameters, the authors'
# pretrain_hicmae_dim512_patch16_160_a256 with their final script's
# arguments): local-global encoders 512/8 heads, depth 10, regions (2, 5, 10)
# for video and (4, 4) for audio; iterative correlation fusion, depth 2;
# hierarchical decoders 384/6 heads, depth 4; dual masking (tube 0.9 and
# random 0.8125 for the encoders, running cell 0.5 and random 0.5 for the
# decoders); HCMCL at blocks 3, 6, 9 with weight 0.0025.
# The 640-dim variant (pretrain_hicmae_dim640_...): encoders 640/10 heads,
# decoders 512/8 heads; Huge: avf_mae_huge.py.
_dims, _heads = 512, 8
_decoder_dims, _decoder_heads = 384, 6
_depth = 10
_layers = (3, 6, 9)
_norm_eps = 1e-6

model = dict(
    type='DualMaskedHiCMAE',
    data_preprocessor=dict(
        type='AVDataPreprocessor',
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375)),
    video_encoder=dict(
        type='LGVideoEncoder', img_size=160, num_frames=16, tubelet_size=2,
        patch_size=16, embed_dims=_dims, depth=_depth, num_heads=_heads,
        region_size=(2, 5, 10), mlp_ratio=4., qkv_bias=True,
        drop_path_rate=0., norm_eps=_norm_eps,
        # 'raster' corrects the authors' token-order mismatch (docs/avf_mae.md)
        token_order='region', with_cp=False),
    audio_encoder=dict(
        type='LGAudioEncoder', input_size=(256, 128), patch_size=16,
        embed_dims=_dims, depth=_depth, num_heads=_heads, region_size=(4, 4),
        mlp_ratio=4., qkv_bias=True, drop_path_rate=0., norm_eps=_norm_eps,
        token_order='region', with_cp=False),
    fusion=dict(type='IterativeCorrelationFusion', depth=2,
                num_heads=_heads, norm_eps=_norm_eps),
    video_decoder=dict(type='HierarchicalDecoder', embed_dims=_decoder_dims,
                       depth=4, num_heads=_decoder_heads, norm_eps=_norm_eps),
    audio_decoder=dict(type='HierarchicalDecoder', embed_dims=_decoder_dims,
                       depth=4, num_heads=_decoder_heads, norm_eps=_norm_eps),
    video_head=dict(
        type='ReconstructionHead', norm_pix=True, frame_diff=True,
        unnormalize_mean=(0.485, 0.456, 0.406),
        unnormalize_std=(0.229, 0.224, 0.225)),
    audio_head=dict(type='ReconstructionHead', norm_pix=True),
    contrastive_head=dict(
        type='HierarchicalContrastiveHead',
        loss=dict(type='InfoNCELoss', temperature=0.07,
                  gather_across_ranks=False),
        loss_weight=0.0025),
    video_masking=dict(type='TubeMaskGenerator', ratio=0.9),
    audio_masking=dict(type='RandomMaskGenerator', ratio=0.8125),
    video_decoder_masking=dict(type='RunningCellMaskGenerator', ratio=0.5),
    audio_decoder_masking=dict(type='RandomMaskGenerator', ratio=0.5),
    contrastive_layers=_layers,
    skip_layers=_layers,
)
