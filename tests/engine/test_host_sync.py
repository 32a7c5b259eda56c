"""A training step never reads a tensor value back to the host.

On a GPU every such read (``.item()``, ``.tolist()``, ``bool()``, a
boolean-mask gather whose result size depends on the data) waits for all
queued kernels; in the hot path it stalls the device every step. On the CPU
nothing stalls, so the reads are caught by name instead.
"""
import numpy as np
import pytest
import torch
from torch.overrides import TorchFunctionMode

from hicmae.engine import MixedPrecisionOptimWrapper
from hicmae.registry import MODELS
from tests.conftest import tiny_batch, tiny_model_cfg

_READS = {torch.Tensor.item, torch.Tensor.tolist, torch.Tensor.__bool__,
          torch.Tensor.__int__, torch.Tensor.__float__,
          torch.Tensor.__index__, torch.Tensor.cpu, torch.Tensor.numpy,
          torch.Tensor.nonzero, torch.nonzero, torch.Tensor.masked_select,
          torch.masked_select, torch.Tensor.unique, torch.unique}


class HostReads(TorchFunctionMode):
    """Records the functions that would read a device tensor's values."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _READS:
            self.reads.append(getattr(func, '__qualname__', repr(func)))
        if func is torch.Tensor.__getitem__ and _bool_index(args[1]):
            self.reads.append('boolean-mask indexing')
        return func(*args, **kwargs)


def _bool_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index, )
    return any(isinstance(i, torch.Tensor) and i.dtype == torch.bool
               for i in items)


def _wrapper(model, dtype):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
    return MixedPrecisionOptimWrapper(optimizer=optimizer, dtype=dtype)


def test_host_reads_are_caught():
    with HostReads() as mode:
        x = torch.ones(3)
        bool(x.sum() > 0)
        x[x > 0]
        x.max().item()
    assert len(mode.reads) == 3, mode.reads


@pytest.mark.parametrize('dtype', ['float32', 'float16'])
def test_pretraining_step_reads_nothing_back(dtype):
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg())
    wrapper = _wrapper(model, dtype)
    batch = tiny_batch(2)
    with HostReads() as mode:
        log_vars = model.train_step(batch, wrapper)
    assert not mode.reads, sorted(set(mode.reads))
    assert set(log_vars) >= {'loss', 'loss_rec_video', 'loss_rec_audio'}


def test_finetuning_step_reads_nothing_back():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='AVRecognizer',
        video_encoder=dict(type='VideoEncoder', img_size=64, num_frames=4,
                           embed_dims=32, depth=2, num_heads=2),
        audio_encoder=dict(type='AudioEncoder', input_size=(64, 64),
                           embed_dims=32, depth=2, num_heads=2),
        fusion=dict(type='CrossModalFusionEncoder', depth=1, num_heads=2),
        head=dict(type='HFFClsHead', num_classes=2)))
    wrapper = _wrapper(model, 'float16')
    batch = tiny_batch(2)
    with HostReads() as mode:
        model.train_step(batch, wrapper)
    assert not mode.reads, sorted(set(mode.reads))


def test_finetuning_step_with_mixup_reads_nothing_back():
    """AVMixup's label-range check read two values per step back from the
    device (issue 19, item 8)."""
    torch.manual_seed(0)
    np.random.seed(0)
    model = MODELS.build(dict(
        type='AVRecognizer',
        data_preprocessor=dict(
            type='AVDataPreprocessor',
            batch_augments=dict(type='AVMixup', num_classes=2)),
        video_encoder=dict(type='VideoEncoder', img_size=64, num_frames=4,
                           embed_dims=32, depth=1, num_heads=2),
        audio_encoder=dict(type='AudioEncoder', input_size=(64, 64),
                           embed_dims=32, depth=1, num_heads=2),
        fusion=dict(type='CrossModalFusionEncoder', depth=1, num_heads=2),
        head=dict(type='HFFClsHead', num_classes=2)))
    wrapper = _wrapper(model, 'float16')
    batch = tiny_batch(2)
    with HostReads() as mode:
        model.train_step(batch, wrapper)
    assert not mode.reads, sorted(set(mode.reads))
