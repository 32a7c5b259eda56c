"""On-disk layout shared by the writers: splits, audio rate, file paths."""
from typing import Dict

SPLITS = ('train', 'val', 'test')
SAMPLE_RATE = 16000
# Everything a run writes at the top of ``out_dir`` (and so everything an
# overwrite may delete; other files there are kept).
OUTPUTS = ('videos', 'frames', 'audio', 'lists', 'meta.json')


def clip_paths(split: str, clip: str) -> Dict[str, str]:
    """Paths of one clip's files, relative to ``out_dir``: the ``frames``
    folder, the ``wav`` file and the ``video`` (mp4) file."""
    return dict(frames=f'frames/{split}/{clip}',
                wav=f'audio/{split}/{clip}.wav',
                video=f'videos/{split}/{clip}.mp4')
