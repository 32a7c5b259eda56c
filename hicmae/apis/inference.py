"""Python API: build a recognizer, classify clips, extract embeddings."""
import re
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate

from hicmae.registry import MODELS
from hicmae.utils import register_all_modules
from hicmae.utils.pretrained import checkpoint_state_dict
from .checkpoint_info import stage_mismatch
from .clips import ClipViews, clip_views, prepare_clip, with_face_crop
from .feature_extraction import forward_features


def default_device() -> str:
    """``'cuda'`` when a GPU is usable, else ``'cpu'``."""
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def init_model(config: Union[str, Config], checkpoint: Optional[str] = None,
               device: Optional[str] = None,
               cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build the config's model, load ``checkpoint`` strictly, set eval.

    The checkpoint may be this package's or the authors' (converted on the
    fly). ``device`` defaults to the GPU when there is one. The config is
    kept as ``model.cfg`` for the test pipeline. A checkpoint that does not
    fit the config (missing weights, other shapes: a different model size
    or class count) raises ``ValueError`` naming both files.
    """
    register_all_modules()
    if isinstance(config, str):
        # an unknown key in the file or the overrides: ConfigError
        from hicmae.engine.launch import load_checked_config
        cfg = load_checked_config(config, cfg_options)
    else:
        cfg = config
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
    model_cfg = cfg.model.copy()
    model_cfg.pop('init_cfg', None)  # weights come from ``checkpoint``
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        state = checkpoint_state_dict(checkpoint)
        mismatch = stage_mismatch(checkpoint, cfg.filename, state, model)
        if mismatch:
            raise ValueError(mismatch)
        own = model.state_dict()
        wrong = [(k, tuple(v.shape), tuple(own[k].shape))
                 for k, v in state.items()
                 if k in own and hasattr(v, 'shape')
                 and tuple(v.shape) != tuple(own[k].shape)]
        if wrong:
            key, theirs, ours = wrong[0]
            raise ValueError(
                f'{checkpoint} does not fit {cfg.filename}: {len(wrong)} '
                f'weights of another shape, e.g. {key} {theirs} in the '
                f'checkpoint, {ours} in the model (another model size or '
                'number of classes?)')
        result = model.load_state_dict(state, strict=False)
        if result.missing_keys:
            raise ValueError(
                f'{checkpoint} does not fit {cfg.filename}: '
                f'{len(result.missing_keys)} weights missing, e.g. '
                f'{result.missing_keys[:3]} (another model, or a checkpoint '
                'of another stage?)')
    model.cfg = cfg
    return model.to(device or default_device()).eval()


def inference_pipeline(model, video: str,
                       face_crop: Union[bool, dict] = True) -> List[dict]:
    """The config's test pipeline for ``video``, with ``FaceCrop`` right
    after ``DecodeFrames`` for a video file when ``face_crop`` is true (a
    dict: the ``FaceCrop`` arguments). Frame folders are taken as prepared
    face crops (``tools/data/crop_faces.py``) and are left alone."""
    return with_face_crop(model.cfg.test_dataloader.dataset.pipeline,
                          face_crop, video)


def clip_batch(model, video: str, audio: Optional[str] = None,
               face_crop: Union[bool, dict] = True) -> dict:
    """Every test view of one clip, decoded once, collated into one batch
    (the input of :func:`inference_recognizer` and
    :func:`extract_features`). Raises :class:`BadSampleError` naming the
    file and reason for unusable input."""
    test = model.cfg.test_dataloader.dataset
    views = ClipViews([(video, audio)],
                      inference_pipeline(model, video, face_crop),
                      tuple(test.get('num_views', (1, 1))))
    return default_collate(prepare_clip(views, clip_views(views)[0]))


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
    a regression model ``dict(values=np.ndarray (T,))``; with the keys of
    :func:`fallback_notes` when the clip was scored with a fallback (a
    clip shorter than the sampler's ``min_frames`` is padded with its last
    frame, as the authors' test loader does).
    """
    batch = model.data_preprocessor(
        clip_batch(model, video, audio, face_crop), False)
    samples = model.predict(**batch)
    notes = fallback_notes(samples)
    if 'pred_value' in samples[0]:
        values = torch.stack([s.pred_value for s in samples]).mean(0)
        return dict(values=values.cpu().numpy(), **notes)
    scores = torch.stack([s.pred_score for s in samples]).mean(0)
    classes = model.cfg.test_dataloader.dataset.get('metainfo', {}).get(
        'classes') or [str(i) for i in range(len(scores))]
    return dict(scores=scores.cpu().numpy(), label=int(scores.argmax()),
                classes=list(classes), **notes)


def fallback_notes(samples) -> dict:
    """``fallbacks`` (the notes of a clip scored with a fallback, e.g. too
    few frames padded with the last one, silent audio) and
    ``padded_from`` (the clip's frame count when it was padded); empty for
    a clip used as it is."""
    notes = []
    for sample in samples:
        for note in sample.metainfo.get('fallbacks') or ():
            if note not in notes:
                notes.append(note)
    if not notes:
        return {}
    out = dict(fallbacks=notes)
    for note in notes:
        found = re.match(r'only (\d+) frames', note)
        if found:
            out['padded_from'] = int(found.group(1))
    return out


@torch.no_grad()
def extract_features(model, video: str, audio: Optional[str] = None,
                     face_crop: Union[bool, dict] = True
                     ) -> Dict[str, np.ndarray]:
    """Embeddings of one clip, averaged over the test views (inputs and
    ``face_crop`` as for :func:`inference_recognizer`; the same forward as
    :func:`hicmae.apis.extract_dataset_features`).

    Keys: ``feature`` (the normalised fused feature the classifier sees),
    and per modality ``video_layers`` / ``audio_layers`` (token-averaged
    normalised output of every encoder layer, ``(layers, C)``) and, with
    fusion, ``fused_video`` / ``fused_audio``.
    """
    feats = forward_features(model, clip_batch(model, video, audio,
                                               face_crop))
    return {k: v.mean(0) for k, v in feats.items()}


def top_k(result: Dict[str, object], k: int = 3) -> List[tuple]:
    """``[(class, probability), ...]`` of the ``k`` most likely classes."""
    if 'scores' not in result:
        raise ValueError('a regression result has values, no class scores')
    order = np.argsort(-result['scores'])[:k]
    return [(result['classes'][i], float(result['scores'][i]))
            for i in order]
