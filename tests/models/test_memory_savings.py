"""Speed and memory measures of the training step: selective activation
checkpointing, the attention's backward, the CPU allocator setting and the
memory figures the benchmark tools report."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from hicmae.models.decoders.hierarchical_decoder import HierarchicalDecoder
from hicmae.models.layers import Attention, check_cp_mode
from hicmae.utils import keep_freed_memory
from hicmae.utils.memory_stats import forward_activation_mib, tensor_peak_mib

REPO_ROOT = Path(__file__).resolve().parents[2]


def _decoder(with_cp=False) -> HierarchicalDecoder:
    torch.manual_seed(0)
    return HierarchicalDecoder(in_dims=48, embed_dims=64, depth=3,
                               num_heads=4, num_patches=256,
                               out_channels=32, num_skips=2,
                               with_cp=with_cp)


def _decoder_inputs():
    gen = torch.Generator().manual_seed(1)
    mask = torch.zeros(2, 256, dtype=torch.bool)
    mask[:, 32:] = True  # 32 visible, 224 hidden tokens per sample
    x_vis = torch.randn(2, 32, 48, generator=gen, requires_grad=True)
    skips = [torch.randn(2, 32, 48, generator=gen) for _ in range(2)]
    return x_vis, mask, skips


@pytest.mark.parametrize('mode', ['selective', 'full'])
def test_checkpointing_keeps_outputs_and_gradients(mode):
    results = []
    for with_cp in (False, mode):
        decoder = _decoder(with_cp)
        decoder.train()
        x_vis, mask, skips = _decoder_inputs()
        out = decoder(x_vis, mask, skips)
        out.square().mean().backward()
        grads = {n: p.grad.clone() for n, p in decoder.named_parameters()}
        results.append((out.detach(), grads, x_vis.grad.clone()))
    (out0, g0, x0), (out1, g1, x1) = results
    torch.testing.assert_close(out1, out0, atol=1e-6, rtol=0)
    torch.testing.assert_close(x1, x0, atol=1e-6, rtol=1e-5)
    assert g0.keys() == g1.keys()
    for name in g0:
        torch.testing.assert_close(g1[name], g0[name], atol=1e-6, rtol=1e-5,
                                   msg=name)


def test_selective_checkpointing_holds_fewer_activations():
    x_vis, mask, skips = _decoder_inputs()

    def held(with_cp) -> float:
        decoder = _decoder(with_cp)
        decoder.train()
        # the forward's peak is the activations it keeps for backward
        return tensor_peak_mib(lambda: decoder(x_vis, mask, skips), decoder)
    plain, selective, full = held(False), held('selective'), held('full')
    assert plain is not None, 'PyTorch has no memory tracker'
    # selective drops the layer-norm and GELU outputs, full keeps block
    # inputs only
    assert full < selective < 0.85 * plain, (plain, selective, full)


def test_invalid_checkpoint_mode_names_the_choices():
    with pytest.raises(ValueError, match='selective'):
        check_cp_mode('some')
    with pytest.raises(ValueError, match='with_cp'):
        _decoder(with_cp='partial')


def _graph_nodes(tensor: torch.Tensor) -> set:
    seen, stack, names = set(), [tensor.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        names.add(type(fn).__name__)
        stack.extend(f for f, _ in fn.next_functions)
    return names


@pytest.mark.parametrize('context_dims', [None, 24])
def test_attention_splits_qkv_without_select(context_dims):
    """Indexing q, k, v out of the fused projection makes three backward
    nodes that each allocate a zero-filled tensor of the whole projection;
    unbind gives one that stacks the three gradients."""
    attn = Attention(32, 4, context_dims=context_dims)
    x = torch.randn(2, 5, 32)
    ctx = None if context_dims is None else torch.randn(2, 3, 24)
    names = _graph_nodes(attn(x, ctx))
    assert 'UnbindBackward0' in names
    assert 'SelectBackward0' not in names


_FAULTS_SCRIPT = textwrap.dedent('''
    import resource, sys
    import torch
    from hicmae.utils import keep_freed_memory
    if sys.argv[1] == 'kept' and not keep_freed_memory():
        print('unsupported')
        sys.exit()
    def faults():
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(3):  # steady state, as after a training step or two
        x = torch.ones(16 << 20)  # 64 MiB: above glibc's mmap thresholds
        del x
    start = faults()
    for _ in range(3):
        x = torch.ones(16 << 20)
        del x
    print(faults() - start)
''')


def _page_faults(mode: str) -> int:
    # a process of its own: the setting is process-wide
    proc = subprocess.run([sys.executable, '-c', _FAULTS_SCRIPT, mode],
                          cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    if proc.stdout.split()[-1] == 'unsupported':
        pytest.skip('the C library has no mallopt (not glibc)')
    return int(proc.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='glibc allocator setting')
def test_keep_freed_memory_stops_refaulting_large_buffers():
    kept, default = _page_faults('kept'), _page_faults('default')
    # by default each of the three 64 MiB buffers faults in its 16384 pages
    # again; kept, the pages are reused (at most one more round of faults
    # while the heap settles)
    assert default > 40000, default
    assert kept < default / 2, (kept, default)


def test_keep_freed_memory_rejects_out_of_range_values():
    with pytest.raises(ValueError, match='mmap_threshold'):
        keep_freed_memory(mmap_threshold=-1)
    with pytest.raises(ValueError, match='trim_threshold'):
        keep_freed_memory(trim_threshold=1 << 40)


def test_tensor_peak_counts_weights_and_activations():
    model = torch.nn.Linear(256, 256)  # 0.25 MiB of weights
    x = torch.randn(1024, 256)  # outputs of 1 MiB each

    def forward():
        return model(x).relu().sum()
    peak = tensor_peak_mib(forward, model)
    assert peak is not None
    assert 1.2 < peak < 4, peak


def test_forward_activation_counts_saved_tensors_not_weights():
    layers = []
    for _ in range(4):
        layers += [torch.nn.Linear(256, 256), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers)  # 1 MiB of weights
    x = torch.randn(1024, 256)  # each activation: 1 MiB

    # kept for backward: the 4 ReLU outputs (each also the next Linear's
    # input), plus one transient Linear output: about 5 MiB; the weights
    # are not counted
    act = forward_activation_mib(lambda: model(x).sum(), model)
    assert act is not None
    assert 4 < act < 7, act
    with torch.no_grad():  # nothing kept: only a transient or two
        assert forward_activation_mib(lambda: model(x).sum(), model) < 3
