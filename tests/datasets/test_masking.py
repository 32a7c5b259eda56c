"""Mask generation and packing transforms."""
import numpy as np
import pytest
import torch

from hicmae.datasets.transforms import (GenerateRandomMask, GenerateTubeMask,
                                        PackAVInputs, random_mask, tube_mask)
from hicmae.registry import TRANSFORMS
from hicmae.structures import AVDataSample


@pytest.mark.parametrize('grid,ratio', [((8, 10, 10), 0.9), ((2, 4, 4), 0.75),
                                        ((3, 5, 7), 0.5), ((4, 2, 2), 0.0)])
def test_tube_mask_shape_and_counts(grid, ratio):
    t, h, w = grid
    mask = tube_mask(grid, ratio, np.random.default_rng(0))
    assert mask.dtype == bool
    assert mask.shape == (t * h * w, )
    frames = mask.reshape(t, h * w)
    for frame in frames[1:]:
        np.testing.assert_array_equal(frame, frames[0])
    assert (frames.sum(axis=1) == int(ratio * h * w)).all()


def test_tube_mask_varies_with_the_generator():
    masks = {tube_mask((2, 10, 10), 0.5, np.random.default_rng(s)).tobytes()
             for s in range(5)}
    assert len(masks) > 1


@pytest.mark.parametrize('n,ratio', [(128, 0.8), (16, 0.5), (7, 0.3),
                                     (10, 0.0)])
def test_random_mask_count(n, ratio):
    mask = random_mask(n, ratio, np.random.default_rng(1))
    assert mask.shape == (n, ) and mask.dtype == bool
    assert mask.sum() == int(ratio * n)


def test_random_mask_is_seeded_by_the_generator():
    a = random_mask(64, 0.5, np.random.default_rng(3))
    b = random_mask(64, 0.5, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize('ratio', [1.0, 1.5, -0.1])
def test_invalid_ratio_raises(ratio):
    with pytest.raises(ValueError, match='mask ratio'):
        random_mask(10, ratio)
    with pytest.raises(ValueError, match='mask ratio'):
        tube_mask((2, 4, 4), ratio)


def test_mask_transforms_add_keys():
    tube = TRANSFORMS.build(dict(type='GenerateTubeMask', grid=(2, 4, 4),
                                 mask_ratio=0.75))
    rand = TRANSFORMS.build(dict(type='GenerateRandomMask', num_tokens=16,
                                 mask_ratio=0.5))
    assert isinstance(tube, GenerateTubeMask)
    assert isinstance(rand, GenerateRandomMask)
    results = tube(dict(sample_idx=0))
    results = rand(results)
    assert results['sample_idx'] == 0
    assert results['video_mask'].shape == (32, )
    assert results['video_mask'].sum() == 2 * 12
    assert results['audio_mask'].shape == (16, )
    assert results['audio_mask'].sum() == 8
    assert 'grid=(2, 4, 4)' in repr(tube)
    assert 'num_tokens=16' in repr(rand)


def _raw_sample(t=4, h=8, w=6):
    rng = np.random.default_rng(0)
    return dict(
        imgs=rng.integers(0, 256, (t, h, w, 3), dtype=np.uint8),
        fbank=rng.standard_normal((20, 12)).astype(np.float32),
        video_mask=np.array([True, False] * 4),
        audio_mask=np.array([False, True, True]),
        gt_label=3,
        sample_idx=7,
        unrelated='dropped')


def test_pack_av_inputs_layout():
    raw = _raw_sample()
    packed = PackAVInputs()(dict(raw))
    assert set(packed) == {'inputs', 'data_samples'}
    video, audio = packed['inputs']['video'], packed['inputs']['audio']
    assert video.dtype == torch.uint8
    assert video.shape == (3, 4, 8, 6)  # (C, T, H, W)
    # channel c, frame t, pixel (y, x) comes from imgs[t, y, x, c]
    assert video[2, 1, 5, 3] == int(raw['imgs'][1, 5, 3, 2])
    assert torch.equal(video.permute(1, 2, 3, 0),
                       torch.from_numpy(raw['imgs']))
    assert audio.dtype == torch.float32 and audio.shape == (1, 20, 12)
    torch.testing.assert_close(audio[0], torch.from_numpy(raw['fbank']))

    sample = packed['data_samples']
    assert isinstance(sample, AVDataSample)
    assert sample.video_mask.dtype == torch.bool
    assert sample.video_mask.tolist() == raw['video_mask'].tolist()
    assert sample.audio_mask.tolist() == [False, True, True]
    assert sample.gt_label.tolist() == [3]
    assert sample.metainfo['sample_idx'] == 7
    # hidden-token counts travel on the host (no device read in the step)
    assert sample.metainfo['video_num_hidden'] == int(raw['video_mask'].sum())
    assert sample.metainfo['audio_num_hidden'] == 2


def test_pack_av_inputs_accepts_frame_lists_and_single_modality():
    raw = _raw_sample()
    frames = list(raw['imgs'])
    packed = PackAVInputs()(dict(imgs=frames))
    assert packed['inputs']['video'].shape == (3, 4, 8, 6)
    assert 'audio' not in packed['inputs']
    assert 'video_mask' not in packed['data_samples']
    audio_only = PackAVInputs()(dict(fbank=raw['fbank']))
    assert set(audio_only['inputs']) == {'audio'}


def test_pack_av_inputs_missing_keys_raise():
    with pytest.raises(KeyError, match='neither imgs nor fbank'):
        PackAVInputs()(dict(gt_label=1))


def test_pack_av_inputs_wrong_dtype_or_rank_raise():
    raw = _raw_sample()
    with pytest.raises(TypeError, match='uint8'):
        PackAVInputs()(dict(imgs=raw['imgs'].astype(np.float32)))
    with pytest.raises(ValueError, match=r'\(T, H, W, C\)'):
        PackAVInputs()(dict(imgs=raw['imgs'][0]))


def test_pipeline_of_transforms_composes():
    from mmengine.dataset import Compose
    pipeline = Compose([
        dict(type='GenerateTubeMask', grid=(2, 1, 1), mask_ratio=0.0),
        dict(type='GenerateRandomMask', num_tokens=3, mask_ratio=0.4),
        dict(type='PackAVInputs'),
    ])
    out = pipeline(dict(imgs=np.zeros((4, 16, 16, 3), np.uint8),
                        fbank=np.zeros((16, 48), np.float32)))
    sample = out['data_samples']
    assert sample.video_mask.tolist() == [False, False]
    assert int(sample.audio_mask.sum()) == 1
