"""What a runner completes in its dataloader configs before building them.

* Pipelines leave out the modality the model does not read
  (:func:`hicmae.datasets.transforms.strip_absent_modalities`).
* A shard dataset learns the loader's ``batch_size`` and ``drop_last``, so
  that its data workers cut their parts between whole batches and an epoch
  has exactly ``len(dataloader)`` batches, and its ``num_workers``, to warn
  when there are fewer shards than readers.
"""
from hicmae.datasets.transforms import strip_absent_modalities

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
SHARD_DATASETS = ('AVShardDataset', )


def _type_name(cfg: dict) -> str:
    kind = cfg.get('type')
    return kind if isinstance(kind, str) else getattr(kind, '__name__', '')


def pass_batch_size_to_shards(loader: dict) -> None:
    """Set a shard dataset's ``batch_size``, ``drop_last`` and
    ``num_workers`` to the loader's, in place."""
    dataset = loader.get('dataset')
    if not isinstance(dataset, dict) or \
            _type_name(dataset) not in SHARD_DATASETS:
        return
    if loader.get('batch_size') is not None:
        dataset['batch_size'] = loader['batch_size']
    dataset['drop_last'] = bool(loader.get('drop_last', False))
    dataset['num_workers'] = int(loader.get('num_workers', 0))


def complete_loader_configs(kwargs: dict) -> None:
    """Complete the three loaders of a Runner's keyword arguments."""
    strip_absent_modalities(kwargs)
    for key in _LOADERS:
        if isinstance(kwargs.get(key), dict):
            pass_batch_size_to_shards(kwargs[key])
