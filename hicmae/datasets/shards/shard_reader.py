"""Read the wanted clips of one shard through ``mmengine.fileio``."""
import io
from collections import Counter
from typing import Iterator, Optional, Sequence, Tuple

from mmengine import fileio

# read local (and NFS) shards in large sequential chunks
_LOCAL_BUFFER = 4 << 20


def open_shard(url: str, backend_args: Optional[dict] = None):
    """A binary stream over a shard: the file itself where the backend is
    local, else the object fetched whole (a shard is a few hundred MB)."""
    backend = fileio.get_file_backend(url, backend_args=backend_args)
    if isinstance(backend, fileio.LocalBackend):
        return open(url, 'rb', buffering=_LOCAL_BUFFER)
    return io.BytesIO(backend.get(url))


def iter_shard(url: str, keys: Sequence[str],
               backend_args: Optional[dict] = None
               ) -> Iterator[Tuple[str, dict, Optional[str]]]:
    """``(key, sample, error)`` for every wanted key of the shard, in tar
    order, each as often as it is wanted. ``sample`` holds the members
    read (``json``, ``jpgs``, ``wav``); a key whose members are missing, or
    that the tar ends before, comes with an ``error`` string instead."""
    from webdataset.tariterators import group_by_keys, tar_file_iterator
    wanted = Counter(keys)
    seen = set()

    def members(stream):
        for item in tar_file_iterator(
                stream, select_files=lambda n: n.split('.', 1)[0] in wanted):
            item['__url__'] = url
            yield item

    error = None
    try:
        with open_shard(url, backend_args) as stream:
            for sample in group_by_keys(members(stream)):
                key = sample['__key__']
                if key in seen:
                    continue
                seen.add(key)
                for _ in range(wanted[key]):
                    yield key, sample, None
    except FileNotFoundError:
        error = 'shard not found'
    except Exception as err:  # tarfile/IO errors of a truncated shard
        error = f'shard unreadable after {len(seen)} clip(s) ({err})'
    for key in wanted:
        if key not in seen:
            for _ in range(wanted[key]):
                yield key, {}, error or 'clip missing from the shard'
