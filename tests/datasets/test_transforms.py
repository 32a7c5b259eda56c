"""Clip sampling, audio loading and features, spatial ops."""
import numpy as np
import pytest
import torch
from av_files import frames, tone, write_mp4, write_wav

from hicmae.datasets import BadSampleError
from hicmae.datasets.transforms import (CenterCrop, CropAudioSpan, Flip,
                                        KaldiFbank, LoadAudio, MultiScaleCrop,
                                        NormalizeFbank, Resize, SampleClip,
                                        SpatialViewCrop)


def test_sample_clip_short_video_pads_with_last_frame():
    out = SampleClip(16, 4).transform(dict(total_frames=30))
    # 30 // 4 = 7 evenly spaced indices over [0, 30], then the last frame
    head = np.clip(np.linspace(0, 30, 7), 0, 29).astype(int)
    assert out['frame_inds'].tolist() == head.tolist() + [29] * 9
    start, end = out['audio_span']
    assert start == 0 and end == pytest.approx(1.0)  # min(0 + 64, 29) / 29


def test_sample_clip_long_video_takes_a_random_window():
    np.random.seed(3)
    for _ in range(20):
        out = SampleClip(16, 4).transform(dict(total_frames=200))
        idx = out['frame_inds']
        assert len(idx) == 16 and np.all(np.diff(idx) >= 0)
        assert idx[-1] - idx[0] <= 63 and 0 <= idx[0] and idx[-1] < 200
        start, end = out['audio_span']
        assert start == pytest.approx(idx[0] / 199)
        assert end == pytest.approx(min(idx[0] + 64, 199) / 199)


def test_sample_clip_test_views_are_deterministic_and_distinct():
    sampler = SampleClip(16, 4, num_segments=2, test_mode=True)
    first = sampler.transform(dict(total_frames=200, temporal_view=0))
    again = sampler.transform(dict(total_frames=200, temporal_view=0))
    last = sampler.transform(dict(total_frames=200, temporal_view=1))
    assert first['frame_inds'].tolist() == again['frame_inds'].tolist()
    assert first['frame_inds'][0] == 0
    assert last['frame_inds'][-1] == 196  # the last of every 4th frame


def test_sample_clip_rejects_too_few_frames():
    with pytest.raises(BadSampleError, match='3 frames'):
        SampleClip(min_frames=8).transform(dict(total_frames=3,
                                                filename='v.mp4'))


def test_crop_audio_span_is_proportional():
    wave = np.arange(48000, dtype=np.float32)
    out = CropAudioSpan().transform(dict(waveform=wave, sample_rate=16000,
                                         audio_span=(0.25, 0.5)))
    assert out['waveform'][0] == 12000 and len(out['waveform']) == 12000


def test_crop_audio_span_falls_back_to_short_waveform():
    wave = np.ones(20000, np.float32)  # 1.25 s < 2.56 s
    out = CropAudioSpan().transform(dict(waveform=wave, sample_rate=16000,
                                         audio_span=(0.5, 0.52)))
    assert len(out['waveform']) == 20000
    with pytest.raises(BadSampleError, match='too short'):
        CropAudioSpan().transform(dict(
            waveform=np.ones(64000, np.float32), sample_rate=16000,
            audio_span=(0.5, 0.51), audio_filename='a.wav'))


def test_kaldi_fbank_matches_torchaudio_and_pads():
    from torchaudio.compliance.kaldi import fbank
    wave = tone(1.0) + 0.1
    out = KaldiFbank(128, 256).transform(dict(waveform=wave.copy(),
                                              sample_rate=16000))
    ref = fbank(torch.from_numpy(wave - wave.mean())[None], htk_compat=True,
                sample_frequency=16000, use_energy=False,
                window_type='hanning', num_mel_bins=128, dither=0.0,
                frame_shift=10)
    assert out['fbank'].shape == (256, 128)
    n = ref.shape[0]
    np.testing.assert_allclose(out['fbank'][:n], ref.numpy(), atol=1e-5)
    assert np.all(out['fbank'][n:] == 0)
    long = KaldiFbank(128, 50).transform(dict(waveform=wave.copy(),
                                              sample_rate=16000))
    assert long['fbank'].shape == (50, 128)


def test_normalize_fbank():
    fb = np.full((256, 128), -4.2677393, np.float32)
    out = NormalizeFbank().transform(dict(fbank=fb + 4.5689974 * 2))
    np.testing.assert_allclose(out['fbank'], 1.0, rtol=1e-6)


def test_spatial_ops_shapes():
    imgs = list(frames(4, size=96))
    imgs = [img[:, :80] for img in imgs]  # 96 high, 80 wide
    out = MultiScaleCrop(64).transform(dict(imgs=list(imgs)))
    assert out['imgs'][0].shape == (64, 64, 3)
    out = Resize(40).transform(dict(imgs=list(imgs)))
    assert out['imgs'][0].shape == (48, 40, 3)
    out = CenterCrop(32).transform(dict(imgs=list(imgs)))
    assert out['img_shape'] == (32, 32)
    np.testing.assert_array_equal(out['imgs'][0], imgs[0][32:64, 24:56])
    top = SpatialViewCrop(3).transform(dict(imgs=list(imgs),
                                            spatial_view=0))
    bottom = SpatialViewCrop(3).transform(dict(imgs=list(imgs),
                                               spatial_view=2))
    np.testing.assert_array_equal(top['imgs'][0], imgs[0][:80])
    np.testing.assert_array_equal(bottom['imgs'][0], imgs[0][16:])
    flipped = Flip(1.0).transform(dict(imgs=list(imgs)))
    np.testing.assert_array_equal(flipped['imgs'][0], imgs[0][:, ::-1])


def test_load_audio_from_wav_track_and_sibling(tmp_path):
    wav = write_wav(tmp_path / 'a.wav', tone(2.0))
    out = LoadAudio().transform(dict(audio_filename=str(wav)))
    assert out['waveform'].shape == (32000, ) and out['sample_rate'] == 16000
    mp4 = write_mp4(tmp_path / 'v.mp4', frames(50), audio=tone(2.0))
    out = LoadAudio().transform(dict(filename=str(mp4)))
    assert abs(len(out['waveform']) - 32000) < 2048  # AAC priming/padding
    write_wav(tmp_path / 'v.wav', tone(1.5))
    out = LoadAudio().transform(dict(filename=str(mp4)))
    assert out['audio_filename'].endswith('v.wav')
    assert len(out['waveform']) == 24000


def test_load_audio_resamples_wav_only_when_asked(tmp_path):
    wav = write_wav(tmp_path / 'a8k.wav', tone(1.0, sr=8000), sr=8000)
    with pytest.raises(BadSampleError, match='8000 Hz'):
        LoadAudio().transform(dict(audio_filename=str(wav)))
    out = LoadAudio(resample_wav=True).transform(
        dict(audio_filename=str(wav)))
    assert len(out['waveform']) == 16000
