"""The fine-tuning recognizer: variants, predictions, pre-trained loading."""
from pathlib import Path

import pytest
import torch

from hicmae.registry import MODELS
from hicmae.structures import AVDataSample
from hicmae.utils.official_config import pretrain_model_cfg
from hicmae.utils.pretrained import load_pretrained

# the parity fixtures ship with the repository (tests/data/parity/README.md)
PARITY = Path(__file__).resolve().parents[1] / 'data' / 'parity'


def _cfg(video=True, audio=True, fusion=True, head=None):
    return dict(
        type='AVRecognizer',
        video_encoder=dict(type='VideoEncoder', img_size=32, num_frames=4,
                           embed_dims=32, depth=3, num_heads=2)
        if video else None,
        audio_encoder=dict(type='AudioEncoder', input_size=(32, 32),
                           embed_dims=48, depth=2, num_heads=2)
        if audio else None,
        fusion=dict(type='CrossModalFusionEncoder', depth=1, num_heads=2)
        if fusion else None,
        head=head or dict(type='HFFClsHead', num_classes=5))


INPUTS = dict(video=torch.randn(2, 3, 4, 32, 32),
              audio=torch.randn(2, 1, 32, 32))


@pytest.mark.parametrize('video,audio,fusion,dims', [
    (True, True, True, 2 * (32 + 48)), (True, True, False, 32 + 48),
    (True, False, True, 32), (False, True, True, 48)])
def test_head_size_follows_the_modalities(video, audio, fusion, dims):
    model = MODELS.build(_cfg(video, audio, fusion))
    assert model.head.feature_dims == dims
    assert (model.fusion is not None) == (video and audio and fusion)
    out = model(INPUTS, mode='tensor')
    assert out.shape == (2, 5)


def test_predict_gives_probabilities_and_labels():
    model = MODELS.build(_cfg()).eval()
    samples = model(INPUTS, [AVDataSample(), AVDataSample()], mode='predict')
    with torch.no_grad():
        expected = model(INPUTS, mode='tensor').softmax(-1)
    for s, probs in zip(samples, expected):
        # the softmax of the logits, not merely something summing to 1
        torch.testing.assert_close(s.pred_score, probs)
        assert int(s.pred_label) == int(s.pred_score.argmax())


def test_regression_head_outputs_values_in_activation_range():
    model = MODELS.build(_cfg(head=dict(type='HFFRegHead', num_targets=3,
                                        activation='sigmoid')))
    samples = [AVDataSample().set_gt_value([0.2, 0.5, 0.9])
               for _ in range(2)]
    losses = model(INPUTS, samples, mode='loss')
    assert set(losses) == {'loss_reg'} and losses['loss_reg'].item() > 0
    preds = model(INPUTS, mode='predict')
    assert all(((p.pred_value > 0) & (p.pred_value < 1)).all()
               for p in preds)


def test_missing_modality_in_the_batch_is_a_clear_error():
    model = MODELS.build(_cfg())
    with pytest.raises(ValueError, match='no audio'):
        model(dict(video=INPUTS['video']), mode='tensor')


def test_loads_an_official_pretraining_checkpoint(tmp_path):
    fixture = torch.load(PARITY / 'pretrain_small.pt',
                         weights_only=True)
    src = tmp_path / 'official.pth'
    torch.save({'model': fixture['state_dict']}, src)
    pre = MODELS.build(pretrain_model_cfg(fixture['config']))
    enc = pre.video_encoder
    cfg = dict(
        type='AVRecognizer',
        video_encoder=dict(type='VideoEncoder', img_size=64,
                           embed_dims=enc.embed_dims, depth=enc.depth,
                           num_heads=4),
        audio_encoder=dict(type='AudioEncoder', input_size=(64, 64),
                           embed_dims=pre.audio_encoder.embed_dims,
                           depth=pre.audio_encoder.depth, num_heads=4),
        fusion=dict(type='CrossModalFusionEncoder', depth=2, num_heads=4),
        head=dict(type='HFFClsHead', num_classes=3),
        init_cfg=dict(type='Pretrained', checkpoint=str(src)))
    model = MODELS.build(cfg)
    model.init_weights()
    report = load_pretrained(model, str(src))
    # every encoder and fusion tensor comes from the checkpoint ...
    assert not [k for k in report['missing'] if not k.startswith('head.')]
    # ... the decoders are dropped, and the weights are the reference's
    assert any(k.startswith('video_decoder.') for k in report['unexpected'])
    ref = fixture['state_dict']['encoder.blocks.0.attn.qkv.weight']
    assert torch.equal(model.video_encoder.blocks[0].attn.qkv.weight, ref)


def test_shape_mismatches_are_skipped_and_reported(tmp_path):
    src = MODELS.build(_cfg(head=dict(type='HFFClsHead', num_classes=7)))
    path = tmp_path / 'ft.pth'
    torch.save({'state_dict': src.state_dict()}, path)
    model = MODELS.build(_cfg())
    report = load_pretrained(model, str(path))
    assert any(m.startswith('head.fc.weight') for m in report['mismatched'])
    assert 'head.fc.weight' in report['missing']
    assert torch.equal(model.audio_encoder.norm.weight,
                       src.audio_encoder.norm.weight)
