"""Keep freed tensor memory in the process for CPU training (glibc only).

glibc serves allocations above its mmap threshold (at most 32 MiB by its
own adjustment) with fresh ``mmap`` pages and unmaps them on free. A training
step allocates and frees the same large activations every iteration, so the
kernel faults in and zeroes every one of their pages again at every step: at
batch 8 of HiCMAE-Base pre-training on CPU that was a quarter of the step
time (see ``tools/analysis/compare_authors.py`` and docs/performance.md).
Serving them from the heap and not trimming it makes later steps reuse the
pages.

The cost is that the heap keeps its high-water mark: the process's resident
memory stays near its peak instead of falling between steps.
"""
import ctypes
import ctypes.util
import sys
from typing import Optional

# mallopt parameters of glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# the largest values mallopt takes (its value argument is a C int)
DEFAULT_MMAP_THRESHOLD = 1 << 30
DEFAULT_TRIM_THRESHOLD = (1 << 31) - 1


def _mallopt() -> Optional[ctypes._CFuncPtr]:
    if not sys.platform.startswith('linux'):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        fn = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return None
    fn.argtypes = (ctypes.c_int, ctypes.c_int)
    fn.restype = ctypes.c_int
    return fn


def keep_freed_memory(mmap_threshold: int = DEFAULT_MMAP_THRESHOLD,
                      trim_threshold: int = DEFAULT_TRIM_THRESHOLD) -> bool:
    """Serve allocations below ``mmap_threshold`` bytes from the heap and
    return heap memory to the system only above ``trim_threshold`` free
    bytes. Returns whether the C library accepted both settings (``False``
    off glibc, where nothing changes)."""
    for name, value in (('mmap_threshold', mmap_threshold),
                        ('trim_threshold', trim_threshold)):
        if not 0 <= value <= DEFAULT_TRIM_THRESHOLD:
            raise ValueError(f'{name} must be within 0..2**31-1 bytes, got '
                             f'{value}')
    mallopt = _mallopt()
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, trim_threshold))
