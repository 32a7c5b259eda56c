"""Registering the package's modules and MMEngine's default scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every registered module of hicmae and set the default scope.

    For notebooks and tests; configs with ``default_scope='hicmae'`` do not
    need it. torch's process-wide ``weights_only`` allow-list is left
    alone: this package's runners and loaders allow MMEngine's checkpoint
    types only while they load (:func:`~hicmae.utils.safe_load.
    checkpoint_safe_globals`).
    """
    import hicmae.datasets  # noqa: F401
    import hicmae.engine  # noqa: F401
    import hicmae.models  # noqa: F401
    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('hicmae', scope_name='hicmae')
    elif current.scope_name != 'hicmae':
        warnings.warn(f'the default scope was "{current.scope_name}"; a new '
                      'scope "hicmae" is set for hicmae modules')
        stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S%f')
        DefaultScope.get_instance(f'hicmae-{stamp}', scope_name='hicmae')
