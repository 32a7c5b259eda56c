"""Process and tensor memory figures for the benchmark tools (CPU side).

``peak_rss_mib``/``reset_peak_rss`` read the kernel's resident-set figures
(Linux); :func:`tensor_peak_mib` counts live tensors during one call with
PyTorch's memory tracker, the CPU analogue of CUDA's
``max_memory_allocated`` (no libraries, no allocator slack), and
:func:`forward_activation_mib` the part of them a forward keeps for its
backward.
"""
import resource
from typing import Callable, Optional

import torch


def status_mib(field: str) -> Optional[float]:
    """A memory figure of ``/proc/self/status`` (``VmRSS``, ``VmHWM``, ...)
    in MiB; ``None`` where there is no such file."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def peak_rss_mib() -> float:
    """Peak resident set of this process so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def reset_peak_rss() -> Optional[float]:
    """Reset the kernel's peak-RSS mark (``VmHWM``) so that later readings
    of it cover what follows only; returns the current RSS in MiB, or
    ``None`` where the mark cannot be reset."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        return None
    return status_mib('VmRSS')


def tensor_peak_mib(fn: Callable[[], object], model: torch.nn.Module,
                    optimizer: Optional[torch.optim.Optimizer] = None
                    ) -> Optional[float]:
    """Run ``fn()`` once and return the peak of live tensor memory during
    it, in MiB: ``model``'s weights and gradients, ``optimizer``'s state,
    activations and temporaries. ``None`` where PyTorch lacks the tracker
    (a private module of PyTorch 2.5+)."""
    try:
        from torch.distributed._tools.mem_tracker import MemTracker
    except ImportError:
        return None
    tracker = MemTracker()
    tracker.track_external(*((model, optimizer) if optimizer else (model, )))
    with tracker:
        fn()
    peak = tracker.get_tracker_snapshot('peak')
    return round(sum(v.get('Total', 0) for v in peak.values()) / 2**20, 1)


def forward_activation_mib(fn: Callable[[], object],
                           model: torch.nn.Module) -> Optional[float]:
    """Activation memory of one forward call at its peak, in MiB: what it
    keeps for the backward plus the transients alive at that moment (the
    tracker's ``Activation`` and ``Temp`` kinds; ``model``'s weights,
    buffers and gradients are not counted). This
    is the figure a smaller decoder input or activation checkpointing
    changes; the optimizer state, which dominates the step's peak at small
    batches, is not in it. ``None`` where PyTorch lacks the tracker."""
    try:
        from torch.distributed._tools.mem_tracker import MemTracker
    except ImportError:
        return None
    tracker = MemTracker()
    tracker.track_external(model)
    with tracker:
        out = fn()
        peak = tracker.get_tracker_snapshot('peak')
    del out
    return round(sum(v.get('Activation', 0) + v.get('Temp', 0)
                     for v in peak.values()) / 2**20, 1)
