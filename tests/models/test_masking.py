"""Mask generators and the masks the pre-training model draws."""
import math

import pytest
import torch
from mmengine.config import Config

from hicmae.models.masking import (RandomMaskGenerator, TubeMaskGenerator,
                                   token_masks)
from hicmae.registry import MODELS
from hicmae.structures import AVDataSample
from tests.conftest import REPO_ROOT


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize('grid,ratio', [((8, 10, 10), 0.9), ((2, 4, 4), 0.75),
                                        ((3, 5, 7), 0.5), ((4, 2, 2), 0.0)])
def test_tube_mask_repeats_one_frame_mask_with_floored_count(grid, ratio):
    t, h, w = grid
    masking = TubeMaskGenerator(ratio)
    mask = masking(grid, 3, 'cpu', _gen())
    assert mask.dtype == torch.bool and mask.shape == (3, t * h * w)
    frames = mask.reshape(3, t, h * w)
    assert torch.equal(frames, frames[:, :1].expand_as(frames))
    per_frame = math.floor(ratio * h * w)
    assert (frames.sum(-1) == per_frame).all()
    assert masking.num_hidden(grid) == t * per_frame
    assert (mask.sum(1) == masking.num_hidden(grid)).all()


@pytest.mark.parametrize('grid,ratio', [((16, 8), 0.8), ((16, ), 0.5),
                                        ((7, ), 0.3), ((10, ), 0.0)])
def test_random_mask_hides_the_floored_count(grid, ratio):
    masking = RandomMaskGenerator(ratio)
    mask = masking(grid, 4, 'cpu', _gen(1))
    n = math.prod(grid)
    assert mask.shape == (4, n)
    assert masking.num_hidden(grid) == math.floor(ratio * n)
    assert (mask.sum(1) == masking.num_hidden(grid)).all()


def test_masks_are_uniform_and_differ_between_samples():
    mask = RandomMaskGenerator(0.25)((20, ), 4000, 'cpu', _gen())
    # every token hidden a quarter of the time (4000 draws: sd ~0.007)
    assert (mask.float().mean(0) - 0.25).abs().max() < 0.03
    assert len({tuple(m.tolist()) for m in mask[:50]}) == 50
    tube = TubeMaskGenerator(0.5)((2, 4, 4), 4000, 'cpu', _gen())
    assert (tube.float().mean(0) - 0.5).abs().max() < 0.04


def test_masks_follow_the_generator():
    a = TubeMaskGenerator(0.9)((8, 10, 10), 2, 'cpu', _gen(3))
    b = TubeMaskGenerator(0.9)((8, 10, 10), 2, 'cpu', _gen(3))
    c = TubeMaskGenerator(0.9)((8, 10, 10), 2, 'cpu', _gen(4))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_ranks_sharing_a_seed_hide_different_tokens(monkeypatch):
    """Every rank draws the global batch's noise and keeps its own rows."""
    monkeypatch.setattr(token_masks, 'get_world_size', lambda: 2)
    rows = {}
    for rank in (0, 1):
        monkeypatch.setattr(token_masks, 'get_rank', lambda r=rank: r)
        rows[rank] = RandomMaskGenerator(0.5)((64, ), 3, 'cpu', _gen())
    monkeypatch.setattr(token_masks, 'get_world_size', lambda: 1)
    monkeypatch.setattr(token_masks, 'get_rank', lambda: 0)
    whole = RandomMaskGenerator(0.5)((64, ), 6, 'cpu', _gen())
    assert torch.equal(torch.cat([rows[0], rows[1]]), whole)
    assert not torch.equal(rows[0], rows[1])


@pytest.mark.parametrize('ratio', [1.0, 1.5, -0.1])
def test_invalid_ratio_raises(ratio):
    for kind in ('TubeMaskGenerator', 'RandomMaskGenerator'):
        with pytest.raises(ValueError, match='mask ratio'):
            MODELS.build(dict(type=kind, ratio=ratio))


def test_tube_over_a_spectrogram_fails_when_the_model_is_built(
        make_tiny_cfg):
    cfg = make_tiny_cfg(audio_masking=dict(type='TubeMaskGenerator',
                                           ratio=0.5))
    with pytest.raises(ValueError, match=r'\(T, H, W\) grid, got \(4, 4\)'):
        MODELS.build(cfg)


def test_model_draws_masks_on_the_encoders_grids(build_tiny, make_batch):
    model = build_tiny(video_masking=dict(type='TubeMaskGenerator',
                                          ratio=0.5))
    data = model.data_preprocessor(make_batch(2, with_masks=False))
    with torch.no_grad():
        out = model(**data, mode='tensor')
    # grid (2, 4, 4): 8 of 16 per frame hidden -> 16 hidden video tokens;
    # audio 16 tokens at 0.5 -> 8
    assert out['pred_video'].shape[:2] == (2, 16)
    assert out['pred_audio'].shape[:2] == (2, 8)
    losses = model(**data, mode='loss')
    assert all(torch.isfinite(v) for v in losses.values())


def test_masks_in_the_samples_take_precedence(build_tiny, make_batch):
    model = build_tiny(video_masking=dict(type='TubeMaskGenerator',
                                          ratio=0.5))
    batch = make_batch(2)  # masks of ratio 0.75 / 0.5 in the samples
    data = model.data_preprocessor(batch)
    with torch.no_grad():
        out = model(**data, mode='tensor')
        again = model(**data, mode='tensor')
    assert out['pred_video'].shape[:2] == (2, 24)
    torch.testing.assert_close(out['pred_video'], again['pred_video'])


def test_some_samples_with_masks_raise(build_tiny, make_batch):
    model = build_tiny()
    data = model.data_preprocessor(make_batch(2))
    data['data_samples'][1] = AVDataSample()
    with pytest.raises(ValueError, match="1 of 2 data samples carry a "
                                         "'video_mask'"):
        model(**data, mode='loss')


def test_no_generator_and_no_masks_raise(build_tiny, make_batch):
    model = build_tiny(video_masking=None)
    data = model.data_preprocessor(make_batch(2, with_masks=False))
    with pytest.raises(ValueError, match='model.video_masking'):
        model(**data, mode='loss')


def test_predict_returns_the_drawn_masks(build_tiny, make_batch):
    model = build_tiny().eval()
    with torch.no_grad():
        samples = model.test_step(make_batch(2, with_masks=False))
    for s in samples:
        assert int(s.video_mask.sum()) == s.metainfo['video_num_hidden'] \
            == s.pred_video.shape[0] == 24


def test_attached_masks_repeat_and_leave_the_training_stream(build_tiny,
                                                             make_batch):
    model = build_tiny()
    samples = make_batch(2, with_masks=False)['data_samples']
    state = torch.get_rng_state()
    model.attach_masks(samples, _gen(0))
    assert torch.equal(state, torch.get_rng_state())
    assert [s.metainfo['video_num_hidden'] for s in samples] == [24, 24]
    kept = samples[0].video_mask.clone()
    model.attach_masks(samples, _gen(5))  # samples with masks keep them
    assert torch.equal(samples[0].video_mask, kept)


def _recipe(name, options=None):
    cfg = Config.fromfile(str(REPO_ROOT / 'configs' / 'hicmae' / name))
    if options:
        cfg.merge_from_dict(options)
    return cfg


def test_vox2_recipe_resolves_to_the_papers_ratios():
    # SPEC: video tube masking 0.9, audio random masking 0.8
    model = _recipe('hicmae_base_vox2.py').model
    assert model.video_masking == dict(type='TubeMaskGenerator', ratio=0.9)
    assert model.audio_masking == dict(type='RandomMaskGenerator', ratio=0.8)


def test_the_ratio_key_reaches_the_model():
    cfg = _recipe('hicmae_tiny_synthetic_tensor.py',
                  {'model.video_masking.ratio': 0.75,
                   'model.audio_masking.ratio': 0.5})
    model = MODELS.build(cfg.model)
    assert model.video_masking.ratio == 0.75
    assert model.audio_masking.ratio == 0.5
    # 64 px, 16 frames: grid (8, 4, 4); 64x64 fbank: 16 tokens
    assert model.video_masking.num_hidden(
        model.video_encoder.patch_embed.grid_size) == 8 * 12
    assert model.audio_masking.num_hidden(
        model.audio_encoder.patch_embed.grid_size) == 8


PRETRAIN_RECIPES = sorted(
    p.name for p in (REPO_ROOT / 'configs' / 'hicmae').glob('*.py')
    if 'pretrain' in p.name or 'vox2' in p.name or 'tensor' in p.name)


@pytest.mark.parametrize('name', PRETRAIN_RECIPES)
def test_no_pretraining_pipeline_restates_a_ratio_or_grid(name):
    cfg = _recipe(name)
    assert cfg.model.type == 'HiCMAE'
    assert cfg.model.video_masking.type == 'TubeMaskGenerator'
    assert cfg.model.audio_masking.type == 'RandomMaskGenerator'
    text = cfg.pretty_text
    for word in ('GenerateTubeMask', 'GenerateRandomMask', 'mask_ratio',
                 'video_grid', 'audio_tokens'):
        assert word not in text, (name, word)
