"""Checks that stop a wrong config before any training starts."""
import os.path as osp

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
    check_dataset_paths(cfg.train_dataloader.get('dataset', {}), name)
    check_pretrained(cfg.model, name)


def check_pretrained(model: dict, name: str) -> None:
    """A fine-tuning config's pre-trained checkpoint must exist."""
    init = model.get('init_cfg') or {}
    path = init.get('checkpoint') if init.get('type') == 'Pretrained' \
        else None
    if path and '://' not in path and not osp.isfile(path):
        raise ConfigError(
            f'{name}: pre-trained checkpoint {path!r} does not exist. Pass '
            'one with --cfg-options model.init_cfg.checkpoint=PATH (this '
            "package's pre-training or the authors' released checkpoint), "
            'or train from scratch with model.init_cfg=None')


def check_dataset_paths(dataset: dict, name: str) -> None:
    """A list dataset's data root and list file must exist."""
    ann_file = dataset.get('ann_file')
    if not ann_file:
        return
    if dataset.get('fold') is not None:
        ann_file = ann_file.format(fold=dataset['fold'])
    root = dataset.get('data_root', '') or ''
    if root and '://' not in root and not osp.isdir(root):
        raise ConfigError(
            f'{name}: data_root {root!r} does not exist. Prepare the data '
            '(docs/data_preparation.md) or point the config at it with '
            f'--cfg-options train_dataloader.dataset.data_root=PATH')
    path = ann_file if osp.isabs(ann_file) or not root else \
        osp.join(root, ann_file)
    if '://' not in path and not osp.isfile(path):
        raise ConfigError(
            f'{name}: list file {path!r} does not exist. Build it '
            '(docs/data_preparation.md) or set '
            'train_dataloader.dataset.ann_file')
