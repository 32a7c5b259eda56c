"""VoxCeleb2 (Chung et al., 2018; www.robots.ox.ac.uk/~vgg/data/voxceleb),
for pre-training.

Layout: ``dev/mp4/idXXXXX/<YouTube id>/NNNNN.mp4`` under the dataset root
(1,092,009 face-tracked clips of 5,994 speakers, with audio). The list is
the pre-training format of :class:`~hicmae.datasets.AVPretrainDataset`,
one clip per line, no label: ``<video>`` (the mp4, whose own track gives
the audio, as in the authors' pre-training) or ``<video> <wav>`` when
``extract_audio.py`` made wavs, or ``<frame folder> <wav>``. The clips are
found by :func:`find_videos`, which ``tools/data/build_pretrain_list.py``
uses too, so both tools list the same files in the same order.
"""
import os
import os.path as osp
from typing import List, Optional

from .common import LayoutError, MediaPaths, Report, Sample, keep_available


def find_videos(root: str, subdir: str, ext: str) -> List[str]:
    """Every file ending in ``ext`` under ``root/subdir``, as sorted
    ``/``-separated paths relative to ``root`` (a reproducible list).
    Raises ``FileNotFoundError`` if the folder is missing."""
    base = osp.join(root, subdir)
    if not osp.isdir(base):
        raise FileNotFoundError(f'no folder {base}')
    found = []
    for folder, _, files in os.walk(base):
        for name in files:
            if name.lower().endswith(ext):
                found.append(osp.relpath(osp.join(folder, name), root))
    return sorted(p.replace(os.sep, '/') for p in found)


class VoxCeleb2Builder:
    """The pre-training list of VoxCeleb2 dev (no classes, no folds)."""

    name = 'voxceleb2'
    config = 'configs/_base_/datasets/voxceleb2_pretrain.py'
    subdir = osp.join('dev', 'mp4')
    list_file = 'pretrain_list.txt'

    def collect(self, src_root: str, subdir: Optional[str] = None
                ) -> List[Sample]:
        """Every ``.mp4`` under ``src_root/subdir``, paths relative to
        ``src_root``, sorted."""
        subdir = subdir or self.subdir
        try:
            videos = find_videos(src_root, subdir, '.mp4')
        except FileNotFoundError as err:
            raise LayoutError(f'VoxCeleb2: {err} (expected '
                              'dev/mp4/idXXXXX/<youtube id>/NNNNN.mp4 under '
                              'the dataset root)') from None
        if not videos:
            raise LayoutError('VoxCeleb2: no .mp4 under '
                              f'{osp.join(src_root, subdir)}')
        return [Sample(v, 0) for v in videos]

    def lines(self, samples: List[Sample], paths: MediaPaths,
              report: Report, check: bool = True) -> List[str]:
        """The list's lines; with ``check``, samples whose frame folder or
        wav is missing are dropped and reported."""
        if paths.frames_root and not paths.audio_root:
            raise ValueError('a VoxCeleb2 list of frame folders needs the '
                             'wavs too: give --audio-root')
        if check:
            samples = keep_available({1: {'all': samples}}, paths,
                                     report)[1]['all']
        out = []
        for s in samples:
            fields = [paths.entry(paths.video(s))]
            if paths.audio_root:
                fields.append(paths.entry(paths.audio(s)))
            out.append(' '.join(fields) + '\n')
        return out
