"""Load checkpoints without executing code from them.

``torch.load(weights_only=True)`` (the default since torch 2.6) unpickles
only tensors, containers and allow-listed types. MMEngine's checkpoints also
hold its message hub (``HistoryBuffer`` objects with NumPy arrays), and the
authors' checkpoints an ``argparse.Namespace``; these plain-data types are
allow-listed here instead of turning the weights-only mode off, which
would run whatever a crafted file asks for. The allow-list holds only
while this package loads a checkpoint (:func:`checkpoint_safe_globals`):
a user's other ``torch.load`` calls keep torch's own list.
"""
import argparse
import importlib
import os.path as osp
import pickle
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterator

import numpy as np
import torch


def _numpy_globals() -> list:
    multiarray = np._core.multiarray if hasattr(np, '_core') \
        else np.core.multiarray
    types = [np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar]
    # numpy >= 1.25 pickles dtypes as instances of per-type classes
    types += [type(np.dtype(t)) for t in
              ('float16', 'float32', 'float64', 'int8', 'int16', 'int32',
               'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool')]
    return types


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to the look-ups checkpoints need.

    MMEngine's ``HistoryBuffer`` stores its statistics methods, pickled as
    ``getattr(HistoryBuffer, 'mean')``; a ShardedTensor (FSDP's sharded
    state dicts) its nested ``ProcessGroupState`` tuple class. A general
    ``getattr`` would let a file reach any attribute of any allow-listed
    object, so this stand-in answers only those look-ups.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_METHODS:
        return getattr(obj, name)
    sharded = _sharded_tensor_class()
    if name == 'ProcessGroupState' and sharded is not None and \
            obj is sharded:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint')


_HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')


# the data classes of the per-rank files of FSDP's local (sharded) state
# dicts, as MMEngine's FSDPStrategy saves them; ShardedTensor's __setstate__
# only assigns fields and checks them against the current process group
_SHARDED = 'torch.distributed._shard'
_SHARDED_TENSOR_TYPES = (
    (f'{_SHARDED}.sharded_tensor.api', 'ShardedTensor'),
    (f'{_SHARDED}.sharded_tensor.shard', 'Shard'),
    (f'{_SHARDED}.sharded_tensor.metadata', 'ShardedTensorMetadata'),
    (f'{_SHARDED}.sharded_tensor.metadata', 'TensorProperties'),
    (f'{_SHARDED}.sharded_tensor.metadata', 'MEM_FORMAT_ENCODING'),
    (f'{_SHARDED}.metadata', 'ShardMetadata'),
    (f'{_SHARDED}.sharding_spec.api', 'EnumerableShardingSpec'),
    (f'{_SHARDED}.sharding_spec.chunk_sharding_spec', 'ChunkShardingSpec'),
    ('torch.distributed.remote_device', '_remote_device'),
)


@lru_cache(maxsize=None)
def _sharded_tensor_globals() -> tuple:
    found = []
    for module, name in _SHARDED_TENSOR_TYPES:
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):  # torch without distributed
            pass
    return tuple(found)


def _sharded_tensor_class() -> Any:
    """``ShardedTensor``, or ``None`` where torch has no distributed."""
    return next((t for t in _sharded_tensor_globals()
                 if t.__name__ == 'ShardedTensor'), None)


def _sharded_tensor_state_types() -> list:
    """The tuple class reached through the restricted getattr above."""
    cls = _sharded_tensor_class()
    return [cls.ProcessGroupState] if cls is not None else []


def _safe_globals() -> list:
    from mmengine.logging import HistoryBuffer
    return [HistoryBuffer, argparse.Namespace, *_numpy_globals(),
            *_sharded_tensor_globals(), *_sharded_tensor_state_types(),
            (_history_buffer_getattr, 'builtins.getattr')]


@contextmanager
def checkpoint_safe_globals() -> Iterator[None]:
    """Allow-list the data-only types of MMEngine's and the authors' files
    for the loads inside this block only (MMEngine's resume and
    ``load_from`` go through ``torch.load`` with weights only)."""
    with torch.serialization.safe_globals(_safe_globals()):
        yield


def register_safe_globals() -> None:
    """Add the allow-list to torch's process-wide list, for code that
    loads MMEngine checkpoints with ``torch.load`` itself. This package
    does not call it: it scopes the list with
    :func:`checkpoint_safe_globals`."""
    torch.serialization.add_safe_globals(_safe_globals())


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds a type that only runs as code."""


def safe_torch_load(path: str, map_location: Any = 'cpu',
                    mmap: bool = False) -> Any:
    """``torch.load`` with ``weights_only=True`` and the allow-list.

    ``mmap=True`` maps the tensors' storage instead of reading it: a cheap
    check that a file is whole and loadable.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        IsADirectoryError: ``path`` is a folder (an FSDP run's sharded
            checkpoint): the message says how to consolidate it.
        UnsafeCheckpointError: the file needs a type outside the allow-list
            (possibly a crafted file); it names the file and the type.
    """
    if osp.isdir(path):
        raise IsADirectoryError(
            f'{path} is a folder: a sharded FSDP checkpoint (one '
            'rank*.pth per process). Turn it into one file first: python '
            f'tools/consolidate_fsdp_ckpt.py {path} OUT.pth')
    try:
        with checkpoint_safe_globals():
            return torch.load(path, map_location=map_location,
                              weights_only=True, mmap=mmap)
    except FileNotFoundError:
        raise FileNotFoundError(f'checkpoint not found: {path}') from None
    except pickle.UnpicklingError as err:
        raise UnsafeCheckpointError(
            f'refused to load {path}: it contains a type that is not plain '
            'data, and loading it could execute code. If you trust the '
            'file and the type is data, add it with '
            'torch.serialization.add_safe_globals. Details: '
            f'{_refused_global(err)}') from None


def _refused_global(err: Exception) -> str:
    """The line of torch's message that names what was refused."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    for line in lines:
        if 'GLOBAL' in line or 'global' in line or 'reduce' in line:
            return line
    return lines[0] if lines else type(err).__name__
