"""Attention, blocks, patch embeddings and position tables."""
import math

import pytest
import torch
from torch import nn

from hicmae.models.layers import (Attention, Block, CrossSelfBlock,
                                  PatchEmbed2D, PatchEmbed3D, sincos_table)


def _randomise_biases(attn: Attention) -> None:
    with torch.no_grad():
        attn.q_bias.normal_(0, 0.5)
        attn.v_bias.normal_(0, 0.5)


@pytest.mark.parametrize('with_bias', [False, True])
def test_self_attention_sdpa_matches_explicit(with_bias):
    torch.manual_seed(0)
    fused = Attention(32, num_heads=4, use_sdpa=True)
    if with_bias:
        _randomise_biases(fused)
    explicit = Attention(32, num_heads=4, use_sdpa=False)
    explicit.load_state_dict(fused.state_dict())
    x = torch.randn(3, 11, 32)
    out_fused, out_explicit = fused(x), explicit(x)
    assert out_fused.shape == (3, 11, 32)
    torch.testing.assert_close(out_fused, out_explicit, atol=1e-5, rtol=0)


@pytest.mark.parametrize('with_bias', [False, True])
def test_cross_attention_sdpa_matches_explicit(with_bias):
    torch.manual_seed(1)
    fused = Attention(32, num_heads=2, context_dims=48, use_sdpa=True)
    if with_bias:
        _randomise_biases(fused)
    explicit = Attention(32, num_heads=2, context_dims=48, use_sdpa=False)
    explicit.load_state_dict(fused.state_dict())
    x, ctx = torch.randn(2, 7, 32), torch.randn(2, 13, 48)
    out_fused = fused(x, ctx)
    assert out_fused.shape == (2, 7, 32)
    torch.testing.assert_close(out_fused, explicit(x, ctx), atol=1e-5,
                               rtol=0)


def test_self_attention_matches_manual_multi_head_formula():
    """q, k, v are the three slices of ``qkv``; heads split the channels."""
    torch.manual_seed(2)
    dims, heads = 16, 2
    attn = Attention(dims, num_heads=heads, use_sdpa=False)
    _randomise_biases(attn)
    x = torch.randn(2, 5, dims)
    w = attn.qkv.weight
    q = x @ w[:dims].t() + attn.q_bias
    k = x @ w[dims:2 * dims].t()
    v = x @ w[2 * dims:].t() + attn.v_bias
    hd = dims // heads
    outs = []
    for h in range(heads):
        sl = slice(h * hd, (h + 1) * hd)
        weights = torch.softmax(q[..., sl] @ k[..., sl].transpose(1, 2) /
                                math.sqrt(hd), dim=-1)
        outs.append(weights @ v[..., sl])
    expected = attn.proj(torch.cat(outs, dim=-1))
    torch.testing.assert_close(attn(x), expected, atol=1e-5, rtol=1e-5)


def test_k_bias_is_a_non_persistent_zero_buffer():
    attn = Attention(16, num_heads=2)
    params = dict(attn.named_parameters())
    assert 'q_bias' in params and 'v_bias' in params
    assert 'k_bias' not in params
    assert 'k_bias' in dict(attn.named_buffers())
    assert 'k_bias' not in attn.state_dict()
    assert torch.count_nonzero(attn.k_bias) == 0
    cross = Attention(16, num_heads=2, context_dims=8)
    assert 'k_bias' not in cross.state_dict()
    assert 'k_bias' not in dict(cross.named_parameters())


def test_k_bias_does_not_change_attention():
    """Any k bias shifts a query's logits uniformly, which softmax cancels."""
    torch.manual_seed(3)
    attn = Attention(16, num_heads=2)
    _randomise_biases(attn)
    x = torch.randn(2, 6, 16)
    before = attn(x)
    attn.k_bias.normal_(0, 3.0)
    torch.testing.assert_close(attn(x), before, atol=1e-5, rtol=1e-5)


def test_no_qkv_bias_has_no_bias_parameters():
    attn = Attention(16, num_heads=2, qkv_bias=False)
    assert attn.q_bias is None and attn.v_bias is None
    assert not any('bias' in k and 'proj' not in k
                   for k in attn.state_dict())


def test_dims_not_divisible_by_heads_raises():
    with pytest.raises(ValueError, match='divisible'):
        Attention(30, num_heads=4)


def test_cross_attention_without_context_raises():
    attn = Attention(16, num_heads=2, context_dims=8)
    with pytest.raises(ValueError, match='context'):
        attn(torch.randn(1, 3, 16))


def test_block_and_cross_self_block_preserve_shape():
    torch.manual_seed(0)
    block = Block(32, num_heads=4)
    x = torch.randn(2, 9, 32)
    assert block(x).shape == x.shape
    cs = CrossSelfBlock(32, context_dims=24, num_heads=4)
    out = cs(x, torch.randn(2, 5, 24))
    assert out.shape == x.shape
    assert not torch.allclose(out, x)


def test_layer_scale_parameters():
    block = Block(16, num_heads=2, init_values=0.1)
    state = block.state_dict()
    for name in ('ls1.gamma', 'ls2.gamma'):
        assert name in state
        torch.testing.assert_close(state[name], torch.full((16, ), 0.1))
    cs = CrossSelfBlock(16, 8, num_heads=2, init_values=0.1)
    assert {'ls0.gamma', 'ls1.gamma', 'ls2.gamma'} <= set(cs.state_dict())
    plain = Block(16, num_heads=2, init_values=0.)
    assert isinstance(plain.ls1, nn.Identity)
    assert not any('gamma' in k for k in plain.state_dict())


def test_layer_scale_scales_the_residual_branch():
    """With gamma=0 the block is the identity."""
    block = Block(16, num_heads=2, init_values=1e-3)
    with torch.no_grad():
        block.ls1.gamma.zero_()
        block.ls2.gamma.zero_()
    x = torch.randn(2, 4, 16)
    torch.testing.assert_close(block(x), x)


def test_drop_path_stochastic_in_training_deterministic_in_eval():
    torch.manual_seed(0)
    block = Block(16, num_heads=2, drop_path=0.5)
    x = torch.randn(16, 4, 16)
    block.train()
    outs = [block(x) for _ in range(4)]
    assert any(not torch.allclose(outs[0], o) for o in outs[1:])
    block.eval()
    torch.testing.assert_close(block(x), block(x), atol=0, rtol=0)


def test_sincos_table_shape_and_values():
    table = sincos_table(10, 8)
    assert table.shape == (1, 10, 8)
    assert table.dtype == torch.float32
    torch.testing.assert_close(table[0, 0],
                               torch.tensor([0., 1.] * 4))
    p, i, d = 3, 2, 8
    assert table[0, p, 2 * i].item() == pytest.approx(
        math.sin(p / 10000**(2 * i / d)), abs=1e-6)
    assert table[0, p, 2 * i + 1].item() == pytest.approx(
        math.cos(p / 10000**(2 * i / d)), abs=1e-6)


def test_patch_embed_3d_token_count_and_errors():
    embed = PatchEmbed3D(img_size=64, num_frames=4, tubelet_size=2,
                         patch_size=16, in_channels=3, embed_dims=24)
    assert embed.grid_size == (2, 4, 4)
    assert embed.num_patches == 32
    assert embed(torch.randn(2, 3, 4, 64, 64)).shape == (2, 32, 24)
    with pytest.raises(ValueError, match='built for'):
        embed(torch.randn(2, 3, 4, 32, 32))
    with pytest.raises(ValueError, match='not divisible'):
        PatchEmbed3D(img_size=60, num_frames=4, patch_size=16)
    with pytest.raises(ValueError, match='not divisible'):
        PatchEmbed3D(img_size=64, num_frames=5, tubelet_size=2)


def test_patch_embed_2d_token_count_and_errors():
    embed = PatchEmbed2D(input_size=(64, 48), patch_size=16, embed_dims=8)
    assert embed.grid_size == (4, 3)
    assert embed.num_patches == 12
    assert embed(torch.randn(3, 1, 64, 48)).shape == (3, 12, 8)
    with pytest.raises(ValueError, match='built for'):
        embed(torch.randn(3, 1, 48, 64))
    with pytest.raises(ValueError, match='not divisible'):
        PatchEmbed2D(input_size=(60, 64), patch_size=16)


def test_patch_embed_3d_token_order_is_t_h_w():
    """Token (t, h, w) sees only its own tubelet."""
    embed = PatchEmbed3D(img_size=32, num_frames=4, tubelet_size=2,
                         patch_size=16, in_channels=1, embed_dims=4)
    x = torch.zeros(1, 1, 4, 32, 32)
    x[:, :, 2:4, 16:32, 0:16] = 1.0  # t=1, h=1, w=0 -> token 1*4 + 1*2 + 0
    base = embed(torch.zeros_like(x))
    changed = (embed(x) - base).abs().sum(-1)[0]
    assert changed.nonzero().flatten().tolist() == [6]


@pytest.mark.parametrize('embed,shape', [
    # a non-square frame (2 x 2 x 3 tubes) catches swapped grid axes
    (PatchEmbed3D(img_size=(32, 48), num_frames=4, tubelet_size=2,
                  patch_size=16, in_channels=3, embed_dims=8),
     (2, 3, 4, 32, 48)),
    (PatchEmbed2D(input_size=(64, 48), patch_size=16, embed_dims=8),
     (2, 1, 64, 48)),
])
def test_patch_embed_of_kept_patches_equals_convolution(embed, shape):
    """Projecting only the kept patches gives the convolution's tokens."""
    torch.manual_seed(0)
    x = torch.randn(shape)
    n = embed.num_patches
    keep = torch.zeros(2, n, dtype=torch.bool)
    keep[0, [0, 3, n - 1]] = True
    keep[1, [1, 2, 4]] = True
    full = embed(x)
    kept = embed(x, keep)
    assert kept.shape == (2, 3, 8)
    torch.testing.assert_close(kept, full[keep].reshape(2, 3, 8),
                               rtol=1e-5, atol=1e-5)
