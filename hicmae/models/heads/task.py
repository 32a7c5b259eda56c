"""The one answer to "is this a regression model?"."""
import inspect
from typing import Union

from torch import nn

from hicmae.registry import MODELS


def head_is_regression(head: Union[nn.Module, dict, type]) -> bool:
    """Whether ``head`` (a built head, its class or its config) regresses
    values instead of scoring classes: the head class's ``is_regression``.
    """
    if isinstance(head, dict):
        kind = head.get('type')
        cls = kind if inspect.isclass(kind) else MODELS.get(kind)
        if cls is None:
            raise KeyError(f'head type {kind!r} is not registered in '
                           'hicmae MODELS')
    else:
        cls = head if inspect.isclass(head) else type(head)
    return bool(getattr(cls, 'is_regression', False))
