"""Load checkpoints without executing code from them.

``torch.load(weights_only=True)`` (the default since torch 2.6) unpickles
only tensors, containers and allow-listed types. MMEngine's checkpoints also
hold its message hub (``HistoryBuffer`` objects with NumPy arrays), and the
authors' checkpoints an ``argparse.Namespace``; these plain-data types are
allow-listed here instead of turning the weights-only mode off, which
would run whatever a crafted file asks for.
"""
import argparse
import pickle
from typing import Any

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
    """``getattr`` restricted to what MMEngine's ``HistoryBuffer`` pickles.

    A buffer stores its statistics methods, pickled as
    ``getattr(HistoryBuffer, 'mean')``; a general ``getattr`` would let a
    file reach any attribute of any allow-listed object, so this stand-in
    answers only those look-ups.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_METHODS:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint')


_HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')


def _safe_globals() -> list:
    from mmengine.logging import HistoryBuffer
    return [HistoryBuffer, argparse.Namespace, *_numpy_globals(),
            (_history_buffer_getattr, 'builtins.getattr')]


def register_safe_globals() -> None:
    """Allow-list the data-only types of MMEngine's and the authors' files."""
    torch.serialization.add_safe_globals(_safe_globals())


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds a type that only runs as code."""


def safe_torch_load(path: str, map_location: Any = 'cpu') -> Any:
    """``torch.load`` with ``weights_only=True`` and the allow-list.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        UnsafeCheckpointError: the file needs a type outside the allow-list
            (possibly a crafted file); it names the file and the type.
    """
    register_safe_globals()
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
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
