"""Model configs equivalent to the authors' AVF-MAE++ constructor arguments
(``PretrainAudioVisionTransformer`` / ``AudioVisionTransformer`` of
XuecWu/AVF-MAE), as stored in a reference fixture's ``config``."""
from .official_config import IMAGENET_MEAN, IMAGENET_STD, _common, _get

# the local-global variants their final scripts use; others are refused
_LG_DEFAULTS = dict(lg_first_attn_type='self', lg_third_attn_type='cross',
                    lg_attn_param_sharing_first_third=False,
                    lg_attn_param_sharing_all=False, lg_no_second=False,
                    lg_no_third=False, lg_classify_token_type='region')


def _check_lg(official: dict) -> None:
    if _get(official, 'attn_type', 'local_global') != 'local_global':
        raise ValueError("only attn_type='local_global' is an AVF-MAE++ "
                         "model; 'joint' is HiCMAE's (use "
                         'official_config.pretrain_model_cfg)')
    for key, value in _LG_DEFAULTS.items():
        if key in official and official[key] != value:
            raise ValueError(f'{key}={official[key]!r} is not supported '
                             f'(only {value!r}, what the final scripts use)')


def _encoders(official: dict, common: dict, prefix: str, in_chans: str,
              num_frames: int, tubelet_size: int, **extra) -> dict:
    return dict(
        video_encoder=dict(
            type='LGVideoEncoder', img_size=official['img_size'],
            num_frames=_get(official, 'all_frames', num_frames),
            tubelet_size=_get(official, 'tubelet_size', tubelet_size),
            patch_size=official['patch_size'],
            in_channels=_get(official, in_chans, 3),
            embed_dims=official[f'{prefix}embed_dim'],
            depth=official[f'{prefix}depth'],
            num_heads=official[f'{prefix}num_heads'],
            region_size=tuple(_get(official, 'lg_region_size', (2, 5, 10))),
            **common, **extra),
        audio_encoder=dict(
            type='LGAudioEncoder',
            input_size=tuple(official['img_size_audio']),
            patch_size=official['patch_size_audio'],
            embed_dims=official[f'{prefix}embed_dim_audio'],
            depth=official[f'{prefix}depth_audio'],
            num_heads=official[f'{prefix}num_heads_audio'],
            region_size=tuple(_get(official, 'lg_region_size_audio',
                                   (4, 4))),
            **common, **extra))


def avf_finetune_model_cfg(official: dict, norm_eps: float = 1e-6,
                           num_frames: int = 16,
                           tubelet_size: int = 2) -> dict:
    """Our ``AVFRecognizer`` config from ``AudioVisionTransformer``'s
    arguments."""
    _check_lg(official)
    if _get(official, 'head_activation_func') is not None:
        raise ValueError('AVF-MAE++ regression heads are not supported')
    common = _common(official, norm_eps)
    rate = _get(official, 'drop_path_rate', 0.1)
    cfg = _encoders(official, common, '', 'in_chans', num_frames,
                    tubelet_size, drop_path_rate=rate)
    return dict(
        type='AVFRecognizer', **cfg,
        # the authors give the fusion no dropout, only drop path
        fusion=dict(type='IterativeCorrelationFusion',
                    depth=official['fusion_depth'],
                    num_heads=official['fusion_num_heads'],
                    drop_path_rate=rate, **common),
        head=dict(type='FusedTokenClsHead',
                  num_classes=official['num_classes'], norm_eps=norm_eps))


def avf_pretrain_model_cfg(official: dict, norm_eps: float = 1e-6,
                           hcmcl_weight: float = 0.0025,
                           num_frames: int = 16, tubelet_size: int = 2,
                           with_generators: bool = False) -> dict:
    """Our ``DualMaskedHiCMAE`` config with AVF-MAE++'s parts from
    ``PretrainAudioVisionTransformer``'s arguments. Without
    ``with_generators`` every batch brings its own encoder and decoder
    masks (a fixture's); with it, their final scripts' generators."""
    _check_lg(official)
    layers = tuple(_get(official, 'return_intermediate_features', (3, 6, 9)))
    common = _common(official, norm_eps)
    cfg = _encoders(official, common, 'encoder_', 'encoder_in_chans',
                    num_frames, tubelet_size)

    def decoder(suffix: str) -> dict:
        return dict(type='HierarchicalDecoder',
                    embed_dims=official[f'decoder_embed_dim{suffix}'],
                    depth=official[f'decoder_depth{suffix}'],
                    num_heads=official[f'decoder_num_heads{suffix}'],
                    out_channels=official[f'decoder_num_classes{suffix}'],
                    **common)

    generators = dict(
        video_masking=dict(type='TubeMaskGenerator', ratio=0.9),
        audio_masking=dict(type='RandomMaskGenerator', ratio=0.8125),
        video_decoder_masking=dict(type='RunningCellMaskGenerator',
                                   ratio=0.5),
        audio_decoder_masking=dict(type='RandomMaskGenerator', ratio=0.5),
    ) if with_generators else {}
    return dict(
        type='DualMaskedHiCMAE', **cfg, **generators,
        fusion=dict(type='IterativeCorrelationFusion',
                    depth=official['encoder_fusion_depth'],
                    num_heads=official['encoder_fusion_num_heads'],
                    **common),
        video_decoder=decoder(''), audio_decoder=decoder('_audio'),
        video_head=dict(type='ReconstructionHead', norm_pix=True,
                        frame_diff=True, unnormalize_mean=IMAGENET_MEAN,
                        unnormalize_std=IMAGENET_STD),
        audio_head=dict(type='ReconstructionHead', norm_pix=True),
        contrastive_head=dict(
            type='HierarchicalContrastiveHead',
            loss=dict(type='InfoNCELoss', temperature=_get(
                official, 'inter_contrastive_temperature', 0.07)),
            loss_weight=hcmcl_weight),
        contrastive_layers=layers, skip_layers=layers)
