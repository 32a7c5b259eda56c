"""Activation checkpointing of transformer blocks: full or selective.

Full checkpointing keeps only a block's input and recomputes its whole
forward in backward, matmuls included (about a third more compute).
Selective checkpointing keeps the outputs of the matmuls and of the attention
kernel and recomputes only the cheap element-wise work between them (layer
norms, GELU, residual adds); it drops the copies that autograd would keep
of their inputs (the layer-norm outputs, the GELU output, ...), which are
the larger share of a block's activations.
"""
from functools import lru_cache
from typing import Callable, Union

import torch
from torch.utils.checkpoint import (CheckpointPolicy, checkpoint,
                                    create_selective_checkpoint_contexts)

CheckpointMode = Union[bool, str]
_MODES = (False, True, 'full', 'selective')


@lru_cache(maxsize=None)
def _saved_ops() -> frozenset:
    """The ATen ops whose outputs selective checkpointing keeps."""
    aten = torch.ops.aten
    names = ('mm', 'addmm', 'bmm', 'baddbmm',
             '_scaled_dot_product_flash_attention_for_cpu',
             '_scaled_dot_product_flash_attention',
             '_scaled_dot_product_efficient_attention',
             '_scaled_dot_product_cudnn_attention')
    # some kernels are missing from some builds
    return frozenset(getattr(aten, n).default for n in names
                     if hasattr(aten, n))


def _policy(ctx, op, *args, **kwargs) -> CheckpointPolicy:
    return (CheckpointPolicy.MUST_SAVE if op in _saved_ops()
            else CheckpointPolicy.PREFER_RECOMPUTE)


def _selective_contexts():
    return create_selective_checkpoint_contexts(_policy)


def check_cp_mode(with_cp: CheckpointMode) -> CheckpointMode:
    """Validate a ``with_cp`` setting (``False``, ``True``/``'full'`` or
    ``'selective'``) and return it."""
    if with_cp not in _MODES:
        raise ValueError(f"with_cp must be one of False, True, 'full', "
                         f"'selective'; got {with_cp!r}")
    return with_cp


def run_block(block: Callable, *args, with_cp: CheckpointMode = False,
              **kwargs) -> torch.Tensor:
    """Call ``block``, checkpointing its activations as ``with_cp`` says."""
    if not with_cp or not torch.is_grad_enabled():
        return block(*args, **kwargs)
    if with_cp == 'selective':
        return checkpoint(block, *args, use_reentrant=False,
                          context_fn=_selective_contexts, **kwargs)
    return checkpoint(block, *args, use_reentrant=False, **kwargs)
