"""On-disk layout shared by the writers: splits, audio rate, file paths."""
from typing import Dict

SPLITS = ('train', 'val', 'test')
SAMPLE_RATE = 16000
# side of the face crops in faces/: the Tiny recipes' frame size
FACE_SIZE = 64
# Everything a run writes at the top of ``out_dir`` (and so everything an
# overwrite may delete; other files there are kept).
OUTPUTS = ('videos', 'frames', 'audio', 'lists', 'meta.json', 'faces')


def clip_paths(split: str, clip: str) -> Dict[str, str]:
    """Paths of one clip's files, relative to ``out_dir``: the ``frames``
    folder, the ``wav`` file, the ``video`` (mp4) file and the ``faces``
    folder (the face crops of the frames)."""
    return dict(frames=f'frames/{split}/{clip}',
                wav=f'audio/{split}/{clip}.wav',
                video=f'videos/{split}/{clip}.mp4',
                faces=f'faces/{split}/{clip}')
