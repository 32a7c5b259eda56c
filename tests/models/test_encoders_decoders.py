"""Video/audio encoders, the cross-modal fusion encoder and the decoder."""
import pytest
import torch
import torch.nn.functional as F

from hicmae.models.decoders.hierarchical_decoder import HierarchicalDecoder
from hicmae.models.encoders import AudioEncoder, VideoEncoder, keep_visible
from hicmae.models.fusion.cross_modal_fusion import CrossModalFusionEncoder
from hicmae.models.layers import Block, CrossSelfBlock
from hicmae.models.masking import RandomMaskGenerator, TubeMaskGenerator
from hicmae.registry import MODELS


def _video_encoder(**kw):
    args = dict(img_size=64, num_frames=4, tubelet_size=2, patch_size=16,
                embed_dims=32, depth=4, num_heads=2)
    args.update(kw)
    return VideoEncoder(**args)


def _audio_encoder(**kw):
    args = dict(input_size=(64, 32), patch_size=16, embed_dims=32, depth=3,
                num_heads=2)
    args.update(kw)
    return AudioEncoder(**args)


def _masks(kind, batch, grid, ratio):
    gen = torch.Generator().manual_seed(0)
    return kind(ratio)(grid, batch, 'cpu', gen)


def test_video_encoder_with_mask():
    torch.manual_seed(0)
    enc = _video_encoder(out_indices=(1, 3))
    assert enc.num_patches == 32
    mask = _masks(TubeMaskGenerator, 2, (2, 4, 4), 0.75)  # 8 of 32 visible
    tokens, inters = enc(torch.randn(2, 3, 4, 64, 64), mask)
    assert tokens.shape == (2, 8, 32)
    assert len(inters) == 2
    assert all(x.shape == (2, 8, 32) for x in inters)
    # the last intermediate is the final block's output after the norm
    torch.testing.assert_close(inters[-1], tokens)


def test_audio_encoder_with_and_without_mask():
    torch.manual_seed(0)
    enc = MODELS.build(dict(type='AudioEncoder', input_size=(64, 32),
                            patch_size=16, embed_dims=32, depth=3,
                            num_heads=2, out_indices=(0, )))
    assert enc.num_patches == 8
    x = torch.randn(3, 1, 64, 32)
    mask = _masks(RandomMaskGenerator, 3, (8, ), 0.5)
    tokens, inters = enc(x, mask)
    assert tokens.shape == (3, 4, 32) and len(inters) == 1
    full, inters_full = enc(x)
    assert full.shape == (3, 8, 32) and len(inters_full) == 1


def test_masked_tokens_do_not_influence_visible_outputs():
    torch.manual_seed(0)
    enc = _audio_encoder().eval()
    x = torch.randn(1, 1, 64, 32)
    mask = torch.zeros(1, 8, dtype=torch.bool)
    mask[0, :4] = True  # hide the first 4 patches: time rows 0..1
    out, _ = enc(x, mask)
    y = x.clone()
    y[:, :, :32] = torch.randn(1, 1, 32, 32)
    out2, _ = enc(y, mask)
    torch.testing.assert_close(out, out2)


@pytest.mark.parametrize('build', [_video_encoder, _audio_encoder])
def test_out_index_outside_depth_raises(build):
    with pytest.raises(ValueError, match=r'out index 5 .*valid: 0\.\.') as e:
        build(depth=3, out_indices=(1, 5))
    assert 'depth' in str(e.value)
    with pytest.raises(ValueError, match='out index -1'):
        build(depth=3, out_indices=(-1, ))


def test_unequal_visible_counts_raise():
    enc = _audio_encoder()
    mask = torch.zeros(2, 8, dtype=torch.bool)
    mask[0, :4] = True
    mask[1, :3] = True
    with pytest.raises(ValueError, match='same number'):
        enc(torch.randn(2, 1, 64, 32), mask)


def test_keep_visible_rejects_wrong_masks():
    tokens = torch.randn(2, 4, 3)
    with pytest.raises(ValueError, match='bool'):
        keep_visible(tokens, torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match='shape'):
        keep_visible(tokens, torch.zeros(2, 5, dtype=torch.bool))
    mask = torch.tensor([[True, False, False, True],
                         [False, True, False, True]])
    out = keep_visible(tokens, mask)
    torch.testing.assert_close(out[0], tokens[0, [1, 2]])
    torch.testing.assert_close(out[1], tokens[1, [0, 2]])


def test_encoder_get_layer_depth():
    enc = _video_encoder(depth=4)
    assert enc.get_layer_depth('patch_embed.proj.weight') == (0, 6)
    assert enc.get_layer_depth('pos_embed') == (0, 6)
    assert enc.get_layer_depth('blocks.0.attn.qkv.weight') == (1, 6)
    assert enc.get_layer_depth('blocks.3.mlp.fc2.bias') == (4, 6)
    assert enc.get_layer_depth('norm.weight') == (5, 6)


def test_fusion_get_layer_depth():
    fusion = CrossModalFusionEncoder(32, 32, depth=2, num_heads=2)
    assert fusion.get_layer_depth('video_blocks.0.attn.qkv.weight') == (0, 3)
    assert fusion.get_layer_depth('audio_blocks.1.mlp.fc1.weight') == (1, 3)
    assert fusion.get_layer_depth('video_norm.weight') == (2, 3)


def _grads(module):
    return {n: p.grad.clone() for n, p in module.named_parameters()
            if p.grad is not None}


def test_with_cp_gives_identical_outputs_and_gradients():
    torch.manual_seed(0)
    plain = _video_encoder(out_indices=(1, ))
    ckpt = _video_encoder(out_indices=(1, ), with_cp=True)
    ckpt.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 4, 64, 64)
    mask = _masks(TubeMaskGenerator, 2, (2, 4, 4), 0.5)
    outs = []
    for enc in (plain, ckpt):
        enc.train()
        tokens, inters = enc(x, mask)
        (tokens.square().mean() + inters[0].sum()).backward()
        outs.append((tokens.detach(), _grads(enc)))
    torch.testing.assert_close(outs[0][0], outs[1][0], atol=1e-6, rtol=0)
    assert outs[0][1].keys() == outs[1][1].keys()
    assert len(outs[0][1]) == len(list(plain.parameters()))
    for name, grad in outs[0][1].items():
        torch.testing.assert_close(grad, outs[1][1][name], atol=1e-6,
                                   rtol=1e-5, msg=name)


def test_fusion_shapes_with_different_widths():
    torch.manual_seed(0)
    fusion = CrossModalFusionEncoder(video_dims=32, audio_dims=24, depth=2,
                                     num_heads=2)
    v, a = torch.randn(2, 9, 32), torch.randn(2, 5, 24)
    fv, fa = fusion(v, a)
    assert fv.shape == v.shape and fa.shape == a.shape
    assert len(fusion.video_blocks) == len(fusion.audio_blocks) == 2


def test_fusion_streams_depend_on_each_other():
    torch.manual_seed(0)
    fusion = CrossModalFusionEncoder(16, 16, depth=1, num_heads=2)
    v, a = torch.randn(1, 4, 16), torch.randn(1, 3, 16)
    fv, fa = fusion(v, a)
    fv2, fa2 = fusion(v, a + 1.0 * torch.randn_like(a))
    assert not torch.allclose(fv, fv2)  # video attended to the audio


def test_fusion_depth_zero_is_only_the_norms():
    fusion = CrossModalFusionEncoder(16, 8, depth=0, num_heads=2)
    assert len(fusion.video_blocks) == 0
    v, a = torch.randn(2, 4, 16), torch.randn(2, 3, 8)
    fv, fa = fusion(v, a)
    torch.testing.assert_close(fv, F.layer_norm(v, (16, ), eps=1e-6))
    torch.testing.assert_close(fa, F.layer_norm(a, (8, ), eps=1e-6))


def _decoder(num_skips=3, depth=4):
    return HierarchicalDecoder(in_dims=32, embed_dims=16, depth=depth,
                               num_heads=2, num_patches=12, out_channels=20,
                               num_skips=num_skips)


def _dec_inputs(batch=2, hidden=8, n=12):
    mask = _masks(RandomMaskGenerator, batch, (n, ), hidden / n)
    x_vis = torch.randn(batch, n - hidden, 32)
    skips = [torch.randn(batch, n - hidden, 32) for _ in range(3)]
    return x_vis, mask, skips


def test_decoder_output_shape():
    torch.manual_seed(0)
    dec = _decoder()
    assert [type(b) for b in dec.blocks] == [Block] + [CrossSelfBlock] * 3
    x_vis, mask, skips = _dec_inputs()
    assert dec(x_vis, mask, skips).shape == (2, 8, 20)
    plain = _decoder(num_skips=0)
    assert all(type(b) is Block for b in plain.blocks)
    assert plain(x_vis, mask).shape == (2, 8, 20)


def test_decoder_attends_to_the_deepest_skip_first():
    torch.manual_seed(0)
    dec = _decoder().eval()
    x_vis, mask, skips = _dec_inputs()
    seen = {}

    def hook(idx):
        def fn(module, args):
            seen[idx] = args[1].detach()
        return fn

    for i in (1, 2, 3):
        dec.blocks[i].register_forward_pre_hook(hook(i))
    dec(x_vis, mask, skips)
    pos = dec.pos_embed.expand(2, -1, -1)
    pos_vis = pos[~mask].reshape(2, -1, 16)
    for block_idx, skip_idx in ((1, 2), (2, 1), (3, 0)):
        expected = dec.embed(skips[skip_idx]) + pos_vis
        torch.testing.assert_close(seen[block_idx], expected)


@pytest.mark.parametrize('num_skips', [1, 2, 4])
def test_decoder_bad_num_skips_raises(num_skips):
    with pytest.raises(ValueError, match='depth - 1'):
        _decoder(num_skips=num_skips, depth=4)


def test_decoder_wrong_number_of_skips_at_forward_raises():
    dec = _decoder()
    x_vis, mask, skips = _dec_inputs()
    with pytest.raises(ValueError, match='expects 3 skip'):
        dec(x_vis, mask, skips[:2])
    with pytest.raises(ValueError, match='expects 3 skip'):
        dec(x_vis, mask)
