"""Pipelines without the transforms of a modality the model does not read.

An audio-only model (``model.video_encoder=None``) needs no decoded frames
and a video-only model no filterbank: their transforms carry a ``modality``
class attribute (``'video'`` or ``'audio'``) and are left out here.
``OpenVideo`` and ``SampleClip`` stay: the audio span follows the sampled
frames' times, which they compute without decoding a frame.
"""
import copy
from typing import Sequence, Tuple

from hicmae.registry import TRANSFORMS

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def absent_modalities(model: dict) -> Tuple[str, ...]:
    """Modalities whose encoder a recognizer config sets to ``None``."""
    return tuple(name for name in ('video', 'audio')
                 if f'{name}_encoder' in model
                 and model[f'{name}_encoder'] is None)


def transform_modality(cfg) -> str:
    """``'video'``, ``'audio'`` or ``''`` (both, or neither)."""
    kind = cfg.get('type') if isinstance(cfg, dict) else type(cfg)
    if isinstance(kind, str):
        kind = TRANSFORMS.get(kind)
    return getattr(kind, 'modality', '')


def drop_modalities(pipeline: Sequence, absent: Sequence[str]) -> list:
    """``pipeline`` without the transforms of the ``absent`` modalities."""
    return [t for t in pipeline if transform_modality(t) not in absent]


def _strip_dataset(dataset: dict, absent: Sequence[str]) -> None:
    if not isinstance(dataset, dict):
        return
    if isinstance(dataset.get('pipeline'), (list, tuple)):
        dataset['pipeline'] = drop_modalities(dataset['pipeline'], absent)
    _strip_dataset(dataset.get('dataset'), absent)  # dataset wrappers
    for inner in dataset.get('datasets') or ():
        _strip_dataset(inner, absent)


def loader_without_absent_modalities(loader: dict, model: dict) -> dict:
    """A copy of a dataloader config whose dataset pipelines leave out the
    modalities ``model`` does not read (``loader`` itself if none)."""
    absent = absent_modalities(model) if isinstance(model, dict) else ()
    if not absent or not isinstance(loader, dict):
        return loader
    loader = copy.deepcopy(loader)
    _strip_dataset(loader.get('dataset'), absent)
    return loader


def strip_absent_modalities(kwargs: dict) -> None:
    """Apply :func:`loader_without_absent_modalities` to the three loaders
    of a Runner's keyword arguments, in place."""
    for key in _LOADERS:
        if kwargs.get(key) is not None:
            kwargs[key] = loader_without_absent_modalities(
                kwargs[key], kwargs.get('model'))
