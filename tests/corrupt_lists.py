"""Data roots whose listed files exist but are corrupt (issue 21), shared
by tests/datasets and tests/tools."""
from pathlib import Path

from av_files import frames, tone, touch_empty, write_frame_folder, write_wav

# every kind of corrupt entry the probe and the dataset must name
CORRUPT_KINDS = ('garbage mp4', 'unreadable jpgs', 'empty wav',
                 'text as wav')


def write_corrupt(root: Path, kind: str, name: str) -> str:
    """One list line (label left off) of a corrupt entry of ``kind``."""
    if kind == 'garbage mp4':
        (root / f'{name}.mp4').write_bytes(b'\x00\x01garbage' * 300)
        write_wav(root / f'{name}.wav', tone(1.0))
        return f'{name}.mp4 {name}.wav'
    if kind == 'unreadable jpgs':
        folder = root / name
        folder.mkdir()
        for i in range(1, 9):
            (folder / f'img_{i:05d}.jpg').write_bytes(b'\xff\xd8\xffjunk')
        write_wav(root / f'{name}.wav', tone(1.0))
        return f'{name} {name}.wav'
    write_frame_folder(root / name, frames(8))
    if kind == 'empty wav':
        touch_empty(root / f'{name}.wav')
    else:
        (root / f'{name}.wav').write_text('not a wav\n' * 50)
    return f'{name} {name}.wav'


def write_good(root: Path, name: str, seed: int = 0) -> str:
    """One list line (label left off) of a tiny loadable entry."""
    write_frame_folder(root / name, frames(8, seed=seed))
    write_wav(root / f'{name}.wav', tone(1.0, freq=200 + 50 * seed))
    return f'{name} {name}.wav'


def write_list(path: Path, entries, labels=None) -> Path:
    """A list of ``entries`` with labels 0, 1, ... (or ``labels``)."""
    labels = labels if labels is not None else range(len(entries))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(f'{e} {label}\n'
                            for e, label in zip(entries, labels)))
    return path


def corrupt_root(root: Path, count: int = 6) -> Path:
    """``lists/all_bad.txt``: ``count`` entries (labels 0..count-1), each
    corrupt, cycling through :data:`CORRUPT_KINDS`."""
    root.mkdir(parents=True, exist_ok=True)
    entries = [write_corrupt(root, CORRUPT_KINDS[i % len(CORRUPT_KINDS)],
                             f'bad{i}') for i in range(count)]
    write_list(root / 'lists' / 'all_bad.txt', entries)
    return root
