"""Python API: build a recognizer, classify clips, extract embeddings."""
import os.path as osp
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import default_collate

from hicmae.registry import MODELS
from hicmae.utils import register_all_modules
from hicmae.utils.pretrained import checkpoint_state_dict


def init_model(config: Union[str, Config], checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build the config's model, load ``checkpoint`` strictly, set eval.

    The checkpoint may be this package's or the authors' (converted on the
    fly). The config is kept as ``model.cfg`` for the test pipeline.
    """
    register_all_modules()
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model_cfg = cfg.model.copy()
    model_cfg.pop('init_cfg', None)  # weights come from ``checkpoint``
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        result = model.load_state_dict(checkpoint_state_dict(checkpoint),
                                       strict=False)
        if result.missing_keys:
            raise ValueError(
                f'{checkpoint} does not fit {cfg.filename}: '
                f'{len(result.missing_keys)} weights missing, e.g. '
                f'{result.missing_keys[:3]} (a pre-training checkpoint? '
                'fine-tune it first)')
    model.cfg = cfg
    return model.to(device).eval()


def _is_frame_folder(video: str) -> bool:
    return osp.splitext(video)[1] == '' or osp.isdir(video)


def inference_pipeline(model, video: str,
                  face_crop: Union[bool, dict] = True) -> List[dict]:
    """The config's test pipeline for ``video``, with ``FaceCrop`` right
    after ``DecodeFrames`` for a video file when ``face_crop`` is true (a
    dict: the ``FaceCrop`` arguments). Frame folders are taken as prepared
    face crops (``tools/data/crop_faces.py``) and are left alone."""
    steps = [dict(t) for t in model.cfg.test_dataloader.dataset.pipeline]
    names = [t.get('type') for t in steps]
    if not face_crop or _is_frame_folder(video) or 'FaceCrop' in names:
        return steps
    if 'DecodeFrames' not in names:
        raise ValueError('cannot add face cropping: the test pipeline has no '
                         'DecodeFrames step (pass face_crop=False)')
    crop = dict(type='FaceCrop')
    if isinstance(face_crop, dict):
        crop.update(face_crop)
    steps.insert(names.index('DecodeFrames') + 1, crop)
    return steps


def _view_batches(model, video: str, audio: Optional[str],
                  face_crop: Union[bool, dict]) -> dict:
    """Every test view of one clip, collated into one batch."""
    cfg = model.cfg.test_dataloader.dataset
    segments, crops = cfg.get('num_views', (1, 1))
    pipeline = Compose(inference_pipeline(model, video, face_crop))
    views = []
    for t in range(segments):
        for s in range(crops):
            info = dict(filename=video, temporal_view=t, spatial_view=s,
                        sample_idx=0)
            if audio is not None:
                info['audio_filename'] = audio
            views.append(pipeline(info))
    return default_collate(views)


@torch.no_grad()
def inference_recognizer(model, video: str, audio: Optional[str] = None,
                         face_crop: Union[bool, dict] = True
                         ) -> Dict[str, object]:
    """Class probabilities of one clip, averaged over the test views.

    ``video`` is a video file (its audio track is used unless ``audio``
    names a wav) or a frame folder with ``audio`` given. A video file's
    sampled frames are cropped to the face first (see
    :func:`inference_pipeline`) unless ``face_crop=False`` (for videos that
    are face crops already).
    Raises :class:`hicmae.datasets.BadSampleError` naming the file and
    reason for unusable input, e.g. no face found.

    Returns ``dict(scores=np.ndarray (K,), label=int, classes=list)``; for
    a regression model ``dict(values=np.ndarray (T,))``.
    """
    batch = model.data_preprocessor(
        _view_batches(model, video, audio, face_crop), False)
    samples = model.predict(**batch)
    if 'pred_value' in samples[0]:
        values = torch.stack([s.pred_value for s in samples]).mean(0)
        return dict(values=values.cpu().numpy())
    scores = torch.stack([s.pred_score for s in samples]).mean(0)
    classes = model.cfg.test_dataloader.dataset.get('metainfo', {}).get(
        'classes') or [str(i) for i in range(len(scores))]
    return dict(scores=scores.cpu().numpy(), label=int(scores.argmax()),
                classes=list(classes))


@torch.no_grad()
def extract_features(model, video: str, audio: Optional[str] = None,
                     face_crop: Union[bool, dict] = True
                     ) -> Dict[str, np.ndarray]:
    """Embeddings of one clip, averaged over the test views (inputs and
    ``face_crop`` as for :func:`inference_recognizer`).

    Keys: ``feature`` (the normalised fused feature the classifier sees),
    and per modality ``video_layers`` / ``audio_layers`` (token-averaged
    normalised output of every encoder layer, ``(layers, C)``) and, with
    fusion, ``fused_video`` / ``fused_audio``.
    """
    batch = model.data_preprocessor(
        _view_batches(model, video, audio, face_crop), False)
    feats = model.extract_feat(batch['inputs'])
    out = {k: v.mean(0).cpu().numpy() for k, v in feats.items()}
    out['feature'] = model.head.feature(feats).mean(0).cpu().numpy()
    return out


def top_k(result: Dict[str, object], k: int = 3) -> List[tuple]:
    """``[(class, probability), ...]`` of the ``k`` most likely classes."""
    order = np.argsort(-result['scores'])[:k]
    return [(result['classes'][i], float(result['scores'][i]))
            for i in order]
