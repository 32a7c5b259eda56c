"""AVF-MAE++'s registered parts on their own and mixed into HiCMAE's recipe:
decoder masks, local-global encoders, the iterative correlation fusion,
dual masking and the AVF recognizer."""
import math
from pathlib import Path

import pytest
import torch
from mmengine.optim import OptimWrapper

from hicmae.models.masking import RunningCellMaskGenerator
from hicmae.registry import MODELS
from hicmae.structures import AVDataSample

DATA = Path(__file__).resolve().parents[1] / 'data' / 'avf_mae'
LG_VIDEO = dict(type='LGVideoEncoder', region_size=(2, 2, 4))
LG_AUDIO = dict(type='LGAudioEncoder', region_size=(2, 4))


def _lg_cfg(make_tiny_cfg, **overrides):
    """The tiny HiCMAE recipe with AVF-MAE++'s encoders and fusion."""
    cfg = make_tiny_cfg()
    cfg['video_encoder'].update(LG_VIDEO)
    cfg['audio_encoder'].update(LG_AUDIO)
    cfg['fusion'] = dict(type='IterativeCorrelationFusion', depth=2,
                         num_heads=2)
    cfg.update(overrides)
    return cfg


def _step(model, batch, steps=1):
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.05))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    for _ in range(steps):
        log_vars = model.train_step(batch, optim)
    assert math.isfinite(log_vars['loss'].item())
    return {n.split('.')[0] for n, p in model.named_parameters()
            if not torch.equal(before[n], p)}


# decoder masks -----------------------------------------------------------


def test_running_cell_masks_are_the_authors():
    fx = torch.load(DATA / 'pretrain_small.pt', weights_only=True)
    gen = RunningCellMaskGenerator(0.5)
    table = gen.table((8, 4, 4))
    for mask in fx['masks']['decode_mask_video']:
        assert sum(bool(torch.equal(row, mask)) for row in table) == 1
    assert gen.num_hidden((8, 4, 4)) == 64
    drawn = gen((8, 4, 4), 5, 'cpu', torch.Generator().manual_seed(0))
    assert drawn.shape == (5, 128) and drawn.dtype == torch.bool
    assert (drawn.sum(1) == 64).all()
    # every frame drops half its tokens; two frames on, the cell has
    # turned by half: the dropped and the decoded tokens swap
    frames = drawn.reshape(5, 8, 16)
    assert (frames.sum(-1) == 8).all()
    assert torch.equal(frames[:, 2:], ~frames[:, :-2])


@pytest.mark.parametrize('ratio', [0.1, 1.0])
def test_running_cell_rejects_ratios_without_whole_cells(ratio):
    with pytest.raises(ValueError, match='running-cell ratio'):
        RunningCellMaskGenerator(ratio)


def test_running_cell_needs_an_even_video_grid():
    with pytest.raises(ValueError, match='even H and W'):
        RunningCellMaskGenerator(0.5).num_hidden((8, 5, 4))


# local-global encoders ---------------------------------------------------


def test_lg_encoder_names_an_unusable_mask_ratio(make_tiny_cfg, make_batch):
    model = MODELS.build(_lg_cfg(make_tiny_cfg))
    enc = model.video_encoder
    video = torch.randn(1, 3, 4, 64, 64)
    mask = torch.zeros(1, enc.num_patches, dtype=torch.bool)
    mask[0, :3] = True  # 29 visible of 32: no whole regions
    with pytest.raises(ValueError, match='cannot be cut into 2 regions'):
        enc(video, mask)


def test_lg_encoder_regions_must_tile_the_grid():
    with pytest.raises(ValueError, match='does not tile'):
        MODELS.build(dict(LG_VIDEO, img_size=64, num_frames=4,
                          embed_dims=32, depth=1, num_heads=2,
                          region_size=(2, 3, 4)))


def test_mae_dfer_block_has_no_gather_step():
    enc = MODELS.build(dict(LG_VIDEO, img_size=64, num_frames=4,
                            embed_dims=32, depth=2, num_heads=2,
                            with_region_gather=False))
    assert not any('gather' in n for n, _ in enc.named_parameters())
    layers = enc.forward_all_layers(torch.randn(2, 3, 4, 64, 64))
    assert len(layers) == 2 and layers[0].shape == (2, 2, 32)


def test_raster_order_is_a_permutation_of_region_order():
    torch.manual_seed(0)
    enc = MODELS.build(dict(LG_VIDEO, img_size=64, num_frames=4,
                            embed_dims=32, depth=2, num_heads=2))
    video = torch.randn(1, 3, 4, 64, 64)
    mask = torch.ones(1, 32, dtype=torch.bool)
    mask[0, [0, 5, 10, 15, 16, 21, 26, 31]] = False
    region, _ = enc(video, mask)
    enc.token_order = 'raster'
    raster, _ = enc(video, mask)
    # visible (t, hw) tokens 0..7 are grouped (nhw, t, hw) in region order
    assert torch.allclose(region[0, [0, 1, 4, 5, 2, 3, 6, 7]], raster[0])


# mixing into HiCMAE's recipe ---------------------------------------------


def test_hicmae_recipe_with_the_iterative_fusion_trains(make_tiny_cfg,
                                                        make_batch):
    cfg = make_tiny_cfg()
    cfg['fusion'] = dict(type='IterativeCorrelationFusion', depth=2,
                         num_heads=2)
    torch.manual_seed(0)
    changed = _step(MODELS.build(cfg), make_batch(batch_size=2))
    assert {'fusion', 'video_encoder', 'video_decoder'} <= changed


def test_dual_masking_without_decoder_masks_is_hicmae(make_tiny_cfg,
                                                      make_batch):
    torch.manual_seed(0)
    plain = MODELS.build(make_tiny_cfg())
    dual = MODELS.build(make_tiny_cfg(type='DualMaskedHiCMAE'))
    dual.load_state_dict(plain.state_dict())
    batch = plain.data_preprocessor(make_batch(batch_size=2), True)
    with torch.no_grad():
        a, b = plain(**batch, mode='loss'), dual(**batch, mode='loss')
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_hicmae_recipe_with_dual_masking_trains(make_tiny_cfg, make_batch):
    cfg = make_tiny_cfg(
        type='DualMaskedHiCMAE',
        video_decoder_masking=dict(type='RunningCellMaskGenerator',
                                   ratio=0.5))
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    batch = make_batch(batch_size=2)
    data = model.data_preprocessor(batch, True)
    out = model(**data, mode='tensor')
    # 2x4x4 video tokens, half of them decoded; audio as HiCMAE (hidden)
    assert out['pred_video'].shape[1] == 16
    assert out['pred_audio'].shape[1] == 8
    assert {'video_decoder', 'fusion'} <= _step(model, batch)


def test_avf_pretraining_model_trains(make_tiny_cfg, make_batch):
    cfg = _lg_cfg(make_tiny_cfg, type='DualMaskedHiCMAE',
                  video_decoder_masking=dict(type='RunningCellMaskGenerator',
                                             ratio=0.5))
    torch.manual_seed(0)
    changed = _step(MODELS.build(cfg), make_batch(batch_size=2))
    assert changed == {'video_encoder', 'audio_encoder', 'fusion',
                       'video_decoder', 'audio_decoder'}


def test_decoder_masks_in_the_samples_take_precedence(make_tiny_cfg,
                                                      make_batch):
    cfg = make_tiny_cfg(
        type='DualMaskedHiCMAE',
        video_decoder_masking=dict(type='RunningCellMaskGenerator',
                                   ratio=0.5))
    model = MODELS.build(cfg)
    batch = make_batch(batch_size=2)
    for s in batch['data_samples']:
        keep = torch.zeros(32, dtype=torch.bool)
        keep[:4] = True  # decode 28 of 32
        s.set_field(keep, 'video_decode_mask', dtype=torch.Tensor)
        s.set_metainfo(dict(video_num_skipped=4))
    data = model.data_preprocessor(batch, True)
    assert model(**data, mode='tensor')['pred_video'].shape[1] == 28


def test_dual_mask_loss_counts_only_tokens_hidden_from_the_encoder():
    head = MODELS.build(dict(type='ReconstructionHead', patch_size=(16, 16),
                             norm_pix=False))
    audio = torch.zeros(1, 1, 32, 32)
    mask = torch.tensor([[True, True, False, False]])
    decode_mask = torch.tensor([[False, True, False, True]])
    # decoded: tokens 0 (hidden) and 2 (visible: does not count)
    pred = torch.stack([torch.full((256, ), 2.), torch.full((256, ), 5.)])
    loss = head.dual_mask_loss(pred[None], audio, mask, decode_mask, 2)
    assert loss.item() == pytest.approx(4.)
    all_hidden = head.dual_mask_loss(pred[None], audio,
                                     torch.ones_like(mask), decode_mask, 2)
    assert all_hidden.item() == pytest.approx((4. + 25.) / 2)
    none_hidden = head.dual_mask_loss(pred[None], audio,
                                      torch.zeros_like(mask), decode_mask, 2)
    assert none_hidden.item() == 0


# fine-tuning -------------------------------------------------------------


def _recognizer_cfg(**head):
    return dict(
        type='AVFRecognizer',
        video_encoder=dict(LG_VIDEO, img_size=64, num_frames=4,
                           embed_dims=32, depth=2, num_heads=2),
        audio_encoder=dict(LG_AUDIO, input_size=(64, 64), embed_dims=32,
                           depth=2, num_heads=2),
        fusion=dict(type='IterativeCorrelationFusion', depth=2,
                    num_heads=2),
        head=dict(dict(type='FusedTokenClsHead', num_classes=3), **head))


def test_avf_recognizer_trains_and_predicts():
    torch.manual_seed(0)
    model = MODELS.build(_recognizer_cfg())
    samples = [AVDataSample().set_gt_label(i % 3) for i in range(2)]
    batch = dict(inputs=dict(video=torch.randint(0, 255, (2, 3, 4, 64, 64),
                                                 dtype=torch.uint8),
                             audio=torch.randn(2, 1, 64, 64)),
                 data_samples=samples)
    changed = _step(model, batch)
    assert {'video_encoder', 'audio_encoder', 'fusion', 'head',
            'video_layer_weights', 'audio_layer_weights'} <= changed
    model.eval()
    out = model.test_step(batch)
    assert out[0].pred_score.shape == (3, )


def test_avf_recognizer_needs_equal_region_counts():
    cfg = _recognizer_cfg()
    cfg['audio_encoder']['region_size'] = (1, 4)  # 4 audio regions, 2 video
    model = MODELS.build(cfg)
    with pytest.raises(ValueError, match='equal counts'):
        model.extract_feat(dict(video=torch.randn(1, 3, 4, 64, 64),
                                audio=torch.randn(1, 1, 64, 64)))


def test_iterative_fusion_needs_equal_widths():
    with pytest.raises(ValueError, match='equal video and audio widths'):
        MODELS.build(dict(type='IterativeCorrelationFusion', video_dims=32,
                          audio_dims=48, num_heads=2))


def test_dual_masked_reconstruction_pictures_the_decoded_tokens(
        make_tiny_cfg, make_batch):
    cfg = make_tiny_cfg(
        type='DualMaskedHiCMAE',
        video_decoder_masking=dict(type='RunningCellMaskGenerator',
                                   ratio=0.5))
    model = MODELS.build(cfg)
    data = model.data_preprocessor(make_batch(batch_size=2), False)
    views = model.reconstruct(**data)
    assert views['video']['pred'].shape == views['video']['target'].shape
    assert views['video']['pred'].shape[1] == 16
    assert views['audio']['pred'].shape[1] == 8


@pytest.mark.parametrize('size,model_type,decoder_masks', [
    ('base', 'HiCMAE', False),
    ('base_dm', 'DualMaskedHiCMAE', True),
    ('avf_base', 'DualMaskedHiCMAE', True),
    ('avf_base_nodm', 'DualMaskedHiCMAE', False),
])
def test_benchmark_model_cases(size, model_type, decoder_masks):
    from tool_loader import load_tool
    cfg = load_tool('analysis/benchmark.py')._model_cfg(size, 'sdpa', False)
    assert cfg['type'] == model_type
    assert (cfg.get('video_decoder_masking') is not None) == decoder_masks
    assert cfg['fusion']['use_sdpa'] is True


def test_layer_decay_gives_region_tokens_the_full_lr():
    """The authors' layer-id rule sends ``encoder.lg_region_tokens`` to the
    last layer (full lr); patch embedding to the first."""
    from hicmae.engine.optim_constructors import \
        layer_decay_optim_wrapper_constructor as layer_decay
    model = MODELS.build(_recognizer_cfg())
    layer_id, n = layer_decay.build_layer_id_fn(model)
    assert layer_id('video_encoder.region_tokens') == n + 1
    assert layer_id('audio_encoder.region_tokens') == n + 1
    assert layer_id('video_encoder.patch_embed.proj.weight') == 0
    assert layer_id('video_encoder.blocks.1.mlp.fc1.weight') == 2
    assert layer_id('fusion.blocks.0.video_gate.norm.weight') == 3
    assert layer_id('fusion.refine.in_proj.weight') == n + 1
    assert layer_id('video_layer_weights') == n + 1
