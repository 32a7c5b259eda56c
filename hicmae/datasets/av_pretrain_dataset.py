"""Unlabelled videos for pre-training (VoxCeleb2-style lists)."""
from typing import List

from hicmae.registry import DATASETS
from .av_base_dataset import AVBaseDataset


@DATASETS.register_module()
class AVPretrainDataset(AVBaseDataset):
    """One video per line, relative to ``data_root`` (or re-rooted).

    An optional second field naming a ``.wav`` gives the audio; otherwise
    the pipeline's :class:`LoadAudio` uses the video's sibling ``.wav`` if
    there is one, else the video's own audio track. Further fields (e.g.
    a dummy label) are ignored.
    """

    def parse_line(self, parts: List[str], where: str) -> dict:
        info = dict(filename=self.resolve(parts[0]))
        if len(parts) > 1 and parts[1].lower().endswith('.wav'):
            info['audio_filename'] = self.resolve(parts[1])
        return info
