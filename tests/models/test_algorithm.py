"""The HiCMAE pre-training algorithm and its data preprocessor."""
import math

import pytest
import torch
from mmengine.optim import OptimWrapper

from hicmae.models.layers import Block
from hicmae.registry import MODELS, OPTIM_WRAPPERS
from hicmae.structures import AVDataSample


def _con_keys(prefix, layers=(1, 2, 3)):
    return {f'{prefix}_con_l{i}' for i in layers}


def test_loss_keys_and_values(build_tiny, make_batch):
    model = build_tiny()
    data = model.data_preprocessor(make_batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == ({'loss_rec_video', 'loss_rec_audio'} |
                           _con_keys('loss') | _con_keys('acc'))
    for key, value in losses.items():
        assert value.dim() == 0 and math.isfinite(value.item()), key
    # the targets are normalised per patch: an untrained model is near 1
    assert 0.3 < losses['loss_rec_audio'].item() < 5
    assert losses['loss_con_l1'].requires_grad
    assert not losses['acc_con_l1'].requires_grad


def test_train_step_lowers_the_loss(build_tiny, make_batch):
    model = build_tiny(seed=0)
    model.train()
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=2e-3,
                                           weight_decay=0.0))
    batch = make_batch(batch_size=4, seed=1)
    history = []
    for _ in range(8):
        log_vars = model.train_step(batch, optim)
        history.append(log_vars['loss'].item())
    assert set(log_vars) >= {'loss', 'loss_rec_video', 'loss_rec_audio'}
    expected = sum(v.item() for k, v in log_vars.items()
                   if 'loss' in k and k != 'loss')
    assert log_vars['loss'].item() == pytest.approx(expected, rel=1e-5)
    assert all(math.isfinite(v) for v in history)
    assert history[-1] < history[0] * 0.97, history
    assert min(history[4:]) < min(history[:4]), history


def test_train_step_updates_every_trained_module(build_tiny, make_batch):
    model = build_tiny()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    model.train_step(make_batch(batch_size=2), optim)
    changed = {n.split('.')[0] for n, p in model.named_parameters()
               if not torch.equal(before[n], p)}
    assert changed == {'video_encoder', 'audio_encoder', 'fusion',
                       'video_decoder', 'audio_decoder'}


def test_predict_mode(build_tiny, make_batch):
    model = build_tiny().eval()
    batch = make_batch(batch_size=2)
    with torch.no_grad():
        samples = model.test_step(batch)
    assert len(samples) == 2 and all(isinstance(s, AVDataSample)
                                     for s in samples)
    hidden_video = 2 * 12  # 2 temporal positions x 12 hidden per frame
    for s in samples:
        assert s.pred_video.shape == s.target_video.shape == (hidden_video,
                                                              2 * 16 * 16 * 3)
        assert s.pred_audio.shape == s.target_audio.shape == (8, 256)


def test_tensor_mode_returns_outputs(build_tiny, make_batch):
    model = build_tiny().eval()
    data = model.data_preprocessor(make_batch(batch_size=2))
    with torch.no_grad():
        out = model(**data, mode='tensor')
    assert isinstance(out, dict)
    assert out['pred_video'].shape == (2, 24, 1536)
    assert out['pred_audio'].shape == (2, 8, 256)
    assert len(out['con_video']) == len(out['con_audio']) == 3
    assert out['con_video'][0].shape == (2, 8, 32)  # visible video tokens


def test_unknown_mode_raises(build_tiny, make_batch):
    model = build_tiny()
    data = model.data_preprocessor(make_batch(batch_size=2))
    with pytest.raises(ValueError, match="unknown mode 'bogus'"):
        model(**data, mode='bogus')


def test_missing_masks_raise(build_tiny, make_batch):
    model = build_tiny(video_masking=None, audio_masking=None)
    data = model.data_preprocessor(make_batch(batch_size=2))
    data['data_samples'] = [AVDataSample(), AVDataSample()]
    with pytest.raises(ValueError, match='video_mask'):
        model(**data, mode='loss')


def test_skip_layers_must_match_decoder_depth(build_tiny):
    with pytest.raises(ValueError, match='depth - 1'):
        build_tiny(skip_layers=(1, 3))


@pytest.mark.parametrize('overrides', [
    dict(contrastive_layers=(1, 2, 4)),
    dict(skip_layers=(1, 2, 4)),
])
def test_layer_index_outside_encoder_raises(build_tiny, overrides):
    with pytest.raises(ValueError, match='out index 4'):
        build_tiny(**overrides)


@pytest.mark.parametrize('skips', [(3, 2, 1), (1, 1, 2), (2, 1, 3)])
def test_skip_layers_must_increase(build_tiny, skips):
    with pytest.raises(ValueError, match='strictly increasing'):
        build_tiny(skip_layers=skips)


def test_out_layers_union(build_tiny):
    model = build_tiny(contrastive_layers=(0, 2), skip_layers=(1, 2, 3))
    assert model.out_layers == (0, 1, 2, 3)
    assert model.video_encoder.out_indices == (0, 1, 2, 3)


def test_without_contrastive_head(build_tiny, make_batch):
    model = build_tiny(contrastive_head=None)
    assert model.contrastive_head is None
    assert model.out_layers == (1, 2, 3)
    data = model.data_preprocessor(make_batch(batch_size=2))
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_rec_video', 'loss_rec_audio'}


def test_plain_decoder_without_skips(build_tiny, make_batch):
    model = build_tiny(skip_layers=(), contrastive_layers=(3, ))
    for decoder in (model.video_decoder, model.audio_decoder):
        assert decoder.num_skips == 0
        assert all(type(b) is Block for b in decoder.blocks)
    data = model.data_preprocessor(make_batch(batch_size=2))
    losses = model(**data, mode='loss')
    assert set(losses) == ({'loss_rec_video', 'loss_rec_audio'} |
                           _con_keys('loss', (3, )) | _con_keys('acc', (3, )))


def test_amp_bf16_train_step_on_cpu(build_tiny, make_batch):
    """Our mixed-precision wrapper runs a bf16 train step on the CPU."""
    model = build_tiny()
    optim = OPTIM_WRAPPERS.build(dict(
        type='MixedPrecisionOptimWrapper', dtype='bfloat16',
        optimizer=torch.optim.AdamW(model.parameters(), lr=1e-3)))
    with optim.optim_context(model):
        probe = model.video_encoder.blocks[0].mlp.fc1(torch.randn(2, 32))
    assert probe.dtype == torch.bfloat16
    before = [p.detach().clone() for p in model.parameters()]
    for _ in range(2):
        log_vars = model.train_step(make_batch(batch_size=2), optim)
    assert all(math.isfinite(v.item()) for v in log_vars.values())
    assert any(not torch.equal(b, p) for b, p in zip(before,
                                                     model.parameters()))
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_data_preprocessor_normalises_video_only():
    mean, std = (10., 20., 30.), (2., 4., 5.)
    pre = MODELS.build(dict(type='AVDataPreprocessor', mean=mean, std=std))
    video = torch.randint(0, 256, (2, 3, 4, 8, 8), dtype=torch.uint8)
    audio = torch.randn(2, 1, 16, 8)
    samples = [AVDataSample(), AVDataSample()]
    out = pre(dict(inputs=dict(video=video, audio=audio),
                   data_samples=samples))
    assert len(out['data_samples']) == 2
    v = out['inputs']['video']
    assert v.dtype == torch.float32 and v.shape == video.shape
    for c in range(3):
        expected = (video[:, c].float() - mean[c]) / std[c]
        torch.testing.assert_close(v[:, c], expected)
    assert torch.equal(out['inputs']['audio'], audio)


def test_data_preprocessor_default_stats_and_lists():
    pre = MODELS.build(dict(type='AVDataPreprocessor'))
    frames = [torch.full((3, 2, 4, 4), 255, dtype=torch.uint8)] * 2
    out = pre(dict(inputs=dict(video=frames)))
    v = out['inputs']['video']
    assert v.shape == (2, 3, 2, 4, 4)
    expected = (255 - torch.tensor([123.675, 116.28, 103.53])) / torch.tensor(
        [58.395, 57.12, 57.375])
    torch.testing.assert_close(v[0, :, 0, 0, 0], expected)
    assert 'audio' not in out['inputs']
    with pytest.raises(TypeError, match='dict'):
        pre(dict(inputs=torch.zeros(1)))
