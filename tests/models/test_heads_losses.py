"""Reconstruction targets, patchify, InfoNCE and the contrastive head."""
import math

import pytest
import torch

from hicmae.models.heads import (HierarchicalContrastiveHead,
                                 ReconstructionHead, patchify)
from hicmae.models.losses.infonce import InfoNCELoss
from hicmae.registry import MODELS


def test_patchify_video_ordering():
    b, c, t, h, w = 2, 3, 4, 8, 12
    pt, ph, pw = 2, 4, 4
    x = torch.arange(b * c * t * h * w, dtype=torch.float32).reshape(
        b, c, t, h, w)
    patches = patchify(x, (pt, ph, pw))
    gt, gh, gw = t // pt, h // ph, w // pw
    assert patches.shape == (b, gt * gh * gw, pt * ph * pw, c)
    # token (1, 1, 2), value (1, 3, 0), channel 2 of sample 1
    token = 1 * gh * gw + 1 * gw + 2
    value = (1 * ph + 3) * pw + 0
    assert patches[1, token, value, 2] == x[1, 2, 1 * pt + 1, 1 * ph + 3,
                                            2 * pw + 0]
    # exhaustive check against explicit loops
    for tt in range(gt):
        for hh in range(gh):
            for ww in range(gw):
                n = (tt * gh + hh) * gw + ww
                block = x[:, :, tt * pt:(tt + 1) * pt, hh * ph:(hh + 1) * ph,
                          ww * pw:(ww + 1) * pw]
                expected = block.permute(0, 2, 3, 4, 1).reshape(b, -1, c)
                assert torch.equal(patches[:, n], expected)


def test_patchify_audio_and_bad_size():
    x = torch.arange(1 * 1 * 8 * 6, dtype=torch.float32).reshape(1, 1, 8, 6)
    patches = patchify(x, (4, 3))
    assert patches.shape == (1, 4, 12, 1)
    # token 1 is time block 0, mel block 1
    assert patches[0, 1, :, 0].tolist() == x[0, 0, 0:4, 3:6].flatten(
    ).tolist()
    with pytest.raises(ValueError, match='cannot be cut'):
        patchify(x, (5, 3))
    with pytest.raises(ValueError, match='cannot be cut'):
        patchify(x, (4, 3, 1))


def test_norm_pix_target_has_zero_mean_unit_std_per_patch():
    torch.manual_seed(0)
    head = ReconstructionHead(patch_size=(4, 4), norm_pix=True)
    x = torch.randn(2, 1, 8, 8) * 3 + 5
    mask = torch.tensor([[True, False, True, True],
                         [False, True, True, True]])
    target = head.target(x, mask)
    assert target.shape == (2, 3, 16)
    torch.testing.assert_close(target.mean(-1), torch.zeros(2, 3),
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(target.std(-1), torch.ones(2, 3), atol=1e-4,
                               rtol=0)
    # hidden tokens in mask order: sample 0 has tokens 0, 2, 3
    p = x[0, 0, 4:8, 0:4].flatten()  # token 2
    torch.testing.assert_close(target[0, 1], (p - p.mean()) /
                               (p.std() + 1e-6), atol=1e-5, rtol=0)


def test_norm_pix_is_per_channel_for_video():
    torch.manual_seed(0)
    head = ReconstructionHead(patch_size=(2, 4, 4), norm_pix=True)
    x = torch.randn(1, 3, 2, 4, 4)
    x[:, 1] += 10
    target = head.target(x, torch.tensor([[True]]))
    per_channel = target.reshape(1, 1, 32, 3)
    torch.testing.assert_close(per_channel.mean(2), torch.zeros(1, 1, 3),
                               atol=1e-5, rtol=0)


def test_frame_diff_target_matches_independent_computation():
    torch.manual_seed(0)
    pt, ph, pw, c = 2, 4, 4, 3
    head = ReconstructionHead(patch_size=(pt, ph, pw), norm_pix=True,
                              frame_diff=True)
    x = torch.randn(2, c, 4, 8, 8)
    mask = torch.zeros(2, 8, dtype=torch.bool)
    mask[:, [0, 5, 6]] = True
    target = head.target(x, mask)
    assert target.shape == (2, 3, pt * ph * pw * c)
    for bi in range(2):
        for j, token in enumerate((0, 5, 6)):
            tt, rest = divmod(token, 4)
            hh, ww = divmod(rest, 2)
            tube = x[bi, :, tt * pt:(tt + 1) * pt, hh * ph:(hh + 1) * ph,
                     ww * pw:(ww + 1) * pw]  # (C, 2, ph, pw)
            flat = tube.reshape(c, -1)
            normed = (flat - flat.mean(1, keepdim=True)) / (
                flat.std(1, keepdim=True) + 1e-6)
            normed = normed.reshape(c, pt, ph, pw)
            expected = torch.stack([normed[:, 0], normed[:, 1] -
                                    normed[:, 0]], dim=1)
            expected = expected.permute(1, 2, 3, 0).reshape(-1)
            torch.testing.assert_close(target[bi, j], expected, atol=1e-5,
                                       rtol=1e-5)


def test_unnormalize_before_target():
    mean, std = (0.5, 0.25, 0.1), (0.2, 0.3, 0.4)
    head = ReconstructionHead(patch_size=(1, 2, 2), norm_pix=False,
                              unnormalize_mean=mean, unnormalize_std=std)
    x = torch.zeros(1, 3, 1, 2, 2)
    x[:, 1] = 1.0
    target = head.target(x, torch.tensor([[True]])).reshape(4, 3)
    torch.testing.assert_close(target[0], torch.tensor([0.5, 0.55, 0.1]))
    with pytest.raises(ValueError, match='both'):
        ReconstructionHead(patch_size=(2, 2), unnormalize_mean=mean)


def test_reconstruction_loss_is_masked_mse():
    torch.manual_seed(0)
    head = ReconstructionHead(patch_size=(2, 2), norm_pix=False,
                              loss_weight=2.0)
    x = torch.randn(1, 1, 4, 4)
    mask = torch.tensor([[False, True, True, False]])
    target = head.target(x, mask)
    pred = target + 0.5
    assert head.loss(pred, x, mask).item() == pytest.approx(2 * 0.25)
    with pytest.raises(ValueError, match='out_channels'):
        head.loss(pred[..., :3], x, mask)


def _hand_infonce(a, b, tau):
    a = a.double() / a.double().norm(dim=1, keepdim=True)
    b = b.double() / b.double().norm(dim=1, keepdim=True)
    sim = a @ b.t() / tau
    n = sim.shape[0]
    loss_ab = loss_ba = 0.
    for i in range(n):
        loss_ab += -(sim[i, i] - torch.logsumexp(sim[i], 0))
        loss_ba += -(sim[i, i] - torch.logsumexp(sim[:, i], 0))
    return 0.5 * (loss_ab / n + loss_ba / n)


@pytest.mark.parametrize('tau', [0.07, 0.5])
def test_infonce_matches_hand_computation(tau):
    torch.manual_seed(0)
    a, b = torch.randn(5, 8), torch.randn(5, 8) * 3
    loss = InfoNCELoss(temperature=tau)(a, b)
    assert loss.item() == pytest.approx(_hand_infonce(a, b, tau).item(),
                                        rel=1e-5)


def test_infonce_is_asymmetric_per_direction_but_symmetric_overall():
    torch.manual_seed(1)
    a, b = torch.randn(4, 6), torch.randn(4, 6)
    loss_fn = InfoNCELoss(temperature=0.1)
    logits_a, logits_b, targets = loss_fn.logits(a, b)
    torch.testing.assert_close(logits_a, logits_b.t())
    assert targets.tolist() == [0, 1, 2, 3]
    assert loss_fn(a, b).item() == pytest.approx(loss_fn(b, a).item(),
                                                 rel=1e-6)


def test_aligned_features_give_near_zero_loss():
    feats = torch.eye(6, 16) * 4.0  # orthogonal, perfectly paired
    low = InfoNCELoss(temperature=0.01)(feats, feats.clone())
    assert low.item() < 1e-6
    high = InfoNCELoss(temperature=1.0)(feats, feats.clone())
    assert high.item() > 0.5
    shuffled = InfoNCELoss(temperature=0.01)(feats, feats.roll(1, 0))
    assert shuffled.item() > 10


def test_contrastive_head_keys_and_values():
    torch.manual_seed(0)
    head = MODELS.build(dict(type='HierarchicalContrastiveHead',
                             loss=dict(type='InfoNCELoss', temperature=0.1),
                             loss_weight=0.5))
    assert isinstance(head, HierarchicalContrastiveHead)
    layers = (1, 4, 7)
    video = [torch.randn(4, 6, 8) for _ in layers]
    audio = [torch.randn(4, 3, 8) for _ in layers]
    out = head.loss(video, audio, layers)
    assert set(out) == {f'{p}_con_l{i}' for p in ('loss', 'acc')
                        for i in layers}
    assert all('loss' not in k for k in out if k.startswith('acc'))
    for v, a, i in zip(video, audio, layers):
        ref = InfoNCELoss(0.1)(v.mean(1), a.mean(1))
        assert out[f'loss_con_l{i}'].item() == pytest.approx(
            0.5 * ref.item(), rel=1e-5)
        acc = out[f'acc_con_l{i}']
        assert 0 <= acc.item() <= 1 and not acc.requires_grad


def test_contrastive_head_accuracy_for_aligned_pairs():
    head = HierarchicalContrastiveHead()
    feats = torch.eye(4, 8).unsqueeze(1).repeat(1, 3, 1)
    out = head.loss([feats], [feats.clone()], [2])
    assert out['acc_con_l2'].item() == 1.0
    out = head.loss([feats], [feats.roll(1, 0)], [2])
    assert out['acc_con_l2'].item() == 0.0
    assert head.loss_weight == 0.0025
    assert math.isfinite(out['loss_con_l2'].item())
