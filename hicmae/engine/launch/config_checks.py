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
    check_class_count(cfg, name)
    check_dataset_paths(cfg.train_dataloader.get('dataset', {}), name)
    check_pretrained(cfg.model, name)
    check_lists(cfg)


def check_lists(cfg: Config) -> None:
    """The training and validation lists against the head's class count
    (``model.head.num_classes``, the one class count), and not broken
    throughout: files missing
    (:func:`hicmae.datasets.list_checks.check_list_file`) or none of a few
    entries decodable (:func:`probe_lists`)."""
    from hicmae.datasets.list_checks import ListFileError, check_list_file
    head = cfg.model.get('head') or {}
    num_classes = head.get('num_classes')
    for split, whole in (('train', True), ('val', False)):
        loader = cfg.get(f'{split}_dataloader') or {}
        dataset = loader.get('dataset') or {}
        try:
            check_list_file(dataset, num_classes, whole_list=whole)
        except ListFileError as err:
            raise ConfigError(str(err)) from None
    probe_lists(cfg, ('train', 'val'))


def probe_lists(cfg: Config, splits) -> None:
    """Decode a few entries of each split's list in this process
    (:func:`hicmae.datasets.list_probe.probe_list_file`): a list whose
    files exist but none loads stops here, in one line, instead of in a
    data worker after the runner is built."""
    from hicmae.apis.inputs import _native_stderr_silenced, quiet_decoder_logs
    from hicmae.datasets.list_checks import ListFileError
    from hicmae.datasets.list_probe import probe_list_file
    quiet_decoder_logs()  # the probe names each failure itself
    for split in splits:
        loader = cfg.get(f'{split}_dataloader') or {}
        dataset = loader.get('dataset') or {}
        try:
            with _native_stderr_silenced():
                probe_list_file(dataset)
        except ListFileError as err:
            raise ConfigError(str(err)) from None


def check_class_count(cfg: Config, name: str) -> None:
    """The head's class count (``model.head.num_classes``, the one source)
    must match every loader's class names; a regression head needs
    regression lists with as many values per line as it outputs."""
    head = cfg.model.get('head')
    if not head or not head.get('type'):
        return  # pre-training: no classes
    from hicmae.models.heads import head_is_regression
    try:
        regression = head_is_regression(head)
    except KeyError as err:
        raise ConfigError(f'{name}: model.head: {err.args[0]}') from None
    key = 'num_targets' if regression else 'num_classes'
    count = head.get(key)
    if count is None:
        raise ConfigError(f'{name}: model.head.{key} is not set; a recipe '
                          f'states it once, e.g. model = dict(head=dict('
                          f'{key}=N))')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        classes = (dataset.get('metainfo') or {}).get('classes')
        task = dataset.get('task')
        where = f'{name}: {loader}.dataset'
        if regression and (classes or task == 'classification'):
            raise ConfigError(
                f'{where} is a classification list but model.head is a '
                f'regression head ({head.type}); use a classification head '
                "or a list with task='regression'")
        if not regression and task == 'regression':
            raise ConfigError(
                f"{where} has task='regression' but model.head "
                f'({head.type}) scores classes; use a regression head such '
                'as HFFRegHead')
        targets = dataset.get('num_targets')
        if regression and targets is not None and targets != count:
            raise ConfigError(
                f'{where} has num_targets={targets} but '
                f'model.head.num_targets={count}; make them agree')
        if classes is not None and len(classes) != count:
            raise ConfigError(
                f'{where} has {len(classes)} class names but '
                f'model.head.num_classes={count}; set '
                f'model.head.num_classes={len(classes)} or fix the class '
                'list')


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
