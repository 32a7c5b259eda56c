"""Count the calls that read a tensor's values back to the host.

On a GPU every such read (``.item()``, ``.tolist()``, ``bool()``, a
boolean-mask gather whose result size depends on the data) waits for all
queued kernels; on the CPU nothing stalls, so they are caught by name:
``with HostReads() as reads: ...`` then ``reads.reads``.
"""
import torch
from torch.overrides import TorchFunctionMode

READS = {torch.Tensor.item, torch.Tensor.tolist, torch.Tensor.__bool__,
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
        if func in READS:
            self.reads.append(getattr(func, '__qualname__', repr(func)))
        if func is torch.Tensor.__getitem__ and bool_index(args[1]):
            self.reads.append('boolean-mask indexing')
        return func(*args, **kwargs)


def bool_index(index) -> bool:
    """Whether ``x[index]`` is a boolean-mask gather."""
    items = index if isinstance(index, tuple) else (index, )
    return any(isinstance(i, torch.Tensor) and i.dtype == torch.bool
               for i in items)
