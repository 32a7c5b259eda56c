"""A training step never reads a tensor value back to the host.

On a GPU every such read (``.item()``, ``.tolist()``, ``bool()``, a
boolean-mask gather whose result size depends on the data) waits for all
queued kernels; in the hot path it stalls the device every step. On the CPU
nothing stalls, so the reads are caught by name instead.
"""
import numpy as np
import pytest
import torch
from tiny_finetune import tiny_recognizer_cfg

from hicmae.engine import MixedPrecisionOptimWrapper
from hicmae.registry import MODELS
from hicmae.utils.host_reads import HostReads
from tests.conftest import tiny_batch, tiny_model_cfg


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
@pytest.mark.parametrize('with_masks', [True, False],
                         ids=['masks-in-samples', 'masks-drawn-by-model'])
def test_pretraining_step_reads_nothing_back(dtype, with_masks):
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg())
    wrapper = _wrapper(model, dtype)
    batch = tiny_batch(2, with_masks=with_masks)
    with HostReads() as mode:
        log_vars = model.train_step(batch, wrapper)
    assert not mode.reads, sorted(set(mode.reads))
    assert set(log_vars) >= {'loss', 'loss_rec_video', 'loss_rec_audio'}


def test_finetuning_step_reads_nothing_back():
    torch.manual_seed(0)
    model = MODELS.build(tiny_recognizer_cfg(
        size=64, frames=4, dims=32, depth=2, num_classes=2, mixup=False))
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
    model = MODELS.build(tiny_recognizer_cfg(
        size=64, frames=4, dims=32, depth=1, num_classes=2))
    wrapper = _wrapper(model, 'float16')
    batch = tiny_batch(2)
    with HostReads() as mode:
        model.train_step(batch, wrapper)
    assert not mode.reads, sorted(set(mode.reads))
