"""Every key of a merged config must be read by something.

MMEngine passes a config section to the class it names as keyword
arguments. A misspelt key is then either silently dropped (at the top level,
which the Runner reads by name, and in constructors that take ``**kwargs``
and store them, like ``CheckpointHook``) or a bare ``TypeError`` deep inside
the build. :func:`check_config_keys` finds such keys before anything is
built and names the closest valid ones.

The keys a typed section accepts are the parameters of the constructor its
``type`` names; where the constructor takes ``**kwargs`` they are followed
to the base classes' constructors (``super().__init__(**kwargs)``), and a
chain that ends at ``object`` or ``nn.Module`` accepts nothing more (an
extra key there fails, or is dropped, later). Sections without a ``type``
that MMEngine reads itself (loops, data loaders, ``env_cfg``, ...) have
their own known keys. Untyped dictionaries elsewhere (``metainfo``, ...)
are data and are not checked.
"""
import difflib
import inspect
from typing import Iterable, List, Mapping, Optional, Sequence, Set

from .config_checks import ConfigError

# top-level names MMEngine's Runner (or our tools) read besides the
# Runner's constructor arguments
RUNNER_EXTRA_KEYS = frozenset({
    'runner_type', 'model_wrapper_cfg', 'find_unused_parameters', 'sync_bn',
    'compile', 'activation_checkpointing', 'efficient_conv_bn_eval',
    'custom_imports', 'launcher', 'work_dir', 'default_scope',
    'experiment_name', 'strategy', 'auto_scale_lr'})
DATALOADER_EXTRA_KEYS = frozenset({
    'dataset', 'sampler', 'batch_sampler', 'collate_fn', 'worker_init_fn',
    'num_batch_per_epoch'})
ENV_KEYS = frozenset({'cudnn_benchmark', 'mp_cfg', 'dist_cfg',
                      'resource_limit'})
MP_KEYS = frozenset({'mp_start_method', 'opencv_num_threads'})
AUTO_SCALE_LR_KEYS = frozenset({'enable', 'base_batch_size'})
OPTIM_WRAPPER_EXTRA_KEYS = frozenset({'optimizer', 'paramwise_cfg',
                                      'constructor'})
# arguments the builder fills in itself, never from the config
BUILDER_FILLED = frozenset({'self', 'runner', 'dataloader', 'evaluator',
                            'model', 'params'})


def constructor_keys(cls) -> Optional[Set[str]]:
    """Keyword arguments ``cls`` really accepts, following ``**kwargs``
    through the base classes; ``None`` when it takes any (a function or
    class whose ``**kwargs`` go somewhere we cannot see)."""
    import torch.nn as nn
    if not inspect.isclass(cls):
        return _signature_keys(cls)
    keys: Set[str] = set()
    seen = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None or init in seen:
            continue
        seen.add(init)
        if klass in (object, nn.Module):
            return keys  # a key left over here would fail or be dropped
        params = _signature_keys(init, open_ok=True)
        if params is None:
            return None
        names, has_kwargs = params
        keys |= names
        if not has_kwargs:
            return keys
    return keys


def _signature_keys(func, open_ok: bool = False):
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    names = {n for n, p in sig.parameters.items()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    has_kwargs = any(p.kind == p.VAR_KEYWORD
                     for p in sig.parameters.values())
    if open_ok:
        return names, has_kwargs
    return None if has_kwargs else names


def _registries():
    from hicmae import registry
    return [getattr(registry, name) for name in registry.__all__]


def resolve_type(type_) -> Optional[object]:
    """The class or function a ``type`` names, from hicmae's registries
    (and, through them, MMEngine's and mmcv's); ``None`` if unknown."""
    if not isinstance(type_, str):
        return type_
    for reg in _registries():
        try:
            found = reg.get(type_)
        except Exception:  # a registry whose lazy import fails
            found = None
        if found is not None:
            return found
    return None


class _Checker:
    """Walks a config and collects ``(path, key, valid keys)`` problems."""

    def __init__(self) -> None:
        self.problems: List[tuple] = []

    def unknown(self, path: str, keys: Iterable[str],
                valid: Iterable[str]) -> None:
        valid = sorted(set(valid))
        for key in keys:
            if key not in valid:
                self.problems.append((path, key, valid))

    def typed(self, path: str, section: Mapping,
              default_type=None, extra: Iterable[str] = (),
              skip: Iterable[str] = ()) -> None:
        """A section built from its ``type`` (or ``default_type``)."""
        if not isinstance(section, Mapping):
            return
        type_ = section.get('type', default_type)
        target = resolve_type(type_) if type_ is not None else None
        if target is not None:
            valid = constructor_keys(target)
            if valid is not None:
                valid = (valid - BUILDER_FILLED) | set(extra) | {
                    'type', '_scope_'}
                self.unknown(path, [k for k in section if k not in skip],
                             valid)
        for key, value in section.items():
            if key not in skip:
                self.nested(f'{path}.{key}', value)

    def nested(self, path: str, value) -> None:
        """Typed sections inside another section's values."""
        if isinstance(value, Mapping):
            if 'type' in value:
                self.typed(path, value)
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                self.nested(f'{path}[{i}]', item)

    def typed_or_list(self, path: str, value) -> None:
        if isinstance(value, Mapping):
            self.typed(path, value)
        else:
            self.nested(path, value)

    def dataloader(self, path: str, loader) -> None:
        if not isinstance(loader, Mapping):
            return
        from torch.utils.data import DataLoader
        valid = (constructor_keys(DataLoader) or set()) | \
            DATALOADER_EXTRA_KEYS
        self.unknown(path, loader, valid)
        for key in ('dataset', 'sampler', 'batch_sampler', 'collate_fn'):
            if isinstance(loader.get(key), Mapping):
                self.typed(f'{path}.{key}', loader[key])

    def loop(self, path: str, loop, default_type: str) -> None:
        if not isinstance(loop, Mapping):
            return
        if 'type' in loop:
            self.typed(path, loop)
            return
        if path == 'train_cfg':
            default_type = 'EpochBasedTrainLoop' if loop.get(
                'by_epoch', True) else 'IterBasedTrainLoop'
        self.typed(path, loop, default_type, extra=('by_epoch',))

    def plain(self, path: str, section, valid: Iterable[str]) -> None:
        if isinstance(section, Mapping):
            self.unknown(path, section, valid)


def top_level_keys(runner_type: Optional[str] = None) -> Set[str]:
    """The top-level names the runner (and MMEngine) read."""
    from mmengine.runner import Runner
    keys = set(constructor_keys(Runner) or ()) | RUNNER_EXTRA_KEYS
    if runner_type is not None:
        runner = resolve_type(runner_type)
        if runner is not None:
            keys |= constructor_keys(runner) or set()
    return keys - {'self', 'cfg'}


def find_unknown_keys(cfg: Mapping,
                      overrides: Optional[Mapping] = None,
                      helpers: Sequence[str] = ()) -> List[tuple]:
    """``(path, key, valid keys)`` of every key nothing reads.

    ``overrides`` are the ``--cfg-options``: a top-level name among them
    that the runner does not read is unknown even when the file defines it
    (a helper variable of the file was used when the file was read; setting
    it afterwards changes nothing). ``helpers`` are the file's own
    top-level names (variables used inside the file), allowed otherwise;
    names starting with ``_`` always are.
    """
    checker = _Checker()
    runner_keys = top_level_keys(cfg.get('runner_type'))
    override_tops = {k.split('.')[0] for k in (overrides or {})}
    for key in cfg:
        if key in runner_keys or key.startswith('_'):
            continue
        if key in override_tops or key not in helpers or (
                isinstance(cfg[key], Mapping) and difflib.get_close_matches(
                    key, runner_keys, n=1, cutoff=0.85)):
            checker.problems.append(('', key, sorted(runner_keys)))
    if 'model' in cfg:
        checker.typed('model', cfg['model'])
    for split in ('train', 'val', 'test'):
        checker.dataloader(f'{split}_dataloader',
                           cfg.get(f'{split}_dataloader'))
        checker.typed_or_list(f'{split}_evaluator',
                              cfg.get(f'{split}_evaluator'))
    checker.loop('train_cfg', cfg.get('train_cfg'), 'EpochBasedTrainLoop')
    checker.loop('val_cfg', cfg.get('val_cfg'), 'ValLoop')
    checker.loop('test_cfg', cfg.get('test_cfg'), 'TestLoop')
    wrapper = cfg.get('optim_wrapper')
    if isinstance(wrapper, Mapping) and 'constructor' not in wrapper:
        checker.typed('optim_wrapper', wrapper, 'OptimWrapper',
                      extra=OPTIM_WRAPPER_EXTRA_KEYS, skip=('paramwise_cfg',))
    elif isinstance(wrapper, Mapping):
        checker.nested('optim_wrapper.optimizer', wrapper.get('optimizer'))
    schedulers = cfg.get('param_scheduler') or []
    for i, sched in enumerate([schedulers] if isinstance(
            schedulers, Mapping) else schedulers):
        # MMEngine's scheduler builder reads this one itself
        checker.typed(f'param_scheduler[{i}]', sched,
                      extra=('convert_to_iter_based',))
    hooks = cfg.get('default_hooks') or {}
    for name, hook in hooks.items():
        checker.typed(f'default_hooks.{name}', hook)
    checker.nested('custom_hooks', cfg.get('custom_hooks'))
    checker.plain('env_cfg', cfg.get('env_cfg'), ENV_KEYS)
    env = cfg.get('env_cfg') or {}
    checker.plain('env_cfg.mp_cfg', env.get('mp_cfg'), MP_KEYS)
    checker.plain('auto_scale_lr', cfg.get('auto_scale_lr'),
                  AUTO_SCALE_LR_KEYS)
    from mmengine.runner import Runner
    checker.plain('randomness', cfg.get('randomness'),
                  (constructor_keys(Runner.set_randomness) or set())
                  - {'self'})
    checker.typed('log_processor', cfg.get('log_processor'), 'LogProcessor')
    checker.typed('visualizer', cfg.get('visualizer'))
    checker.typed('model_wrapper_cfg', cfg.get('model_wrapper_cfg'))
    return checker.problems


def describe(path: str, key: str, valid: Sequence[str]) -> str:
    """One line: the full key and the closest valid ones."""
    full = f'{path}.{key}' if path else key
    close = difflib.get_close_matches(key, valid, n=3, cutoff=0.6)
    where = f' in {path}' if path else ' at the top level'
    hint = ('; did you mean ' + ' or '.join(f'`{c}`' for c in close) + '?'
            if close else '')
    return f'unknown config key `{full}`: nothing reads `{key}`{where}{hint}'


def check_config_keys(cfg: Mapping, overrides: Optional[Mapping] = None,
                      helpers: Sequence[str] = (), name: str = '') -> None:
    """Raise :class:`ConfigError` naming every key nothing reads (see
    :func:`find_unknown_keys`), before anything is built."""
    problems = find_unknown_keys(cfg, overrides, helpers)
    if problems:
        lines = [describe(*p) for p in problems]
        prefix = f'{name}: ' if name else ''
        raise ConfigError(prefix + '; '.join(lines))


def load_checked_config(path: str, overrides: Optional[Mapping] = None):
    """``Config.fromfile(path)`` with ``overrides`` (``--cfg-options``)
    merged, after :func:`check_config_keys` found nothing unread.

    Raises :class:`ConfigError` naming the config and the unknown keys.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    helpers = list(cfg.keys())
    if overrides:
        cfg.merge_from_dict(dict(overrides))
    check_config_keys(cfg, overrides, helpers, name=path)
    return cfg
