"""AVMixup: one λ and pairing for video, audio (switch) and targets."""
import math

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper

from hicmae.models.data_preprocessors import AVMixup
from hicmae.registry import MODELS
from hicmae.structures import AVDataSample

K = 4
SMOOTH = 0.1
OFF = SMOOTH / K
ON = 1 - SMOOTH + OFF


def _samples(labels):
    return [AVDataSample().set_gt_label(int(y)) for y in labels]


def _batch(b=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    video = torch.randn((b, 3, 4, 16, 16), generator=gen)
    audio = torch.randn((b, 1, 40, 8), generator=gen)
    return dict(video=video, audio=audio)


def _const_batch(b):
    """Sample ``i`` holds the value ``i`` everywhere: pasted regions show."""
    fill = torch.arange(b, dtype=torch.float32)
    return dict(video=fill.view(b, 1, 1, 1, 1).expand(b, 3, 4, 16, 16)
                .contiguous(),
                audio=fill.view(b, 1, 1, 1).expand(b, 1, 40, 8).contiguous())


def _scores(samples):
    return torch.stack([s.gt_score for s in samples])


def _lam_from_targets(scores, labels):
    """λ from sample 0, whose partner (the last sample) has another label."""
    assert labels[0] != labels[-1]
    return ((scores[0, labels[0]] - OFF) / (ON - OFF)).item()


@pytest.mark.parametrize('b', [4, 3])
def test_mixup_is_lambda_combination_of_flipped_batch(b):
    mix = AVMixup(num_classes=K, mixup_alpha=0.8, cutmix_alpha=0.,
                  label_smoothing=SMOOTH, mix_audio=True)
    np.random.seed(3)
    lam, use_cutmix = mix.sample_params()
    assert not use_cutmix and 0 < lam < 1
    inputs, labels = _batch(b), [0, 1, 2, 3][:b]
    np.random.seed(3)
    out, samples = mix(inputs, _samples(labels))
    for key in ('video', 'audio'):
        expected = lam * inputs[key] + (1 - lam) * inputs[key].flip(0)
        torch.testing.assert_close(out[key], expected)
    scores = _scores(samples)
    assert _lam_from_targets(scores, labels) == pytest.approx(lam, abs=1e-6)
    onehot = torch.full((b, K), OFF)
    onehot[torch.arange(b), torch.tensor(labels)] = ON
    torch.testing.assert_close(
        scores, lam * onehot + (1 - lam) * onehot.flip(0))
    torch.testing.assert_close(scores.sum(1), torch.ones(b))


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('b', [4, 5])
def test_cutmix_box_and_audio_span(seed, b):
    mix = AVMixup(num_classes=K, mixup_alpha=0., cutmix_alpha=1.,
                  label_smoothing=SMOOTH, mix_audio=True)
    labels = [i % K for i in range(b - 1)] + [(b - 1) % K or 1]
    inputs = _const_batch(b)
    np.random.seed(seed)
    out, samples = mix(inputs, _samples(labels))
    scores = _scores(samples)
    torch.testing.assert_close(scores.sum(1), torch.ones(b))
    lam = _lam_from_targets(scores, labels)
    for i in range(b):
        j = b - 1 - i
        changed_v = out['video'][i] != inputs['video'][i]
        changed_a = out['audio'][i] != inputs['audio'][i]
        if i == j:  # an odd batch's middle sample pairs with itself
            assert not changed_v.any() and not changed_a.any()
            continue
        # pasted values come from the partner
        assert (out['video'][i][changed_v] == j).all()
        box = changed_v[0, 0]
        assert (changed_v == box).all()  # every frame and channel
        rows, cols = box.any(1).nonzero(), box.any(0).nonzero()
        if box.any():
            assert box.sum() == len(rows) * len(cols)  # a rectangle
        assert box.float().mean().item() == pytest.approx(1 - lam, abs=1e-6)
        # a time span over all mel bins, of about 1 - λ of the time axis
        span = changed_a[0]
        assert (span == span[:, :1]).all()
        times = span[:, 0].nonzero().flatten()
        if len(times):
            assert times.tolist() == list(range(times[0], times[-1] + 1))
        assert abs(len(times) / span.shape[0] - (1 - lam)) <= \
            1 / span.shape[0]


def test_cutmix_audio_only_lambda_follows_span():
    mix = AVMixup(num_classes=K, mixup_alpha=0., cutmix_alpha=1.,
                  label_smoothing=SMOOTH, mix_audio=True)
    inputs = dict(audio=_const_batch(2)['audio'])
    np.random.seed(1)
    out, samples = mix(inputs, _samples([0, 1]))
    lam = _lam_from_targets(_scores(samples), [0, 1])
    frac = (out['audio'][0, 0, :, 0] != 0).float().mean().item()
    assert frac == pytest.approx(1 - lam, abs=1e-6)
    assert 'video' not in out


@pytest.mark.parametrize('mixup_alpha,cutmix_alpha', [(0.8, 0.), (0., 1.)])
def test_video_only_by_default_audio_untouched_targets_mixed(
        mixup_alpha, cutmix_alpha):
    """The authors' protocol: the video is mixed, the audio is not, the
    targets are."""
    mix = AVMixup(num_classes=K, mixup_alpha=mixup_alpha,
                  cutmix_alpha=cutmix_alpha, label_smoothing=SMOOTH)
    assert not mix.mix_audio
    inputs, labels = _batch(4), [0, 1, 2, 3]
    np.random.seed(5)
    out, samples = mix(inputs, _samples(labels))
    assert out['audio'] is inputs['audio']
    assert not torch.equal(out['video'], inputs['video'])
    lam = _lam_from_targets(_scores(samples), labels)
    assert 0 < lam < 1


@pytest.mark.parametrize('mixup_alpha,cutmix_alpha', [(0.8, 0.), (0., 1.)])
def test_an_audio_only_batch_mixes_its_audio_with_its_targets(
        mixup_alpha, cutmix_alpha):
    """The video-only recipe on an audio-only model: the present modality
    is mixed with the targets' λ (issue 19, item 3)."""
    mix = AVMixup(num_classes=K, mixup_alpha=mixup_alpha,
                  cutmix_alpha=cutmix_alpha, label_smoothing=SMOOTH)
    inputs = dict(audio=_const_batch(4)['audio'])
    np.random.seed(3)
    out, samples = mix(inputs, _samples([0, 1, 2, 3]))
    lam = _lam_from_targets(_scores(samples), [0, 1, 2, 3])
    assert 0 < lam < 1
    # sample 0 (value 0) took 1 - λ of sample 3 (value 3)
    assert out['audio'][0].mean().item() == pytest.approx(3 * (1 - lam),
                                                          abs=1e-5)


def test_label_smoothing_values_when_skipped():
    mix = AVMixup(num_classes=K, prob=0., label_smoothing=SMOOTH)
    inputs = _batch(3)
    out, samples = mix(inputs, _samples([2, 0, 3]))
    for key in ('video', 'audio'):
        assert torch.equal(out[key], inputs[key])
    scores = _scores(samples)
    assert scores.dtype == torch.float32 and scores.shape == (3, K)
    assert scores[0].tolist() == pytest.approx([OFF, OFF, ON, OFF])
    assert scores[1].tolist() == pytest.approx([ON, OFF, OFF, OFF])
    assert ON == pytest.approx(0.925) and OFF == pytest.approx(0.025)


def test_single_sample_batch():
    mix = AVMixup(num_classes=K, label_smoothing=SMOOTH)
    inputs = _batch(1)
    np.random.seed(0)
    out, samples = mix(inputs, _samples([1]))
    for key in ('video', 'audio'):
        torch.testing.assert_close(out[key], inputs[key])
    assert _scores(samples)[0].tolist() == pytest.approx(
        [OFF, ON, OFF, OFF])


def test_inputs_not_modified_in_place():
    mix = AVMixup(num_classes=K)
    inputs = _batch(4)
    copy = {k: v.clone() for k, v in inputs.items()}
    for seed in range(4):  # both mixup and cutmix
        np.random.seed(seed)
        mix(inputs, _samples([0, 1, 2, 3]))
    for key in copy:
        assert torch.equal(inputs[key], copy[key])


def test_bad_arguments_and_samples():
    with pytest.raises(ValueError, match='prob'):
        AVMixup(num_classes=K, prob=1.5)
    with pytest.raises(ValueError, match='gt_label'):
        AVMixup(num_classes=K)(_batch(2), [AVDataSample(), AVDataSample()])


def _preprocessor():
    return MODELS.build(dict(
        type='AVDataPreprocessor', mean=(0., 0., 0.), std=(1., 1., 1.),
        batch_augments=dict(type='AVMixup', num_classes=K, mixup_alpha=0.8,
                            cutmix_alpha=0., label_smoothing=SMOOTH)))


def _uint8_data(b=4, labels=(0, 1, 2, 3)):
    gen = torch.Generator().manual_seed(0)
    video = torch.randint(0, 256, (b, 3, 4, 32, 32), generator=gen,
                          dtype=torch.uint8)
    audio = torch.randn((b, 1, 32, 32), generator=gen)
    return dict(inputs=dict(video=video, audio=audio),
                data_samples=_samples(labels[:b]))


def test_preprocessor_mixes_only_in_training():
    pre = _preprocessor()
    data = _uint8_data()
    out = pre(data, training=False)
    assert torch.equal(out['inputs']['video'],
                       data['inputs']['video'].float())
    assert all('gt_score' not in s for s in out['data_samples'])
    np.random.seed(0)
    out = pre(_uint8_data(), training=True)
    assert not torch.equal(out['inputs']['video'],
                           data['inputs']['video'].float())
    assert all('gt_score' in s for s in out['data_samples'])
    # no data samples (e.g. inference): nothing to mix
    out = pre(dict(inputs=_uint8_data()['inputs']), training=True)
    assert torch.equal(out['inputs']['video'],
                       data['inputs']['video'].float())


def test_train_step_with_mixup_gives_finite_loss():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='AVRecognizer',
        data_preprocessor=dict(
            type='AVDataPreprocessor',
            batch_augments=dict(type='AVMixup', num_classes=3)),
        video_encoder=dict(type='VideoEncoder', img_size=32, num_frames=4,
                           embed_dims=32, depth=2, num_heads=2),
        audio_encoder=dict(type='AudioEncoder', input_size=(32, 32),
                           embed_dims=32, depth=2, num_heads=2),
        fusion=dict(type='CrossModalFusionEncoder', depth=1, num_heads=2),
        head=dict(type='HFFClsHead', num_classes=3)))
    wrapper = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3))
    np.random.seed(0)
    log_vars = model.train_step(_uint8_data(3, labels=(0, 1, 2)), wrapper)
    assert math.isfinite(log_vars['loss'].item())
    assert log_vars['loss_cls'].item() > 0
