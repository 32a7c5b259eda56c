"""The test views of clips, decoded once per clip: the one input path of
inference and feature extraction (a single clip is a batch of one)."""
import copy
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmcv.transforms import Compose
from torch.utils.data import Dataset

from hicmae.datasets import BadSampleError


def _is_frame_folder(video: str) -> bool:
    return osp.isdir(video) or (osp.splitext(video)[1] == ''
                                and not osp.isfile(video))


def with_face_crop(steps: Sequence[dict], face_crop: Union[bool, dict],
                   video: Optional[str] = None) -> List[dict]:
    """``steps`` with ``FaceCrop`` right after ``DecodeFrames`` when
    ``face_crop`` is true (a dict: the ``FaceCrop`` arguments).

    A frame folder (``video`` without extension or a directory) is taken
    as prepared face crops (``tools/data/crop_faces.py``) and left alone,
    as is a pipeline that crops faces already.
    """
    steps = [dict(t) for t in steps]
    names = [t.get('type') for t in steps]
    folder = video is not None and _is_frame_folder(video)
    if not face_crop or folder or 'FaceCrop' in names:
        return steps
    if 'DecodeFrames' not in names:
        raise ValueError('cannot add face cropping: the test pipeline has no '
                         'DecodeFrames step (pass face_crop=False)')
    crop = dict(type='FaceCrop')
    if isinstance(face_crop, dict):
        crop.update(face_crop)
    steps.insert(names.index('DecodeFrames') + 1, crop)
    return steps


class ClipViews(Dataset):
    """The test views of loose clips, each clip decoded once.

    Indexed by view like the list datasets (``get_data_info`` gives
    ``video_idx``, the clip), and by clip through :meth:`prepare_clip`,
    which opens the video once, samples every temporal view, decodes the
    union of their frames once, crops the face once over all of them
    (one detection pass; the crop is smoothed over the whole clip) and
    only then cuts each view and runs the rest of the pipeline. When the
    frames are square before the spatial crop (face crops), every spatial
    view would be the same pixels, so only the first is made.

    Args:
        clips: ``(video, audio)`` pairs; ``audio`` ``None`` reads the
            video's own track (frame folders need a wav).
        pipeline: the test pipeline (transform configs), e.g. with
            :func:`with_face_crop` applied.
        num_views: ``(temporal segments, spatial crops)`` per clip.
    """

    def __init__(self, clips: Sequence[Tuple[str, Optional[str]]],
                 pipeline: Sequence[dict],
                 num_views: Tuple[int, int] = (1, 1)) -> None:
        self.steps = [dict(t) for t in pipeline]
        self.pipeline = Compose(copy.deepcopy(self.steps))
        self.num_views = tuple(num_views)
        segments, crops = self.num_views
        self.infos = []
        for video_idx, (video, audio) in enumerate(clips):
            for t in range(segments):
                for s in range(crops):
                    info = dict(filename=video, temporal_view=t,
                                spatial_view=s, video_idx=video_idx)
                    if audio is not None:
                        info['audio_filename'] = audio
                    self.infos.append(info)
        self._stages = self._split(self.steps)

    @staticmethod
    def _split(steps: List[dict]) -> Optional[Dict[str, Compose]]:
        """The pipeline cut into open / sample / decode / crop / rest, or
        ``None`` when it does not have that shape (then views are made one
        by one)."""
        names = [t.get('type') for t in steps]
        if 'SampleClip' not in names or 'DecodeFrames' not in names:
            return None
        sample, decode = names.index('SampleClip'), names.index('DecodeFrames')
        if decode != sample + 1:
            return None
        crop = decode + 1 if names[decode + 1:decode + 2] == ['FaceCrop'] \
            else decode
        parts = dict(open=steps[:sample], sample=steps[sample:decode],
                     decode=steps[decode:decode + 1],
                     crop=steps[decode + 1:crop + 1], rest=steps[crop + 1:])
        return {k: Compose(copy.deepcopy(v)) for k, v in parts.items()}

    def __len__(self) -> int:
        return len(self.infos)

    def get_data_info(self, idx: int) -> dict:
        return dict(self.infos[idx], sample_idx=idx)

    def prepare_data(self, idx: int) -> dict:
        return self.pipeline(self.get_data_info(idx))

    def prepare_clip(self, views: Sequence[int]) -> List[dict]:
        """The packed views ``views`` (indices of one clip's views)."""
        if self._stages is None:
            return [self.prepare_data(v) for v in views]
        st = self._stages
        infos = [self.get_data_info(v) for v in views]
        opened = st['open'](dict(infos[0]))
        sampled = {}
        for info in infos:
            t = info['temporal_view']
            if t not in sampled:
                sampled[t] = st['sample'](dict(opened, **info))
        union = sorted({int(i) for s in sampled.values()
                        for i in s['frame_inds']})
        first = next(iter(sampled.values()))
        clip = st['decode'](dict(first, frame_inds=union))
        if not _is_frame_folder(infos[0]['filename']):
            # frame folders are prepared face crops (crop_faces.py)
            clip = st['crop'](clip)
        position = {frame: row for row, frame in enumerate(union)}
        square = clip['imgs'][0].shape[0] == clip['imgs'][0].shape[1]
        out = []
        for info in infos:
            if square and info['spatial_view'] > 0:
                continue  # the same pixels as spatial view 0
            view = dict(sampled[info['temporal_view']], **info)
            rows = [position[int(i)] for i in view['frame_inds']]
            view['imgs'] = [clip['imgs'][r] for r in rows]
            for key in ('img_shape', 'original_shape'):
                if key in clip:
                    view[key] = clip[key]
            if 'face_boxes' in clip:
                view['face_boxes'] = clip['face_boxes'][rows]
            out.append(st['rest'](view))
        return out


def clip_views(dataset: Dataset) -> List[List[int]]:
    """View indices of every clip, clips in ``video_idx`` order (a dataset
    without views is one view per clip)."""
    groups: Dict[int, List[int]] = {}
    for idx in range(len(dataset)):
        key = dataset.get_data_info(idx).get('video_idx', idx)
        groups.setdefault(int(key), []).append(idx)
    return [groups[k] for k in sorted(groups)]


def prepare_clip(dataset: Dataset, views: Sequence[int]) -> List[dict]:
    """One clip's packed views: decoded once where the dataset can
    (:class:`ClipViews`), else view by view (the list datasets).
    Raises :class:`BadSampleError` for an unusable clip."""
    if hasattr(dataset, 'prepare_clip'):
        return dataset.prepare_clip(views)
    out = []
    for v in views:
        data = dataset.prepare_data(v)
        if data is None:  # a list dataset that skipped a bad sample
            info = dataset.get_data_info(v)
            raise BadSampleError(info.get('filename', '?'),
                                 'cannot be read')
        out.append(data)
    return out
