"""Packing transforms (masks given in the results travel packed)."""
import numpy as np
import pytest
import torch

from hicmae.datasets.transforms import PackAVInputs
from hicmae.structures import AVDataSample


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
