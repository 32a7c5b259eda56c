"""Initialise a model from a pre-training or fine-tuning checkpoint."""
from typing import Any, Dict, Optional

import torch
from mmengine.logging import print_log

from .official_checkpoint import (convert_official_state_dict,
                                  is_official_state_dict)
from .safe_load import safe_torch_load


def checkpoint_state_dict(path: str, prefix: Optional[str] = None,
                          map_location: Any = 'cpu'
                          ) -> Dict[str, torch.Tensor]:
    """The weights of a checkpoint of this package or of the authors, in
    this package's key layout; with ``prefix``, only those under
    ``prefix.``, renamed without it (MMEngine's ``PretrainedInit``
    meaning)."""
    ckpt = safe_torch_load(path, map_location=map_location)
    if not isinstance(ckpt, dict):
        raise ValueError(f'{path}: not a checkpoint dictionary')
    for key in ('state_dict', 'model', 'module'):
        if isinstance(ckpt.get(key), dict):
            ckpt = ckpt[key]
            break
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in ckpt.items() if isinstance(v, torch.Tensor)}
    if prefix:
        head = prefix.rstrip('.') + '.'
        state = {k[len(head):]: v for k, v in state.items()
                 if k.startswith(head)}
        if not state:
            raise ValueError(f'{path}: no weights under the prefix '
                             f'{prefix!r}')
    if is_official_state_dict(state):
        state = convert_official_state_dict(state)
    return state


def load_pretrained(model: torch.nn.Module, path: str,
                    prefix: Optional[str] = None,
                    map_location: Any = 'cpu') -> dict:
    """Load the matching weights of ``path`` into ``model``.

    Keys the model lacks (pre-training decoders and heads) are dropped,
    tensors whose shapes differ (e.g. a classifier for another number of
    classes) are skipped; both are reported in the log, as are the model's
    parameters left at their initialisation. The sine-cosine position tables
    are recomputed for the model's input size, so no interpolation is
    needed. ``prefix`` and ``map_location`` as in MMEngine's
    ``PretrainedInit``.

    Returns:
        ``dict(loaded=[...], missing=[...], unexpected=[...],
        mismatched=[...])``.
    """
    state = checkpoint_state_dict(path, prefix, map_location)
    own = model.state_dict()
    loaded, mismatched = {}, []
    for key, value in state.items():
        if key not in own:
            continue
        if own[key].shape != value.shape:
            mismatched.append(f'{key}: checkpoint {tuple(value.shape)}, '
                              f'model {tuple(own[key].shape)}')
            continue
        loaded[key] = value
    model.load_state_dict(loaded, strict=False)
    report = dict(loaded=sorted(loaded),
                  missing=sorted(k for k in own if k not in loaded),
                  unexpected=sorted(k for k in state if k not in own),
                  mismatched=mismatched)
    print_log(f'loaded {len(loaded)} tensors from {path}; '
              f'{len(report["missing"])} model tensors keep their '
              f'initialisation ({_head(report["missing"])}); '
              f'{len(report["unexpected"])} checkpoint tensors unused '
              f'({_head(report["unexpected"])})'
              + (f'; shape mismatches: {mismatched}' if mismatched else ''),
              logger='current')
    return report


def _head(keys: list, n: int = 4) -> str:
    return ', '.join(keys[:n]) + (' ...' if len(keys) > n else '')
