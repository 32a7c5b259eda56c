"""Layer-wise lr decay constructor: ids, scales, weight decay, schedulers."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.optim.scheduler import CosineAnnealingLR, LinearLR
from mmengine.registry import DefaultScope

from hicmae.engine.optim_constructors import \
    layer_decay_optim_wrapper_constructor as layer_decay
from hicmae.registry import MODELS

build_layer_id_fn = layer_decay.build_layer_id_fn

RATE = 0.75
BASE_LR = 1e-3
WD = 0.05
# N = max(video depth 3, audio depth 2) + fusion depth 2
N = 5


def _recognizer(video: bool = True, fusion: bool = True):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='AVRecognizer',
        video_encoder=dict(type='VideoEncoder', img_size=32, num_frames=4,
                           embed_dims=32, depth=3, num_heads=2)
        if video else None,
        audio_encoder=dict(type='AudioEncoder', input_size=(32, 32),
                           embed_dims=32, depth=2, num_heads=2),
        fusion=dict(type='CrossModalFusionEncoder', depth=2, num_heads=2)
        if fusion else None,
        head=dict(type='HFFClsHead', num_classes=3)))


def _build(model, **paramwise):
    cfg = dict(type='OptimWrapper',
               constructor='AVLayerDecayOptimWrapperConstructor',
               optimizer=dict(type='AdamW', lr=BASE_LR, weight_decay=WD),
               paramwise_cfg=dict(dict(layer_decay_rate=RATE), **paramwise))
    with DefaultScope.overwrite_default_scope('hicmae'):
        return build_optim_wrapper(model, cfg)


def _group_of(optim_wrapper, model):
    """Parameter name -> its group; asserts each is in exactly one."""
    ids = {id(p): n for n, p in model.named_parameters()}
    found = {}
    for group in optim_wrapper.optimizer.param_groups:
        for p in group['params']:
            name = ids[id(p)]
            assert name not in found, f'{name} is in two groups'
            found[name] = group
    assert set(found) == set(ids.values())
    return found


@pytest.fixture(scope='module')
def built():
    model = _recognizer()
    return model, _build(model)


@pytest.mark.parametrize('name, layer_id', [
    ('video_encoder.patch_embed.proj.weight', 0),
    ('audio_encoder.patch_embed.proj.bias', 0),
    ('video_encoder.blocks.0.attn.qkv.weight', 1),
    ('video_encoder.blocks.1.mlp.fc1.weight', 2),
    ('audio_encoder.blocks.1.mlp.fc1.weight', 2),
    ('video_encoder.blocks.2.norm1.weight', 3),
    ('fusion.video_blocks.0.cross_attn.q.weight', 4),
    ('fusion.audio_blocks.0.attn.qkv.weight', 4),
    ('fusion.audio_blocks.1.mlp.fc2.weight', 5),
    ('fusion.video_norm.weight', N + 1),
    ('video_encoder.norm.weight', N + 1),
    ('audio_encoder.norm.bias', N + 1),
    ('head.fc.weight', N + 1),
    ('head.video_layer_weights', N + 1),
    ('head.norm.bias', N + 1),
])
def test_layer_ids_and_scales(built, name, layer_id):
    model, wrapper = built
    group = _group_of(wrapper, model)[name]
    scale = RATE ** (N + 1 - layer_id)
    assert group['layer_id'] == layer_id
    assert group['lr_scale'] == pytest.approx(scale)
    assert group['lr'] == pytest.approx(BASE_LR * scale)


def test_spot_values(built):
    model, wrapper = built
    groups = _group_of(wrapper, model)
    assert groups['video_encoder.patch_embed.proj.weight']['lr'] == \
        pytest.approx(BASE_LR * 0.75**6)
    assert groups['video_encoder.blocks.1.attn.proj.weight']['lr_scale'] \
        == groups['audio_encoder.blocks.1.attn.proj.weight']['lr_scale'] \
        == pytest.approx(0.75**4)
    assert groups['head.fc.weight']['lr_scale'] == 1.0
    assert groups['video_encoder.norm.weight']['lr_scale'] == 1.0
    assert len({g['layer_id'] for g in groups.values()}) == N + 2


def test_weight_decay_rules(built):
    model, wrapper = built
    groups = _group_of(wrapper, model)
    for name, param in model.named_parameters():
        expected = 0. if param.ndim == 1 else WD
        assert groups[name]['weight_decay'] == expected, name
    for name in ('video_encoder.blocks.0.attn.q_bias',
                 'head.audio_layer_weights', 'head.fc.bias'):
        assert groups[name]['weight_decay'] == 0.
    assert groups['head.fc.weight']['weight_decay'] == WD


def test_no_decay_names():
    model = _recognizer()
    model.video_encoder.mask_token = torch.nn.Parameter(torch.zeros(1, 1, 32))
    wrapper = _build(model)
    group = _group_of(wrapper, model)['video_encoder.mask_token']
    assert group['weight_decay'] == 0. and group['layer_id'] == N + 1
    wrapper = _build(model, no_decay_names=())
    group = _group_of(wrapper, model)['video_encoder.mask_token']
    assert group['weight_decay'] == WD


@pytest.mark.parametrize('scheduler', ['linear', 'cosine', 'cosine_ratio'])
def test_schedulers_keep_ratios(scheduler):
    model = _recognizer()
    wrapper = _build(model)
    optimizer = wrapper.optimizer
    if scheduler == 'linear':
        sched = LinearLR(optimizer, start_factor=0.1, by_epoch=False,
                         begin=0, end=5)
    elif scheduler == 'cosine':
        sched = CosineAnnealingLR(optimizer, T_max=10, by_epoch=False,
                                  eta_min=0.)
    else:  # the fine-tuning configs' form: a floor per group
        sched = CosineAnnealingLR(optimizer, T_max=10, by_epoch=False,
                                  eta_min_ratio=1e-2)
    for _ in range(3):
        optimizer.step()
        sched.step()
    lrs = [g['lr'] for g in optimizer.param_groups]
    factor = lrs[-1] / (BASE_LR * optimizer.param_groups[-1]['lr_scale'])
    assert 0 < factor < 1
    for group, lr in zip(optimizer.param_groups, lrs):
        assert lr == pytest.approx(BASE_LR * group['lr_scale'] * factor)


def test_audio_only_model():
    model = _recognizer(video=False, fusion=False)
    groups = _group_of(_build(model), model)
    # N = audio depth 2
    assert groups['audio_encoder.patch_embed.proj.weight']['lr_scale'] == \
        pytest.approx(RATE**3)
    assert groups['audio_encoder.blocks.1.mlp.fc1.weight']['layer_id'] == 2
    assert groups['audio_encoder.norm.weight']['layer_id'] == 3
    assert groups['head.fc.weight']['lr_scale'] == 1.0


def test_pretraining_model(build_tiny):
    model = build_tiny()
    _, n = build_layer_id_fn(model)
    assert n == 4 + 1  # encoders of depth 4, fusion of depth 1
    groups = _group_of(_build(model), model)
    assert groups['video_encoder.blocks.3.attn.qkv.weight']['layer_id'] == 4
    assert groups['fusion.video_blocks.0.attn.qkv.weight']['layer_id'] == 5
    for name, group in groups.items():
        if name.startswith(('video_decoder', 'audio_decoder', 'video_head',
                            'audio_head', 'contrastive_head')):
            assert group['layer_id'] == n + 1 and group['lr_scale'] == 1.0
    assert groups['video_decoder.mask_token']['weight_decay'] == 0.


def test_frozen_params_left_out():
    model = _recognizer()
    model.video_encoder.patch_embed.requires_grad_(False)
    optimizer = _build(model).optimizer
    kept = {id(p) for g in optimizer.param_groups for p in g['params']}
    assert id(model.video_encoder.patch_embed.proj.weight) not in kept
    assert id(model.head.fc.weight) in kept


@pytest.mark.parametrize('paramwise, match', [
    (dict(), 'layer_decay_rate'),
    (dict(layer_decay_rate=0.), r'\(0, 1\]'),
    (dict(layer_decay_rate=0.75, custom_keys={}), 'custom_keys'),
])
def test_bad_paramwise_cfg(paramwise, match):
    cfg = dict(type='OptimWrapper',
               constructor='AVLayerDecayOptimWrapperConstructor',
               optimizer=dict(type='AdamW', lr=BASE_LR, weight_decay=WD),
               paramwise_cfg=paramwise)
    with DefaultScope.overwrite_default_scope('hicmae'):
        with pytest.raises(ValueError, match=match):
            build_optim_wrapper(_recognizer(), cfg)
