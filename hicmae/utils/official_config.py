"""Model configs equivalent to the authors' constructor arguments.

The authors' ``PretrainAudioVisionTransformer`` takes ~40 flat keyword
arguments; this maps them (as stored in a reference fixture's ``config``)
onto this package's grouped model config. Settings the fixtures leave out are
the reference defaults: 16 frames, tubelet 2, sine-cosine tables, no layer
scale, per-patch-normalised targets with the frame-difference video target.
"""
from typing import Optional

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _get(cfg: dict, key: str, default=None):
    return cfg[key] if key in cfg else default


def _common(official: dict, norm_eps: float) -> dict:
    """Block settings every module shares."""
    return dict(mlp_ratio=_get(official, 'mlp_ratio', 4.),
                qkv_bias=_get(official, 'qkv_bias', True),
                init_values=_get(official, 'init_values', 0.) or 0.,
                norm_eps=norm_eps)


def _trunk(official: dict, common: dict, prefix: str, fusion: str,
           num_frames: int, tubelet_size: int) -> dict:
    """Video encoder, audio encoder and fusion configs.

    The two constructors name the same sizes differently:
    ``{prefix}embed_dim`` / ``{prefix}depth`` / ``{prefix}num_heads`` (with
    an ``_audio`` suffix for audio) and ``{fusion}depth`` /
    ``{fusion}num_heads`` for the fusion encoder.
    """
    return dict(
        video_encoder=dict(
            type='VideoEncoder', img_size=official['img_size'],
            num_frames=_get(official, 'all_frames', num_frames),
            tubelet_size=_get(official, 'tubelet_size', tubelet_size),
            patch_size=official['patch_size'],
            in_channels=_get(official, 'in_chans', 3),
            embed_dims=official[f'{prefix}embed_dim'],
            depth=official[f'{prefix}depth'],
            num_heads=official[f'{prefix}num_heads'], **common),
        audio_encoder=dict(
            type='AudioEncoder', input_size=tuple(official['img_size_audio']),
            patch_size=official['patch_size_audio'],
            embed_dims=official[f'{prefix}embed_dim_audio'],
            depth=official[f'{prefix}depth_audio'],
            num_heads=official[f'{prefix}num_heads_audio'], **common),
        fusion=dict(type='CrossModalFusionEncoder',
                    depth=official[f'{fusion}depth'],
                    num_heads=official[f'{fusion}num_heads'], **common),
    )


def pretrain_model_cfg(official: dict, norm_eps: float = 1e-6,
                       hcmcl_weight: float = 0.0025,
                       num_frames: int = 16, tubelet_size: int = 2) -> dict:
    """Our ``HiCMAE`` config from the authors' pre-training arguments."""
    layers = tuple(_get(official, 'return_intermediate_features', (3, 6, 9)))
    common = _common(official, norm_eps)
    return dict(
        type='HiCMAE',
        **_trunk(official, common, 'encoder_', 'encoder_fusion_',
                 num_frames, tubelet_size),
        video_decoder=dict(
            type='HierarchicalDecoder',
            embed_dims=official['decoder_embed_dim'],
            depth=official['decoder_depth'],
            num_heads=official['decoder_num_heads'],
            out_channels=official['decoder_num_classes'], **common),
        audio_decoder=dict(
            type='HierarchicalDecoder',
            embed_dims=official['decoder_embed_dim_audio'],
            depth=official['decoder_depth_audio'],
            num_heads=official['decoder_num_heads_audio'],
            out_channels=official['decoder_num_classes_audio'], **common),
        video_head=dict(type='ReconstructionHead', norm_pix=True,
                        frame_diff=True, unnormalize_mean=IMAGENET_MEAN,
                        unnormalize_std=IMAGENET_STD),
        audio_head=dict(type='ReconstructionHead', norm_pix=True),
        contrastive_head=dict(
            type='HierarchicalContrastiveHead',
            loss=dict(type='InfoNCELoss',
                      temperature=_get(official,
                                       'inter_contrastive_temperature',
                                       0.07)),
            loss_weight=hcmcl_weight),
        contrastive_layers=layers,
        skip_layers=layers,
    )


def fixture_kind(fixture: dict) -> Optional[str]:
    """``'pretrain'`` or ``'finetune'`` from a reference fixture's outputs."""
    if 'pred_video' in fixture:
        return 'pretrain'
    if 'logits' in fixture:
        return 'finetune'
    return None


def finetune_model_cfg(official: dict, norm_eps: float = 1e-6,
                       num_frames: int = 16, tubelet_size: int = 2) -> dict:
    """Our ``AVRecognizer`` config from the authors' fine-tuning arguments
    (``AudioVisionTransformer``)."""
    common = _common(official, norm_eps)
    activation = _get(official, 'head_activation_func')
    head = dict(type='HFFClsHead', num_classes=official['num_classes'],
                norm_eps=norm_eps) if activation is None else \
        dict(type='HFFRegHead', num_targets=official['num_classes'],
             activation=activation, norm_eps=norm_eps)
    return dict(
        type='AVRecognizer',
        **_trunk(official, common, '', 'fusion_', num_frames,
                 tubelet_size),
        head=head,
    )
