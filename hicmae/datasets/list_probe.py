"""A start-up probe that decodes a few entries of a list file.

:mod:`.list_checks` only sees whether the listed files exist. A list whose
files exist but are all corrupt (truncated or garbage videos, unreadable
frames, empty or foreign wavs) would pass it and fail later, inside a data
worker. :func:`probe_list_file` runs the dataset's own pipeline on a few
entries spread over the list, in the calling process, and stops at the
first that loads: a good list costs one sample, a broken one a handful of
fast failures.
"""
from typing import Dict, List, Mapping

import numpy as np

from .errors import BadSampleError
from .list_checks import ListFileError, list_dataset_class


def probe_indices(num_entries: int, max_entries: int) -> List[int]:
    """Up to ``max_entries`` indices spread evenly over the list (its
    first and last entry included), so a broken stretch at the top of a
    list does not decide alone."""
    if num_entries <= max_entries:
        return list(range(num_entries))
    return sorted({int(round(i)) for i in
                   np.linspace(0, num_entries - 1, max_entries)})


def probe_list_file(dataset_cfg: Mapping, max_entries: int = 32,
                    max_reasons: int = 3) -> None:
    """Load entries of a list dataset config through its pipeline until
    one works; raise :class:`ListFileError` naming the list, how many
    entries were tried and the first reasons when none does.

    Only a sample's own :class:`BadSampleError` counts as a bad entry: any
    other error (a pipeline that is wrong for every sample) propagates.
    Datasets other than the list datasets, and lists that cannot be read,
    are left to the dataset build, which names them.
    """
    if list_dataset_class(dataset_cfg) is None:
        return
    from mmengine.registry import DefaultScope

    from hicmae.registry import DATASETS

    # skip mode drops malformed lines; repeats and views do not matter here
    cfg = dict(dataset_cfg, on_bad_sample='skip', num_repeats=1,
               test_mode=False, lazy_init=True)
    try:
        # the runner sets the scope later; the pipeline's types need it now
        with DefaultScope.overwrite_default_scope('hicmae'):
            dataset = DATASETS.build(cfg)
        # malformed lines: the training dataset warns about each, once
        dataset._record_bad = lambda *args: None
        dataset.full_init()
    except (FileNotFoundError, ValueError):
        return  # no list or no usable line: the check or build names it
    failed: Dict[str, str] = {}
    indices = probe_indices(len(dataset), max_entries)
    for idx in indices:
        try:
            dataset.pipeline(dataset.get_data_info(idx))
        except BadSampleError as err:
            failed.setdefault(err.path, err.reason)
            continue
        return
    if not failed:
        return
    first = '; '.join(f'{file}: {reason}' for file, reason in
                      list(failed.items())[:max_reasons])
    raise ListFileError(
        f'{dataset.ann_file}: none of the {len(indices)} entries tried (of '
        f'{len(dataset)}) loads, e.g. {first}; check the data '
        '(tools/data/check_dataset.py lists the broken files)')
