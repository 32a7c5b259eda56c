"""Read the wanted clips of one shard through ``mmengine.fileio``."""
import io
from collections import Counter
from typing import Dict, Iterator, Optional, Sequence, Tuple

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


# the members of one clip (see sample_codec)
MEMBERS = ('json', 'jpgs', 'wav')


def iter_shard(url: str, keys: Sequence[str],
               backend_args: Optional[dict] = None
               ) -> Iterator[Tuple[str, dict, Optional[str]]]:
    """``(key, sample, error)`` for every wanted key of the shard, in tar
    order, each as often as it is wanted. ``sample`` holds the members
    read (``json``, ``jpgs``, ``wav``); a key whose members are missing, or
    that the tar ends before, comes with an ``error`` string instead (or,
    for missing members, an incomplete sample that the decoder reports).

    Reading stops as soon as every wanted clip is complete: a reader that
    wants the first clips of a shard does not stream the rest of it."""
    from webdataset.tariterators import tar_file_iterator
    wanted = Counter(keys)
    seen = set()
    pending: Dict[str, dict] = {}

    def select(name: str) -> bool:
        return name.split('/')[-1].split('.', 1)[0] in wanted

    error = None
    try:
        with open_shard(url, backend_args) as stream:
            for item in tar_file_iterator(stream, select_files=select):
                key, _, member = item['fname'].split('/')[-1].partition('.')
                if key in seen:
                    continue
                sample = pending.setdefault(key, {'__key__': key})
                sample[member] = item['data']
                if all(m in sample for m in MEMBERS):
                    seen.add(key)
                    del pending[key]
                    for _ in range(wanted[key]):
                        yield key, sample, None
                    if len(seen) == len(wanted):
                        break  # every wanted clip read: stop streaming
    except FileNotFoundError:
        error = 'shard not found'
    except Exception as err:  # tarfile/IO errors of a truncated shard
        error = f'shard unreadable after {len(seen)} clip(s) ({err})'
    for key in wanted:
        if key in seen:
            continue
        for _ in range(wanted[key]):
            if error is None and key in pending:
                yield key, pending[key], None  # members missing
            else:
                yield key, {}, error or 'clip missing from the shard'
