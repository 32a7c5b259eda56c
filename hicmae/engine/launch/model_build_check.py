"""Build a config's model once, without memory, before anything else is.

A model whose settings do not fit together (a decoder with more skip
connections than blocks, a region that does not divide the token grid)
raises in its constructor. Built by the runner, that error arrives after
the log set-up and the data loaders, as a long traceback; built here on
PyTorch's ``meta`` device (shapes only, no storage, no data) it stops the
tool in well under a second with one line naming the config.
"""
import torch
from mmengine.config import Config

from .config_checks import ConfigError

# what a constructor raises for settings it refuses; anything else is a
# defect of the code, and keeps its traceback
_SETTING_ERRORS = (ValueError, TypeError, KeyError, AssertionError)


def check_model_builds(cfg: Config, name: str) -> None:
    """Raise :class:`ConfigError` when ``cfg.model`` cannot be built.

    The registry's wrapping ("class `X` in ... : message") is cut to the
    model's own message, which says what to change.
    """
    from hicmae.registry import MODELS
    if not cfg.get('model'):
        raise ConfigError(f'{name}: the config has no model')
    try:
        with torch.device('meta'):
            MODELS.build(cfg.model)
    except _SETTING_ERRORS as err:
        raise ConfigError(f'{name}: the model cannot be built from this '
                          f'config: {_own_message(err)}') from err


def _own_message(err: BaseException) -> str:
    """The innermost message of a chain of re-raised errors."""
    while err.__cause__ is not None or err.__context__ is not None:
        err = err.__cause__ or err.__context__
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0] if '\n' in text else text
