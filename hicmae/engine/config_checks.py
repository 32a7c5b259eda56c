"""Checks that stop a wrong config before any training starts."""
from mmengine.config import Config


class ConfigError(ValueError):
    """A config that cannot train; the message says what to change."""


def check_train_config(cfg: Config, path: str = '') -> None:
    """Fail early, naming the config, when training parts are missing."""
    name = path or cfg.filename
    if cfg.get('train_cfg') and not cfg.get('train_dataloader'):
        raise ConfigError(
            f'{name} defines a training schedule but no train_dataloader. '
            'Recipes for real datasets get their data section from '
            'configs/_base_/datasets/; for a run without data use '
            'configs/hicmae/hicmae_tiny_synthetic_tensor.py')
    if not cfg.get('model'):
        raise ConfigError(f'{name} has no model section')
