"""Batched embedding extraction over whole datasets, in 1 or more processes.

Whole clips go through a DataLoader: all test views of a clip
(``num_views`` expanded, ``video_idx`` naming each view's clip; loose files
decoded and face-cropped once per clip, see :class:`ClipViews`), then the
recognizer's ``extract_feat`` / ``head.feature`` (:func:`forward_features`,
which :func:`hicmae.apis.extract_features` runs on a batch of one clip), and
every clip's views are averaged. Ranks take whole clips, so averaging never
crosses ranks; rank 0 gathers the clips in index order. A clip with a view
that cannot be decoded is reported and left out.
"""
import copy
import os.path as osp
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.dist import get_dist_info
from mmengine.logging import print_log
from mmengine.utils import ProgressBar
from torch.utils.data import DataLoader, Dataset

from hicmae.datasets import BadSampleError
from hicmae.registry import DATASETS
from .clips import ClipViews, clip_views, prepare_clip, with_face_crop

__all__ = ['ExtractedFeatures', 'ClipViews', 'clip_views',
           'dataset_from_config', 'dataset_from_files', 'collate_clips',
           'capture_all_layers', 'forward_features',
           'extract_dataset_features']


@dataclass
class ExtractedFeatures:
    """Features of the usable clips of a dataset, rows in clip order.

    ``arrays`` maps a feature kind to ``(N, ...)``; ``clips`` holds one
    ``dict(index, video, audio, label)`` per row (``index``: the clip's
    position in the dataset); ``failed`` one ``dict(index, video, audio,
    file, reason)`` per clip left out.
    """
    arrays: Dict[str, np.ndarray] = field(default_factory=dict)
    clips: List[dict] = field(default_factory=list)
    failed: List[dict] = field(default_factory=list)


def dataset_from_config(cfg: Config, split: str = 'test',
                        ann_file: Optional[str] = None
                        ) -> Tuple[Dataset, List[dict]]:
    """The config's ``{split}`` dataset, with the test pipeline and views.

    Path handling (``data_root``, ``path_remap``, ``fold``) is the
    config's; ``ann_file`` replaces its list. Malformed list lines are
    dropped and returned as ``[dict(file='list:line', reason=...)]``.
    """
    loader = cfg.get(f'{split}_dataloader')
    if not loader or not loader.get('dataset'):
        raise ValueError(f'{cfg.filename} has no {split}_dataloader.dataset')
    test = cfg.test_dataloader.dataset
    ds_cfg = copy.deepcopy(loader.dataset.to_dict())
    ds_cfg.update(test_mode=True, on_bad_sample='skip', lazy_init=False,
                  pipeline=copy.deepcopy(list(test.pipeline)),
                  num_views=tuple(test.get('num_views', (1, 1))))
    if ann_file is not None:
        ds_cfg['ann_file'] = ann_file
    dataset = DATASETS.build(ds_cfg)
    if not hasattr(dataset, 'set_bad_sample_log'):
        return dataset, []
    # the dataset only hands its dropped lines out through its log file
    with tempfile.TemporaryDirectory() as tmp:
        log = osp.join(tmp, 'bad.tsv')
        dataset.set_bad_sample_log(log)
        dataset.bad_sample_log = None
        lines = Path(log).read_text().splitlines() if osp.exists(log) else []
    dropped = [dict(zip(('file', 'reason'), line.split('\t', 1)))
               for line in lines]
    return dataset, dropped


def dataset_from_files(cfg: Config, videos: Sequence[str],
                       audios: Optional[Sequence[Optional[str]]] = None,
                       face_crop=False) -> ClipViews:
    """:class:`ClipViews` of loose clips with the config's test pipeline;
    ``face_crop`` (true or ``FaceCrop`` arguments) adds ``FaceCrop`` after
    ``DecodeFrames`` (raw videos; see :func:`with_face_crop`)."""
    test = cfg.test_dataloader.dataset
    audios = list(audios) if audios is not None else [None] * len(videos)
    pipeline = with_face_crop(test.pipeline, face_crop)
    return ClipViews(list(zip(videos, audios)), pipeline,
                     tuple(test.get('num_views', (1, 1))))


class _GuardedClips(Dataset):
    """Whole clips (all their views, decoded once) that turn a decoding
    failure into a record: one broken clip neither stops the loader nor
    pulls in a random substitute (what the datasets' skip mode does in
    training)."""

    def __init__(self, dataset: Dataset, groups: List[List[int]]) -> None:
        self.dataset = dataset
        self.groups = groups

    def __len__(self) -> int:
        return len(self.groups)

    def __getitem__(self, clip: int) -> dict:
        try:
            return dict(clip=clip,
                        views=prepare_clip(self.dataset, self.groups[clip]))
        except BadSampleError as err:
            return dict(clip=clip, error=(err.path, err.reason))


def collate_clips(items: Sequence[dict]) -> dict:
    """All views of the usable clips in one batch, with the rows of each
    clip (``rows``: ``[(clip, start, stop)]``); failures pass through."""
    views, rows = [], []
    for item in items:
        if 'views' in item:
            rows.append((item['clip'], len(views),
                         len(views) + len(item['views'])))
            views += item['views']
    return dict(rows=rows, batch=default_collate(views) if views else None,
                errors=[(item['clip'], *item['error']) for item in items
                        if 'error' in item])


@contextmanager
def capture_all_layers(model: torch.nn.Module, enabled: bool = True
                       ) -> Iterator[Dict[str, List[torch.Tensor]]]:
    """Record the token-averaged, un-normalised hidden states of a forward.

    Yields ``{key: [(B, C) per layer]}``: for ``video`` / ``audio`` the
    embeddings (patches plus positions) then every encoder block; for
    ``fused_video`` / ``fused_audio`` every fusion block. Hooks avoid a
    second pass through the encoders.
    """
    store: Dict[str, List[torch.Tensor]] = {}
    handles = []

    def keep(key: str, pos: Optional[torch.Tensor] = None) -> Callable:
        def hook(module, args, out):
            tokens = out if pos is None else out + pos.to(out.dtype)
            store[key].append(tokens.mean(dim=1))
        return hook

    if enabled:
        for name in ('video', 'audio'):
            encoder = getattr(model, f'{name}_encoder', None)
            if encoder is None:
                continue
            store[name] = []
            handles.append(encoder.patch_embed.register_forward_hook(
                keep(name, encoder.pos_embed)))
            handles += [b.register_forward_hook(keep(name))
                        for b in encoder.blocks]
        fusion = getattr(model, 'fusion', None)
        for name in ('video', 'audio'):
            blocks = getattr(fusion, f'{name}_blocks', None)
            if blocks:
                store[f'fused_{name}'] = []
                handles += [b.register_forward_hook(keep(f'fused_{name}'))
                            for b in blocks]
    try:
        yield store
    finally:
        for handle in handles:
            handle.remove()


def forward_features(model: torch.nn.Module, batch: dict,
                     captured: Optional[Dict[str, List[torch.Tensor]]] = None
                     ) -> Dict[str, np.ndarray]:
    """Per-view features of one collated batch, as numpy arrays on the
    CPU: the keys of the recognizer's ``extract_feat``, ``feature`` (the
    normalised fused feature the classifier sees) and, with
    :func:`capture_all_layers`, ``all_layers_*``."""
    captured = captured or {}
    for layers in captured.values():
        layers.clear()
    data = model.data_preprocessor(batch, False)
    feats = model.extract_feat(data['inputs'])
    feats['feature'] = model.head.feature(feats)
    for key, layers in captured.items():
        feats[f'all_layers_{key}'] = torch.stack(layers, dim=1)
    return {k: v.float().cpu().numpy() for k, v in feats.items()}


def gather_to_rank0(obj: object) -> Optional[List[object]]:
    """Every rank's ``obj`` on rank 0 (``None`` elsewhere), over gloo so
    that CPU objects travel whatever the main backend is."""
    rank, world = get_dist_info()
    if world == 1:
        return [obj]
    group = dist.new_group(backend='gloo')
    parts = [None] * world if rank == 0 else None
    dist.gather_object(obj, parts, dst=0, group=group)
    return parts


def _clip_info(dataset: Dataset, view: int) -> dict:
    info = dataset.get_data_info(view)
    if info.get('gt_label') is not None:
        label = str(int(info['gt_label']))
    elif info.get('gt_value') is not None:
        label = ' '.join(str(v) for v in info['gt_value'])
    else:
        label = ''
    return dict(video=info['filename'],
                audio=info.get('audio_filename') or '', label=label)


def _warn(message: str) -> None:
    print_log(message, logger='current', level=30)


@torch.no_grad()
def extract_dataset_features(model: torch.nn.Module, dataset: Dataset,
                             batch_size: int = 8, num_workers: int = 2,
                             all_layers: bool = False, progress: bool = True,
                             log: Optional[Callable[[str], None]] = None
                             ) -> Optional[ExtractedFeatures]:
    """Features of every clip of ``dataset``, averaged over its views.

    Args:
        model: a recognizer from :func:`hicmae.apis.init_model` (in eval
            mode, as that leaves it).
        dataset: views with ``get_data_info`` / ``prepare_data`` (a list
            dataset from :func:`dataset_from_config` or :class:`ClipViews`).
        batch_size: views per forward pass.
        num_workers: DataLoader worker processes.
        all_layers: also return ``all_layers_{video,audio}`` (``(N, 1 + L,
            C)``: embeddings, then every encoder block) and, with fusion,
            ``all_layers_fused_{video,audio}`` (every fusion block), all
            token-averaged and un-normalised.
        progress: show a progress bar (rank 0).
        log: called with a line per failed clip (default: a warning).

    Returns:
        The features, with the same keys as
        :func:`hicmae.apis.extract_features` (plus ``all_layers_*``). In a
        distributed run each rank extracts a shard of whole clips and only
        rank 0 gets the result; other ranks get ``None``.
    """
    log = log or _warn
    rank, world = get_dist_info()
    groups = clip_views(dataset)
    # whole clips per batch, so a clip is decoded once and its views are
    # averaged in one place; ranks take every world-th clip
    per_batch = max(1, batch_size // max(1, len(groups[0]) if groups else 1))
    loader = DataLoader(_GuardedClips(dataset, groups), batch_size=per_batch,
                        sampler=list(range(rank, len(groups), world)),
                        num_workers=num_workers, collate_fn=collate_clips)
    bar = ProgressBar(len(loader.sampler)) if progress and rank == 0 \
        else None
    done: Dict[int, Dict[str, np.ndarray]] = {}
    failed: Dict[int, Tuple[str, str]] = {}
    with capture_all_layers(model, all_layers) as captured:
        for item in loader:
            for clip, path, reason in item['errors']:
                failed[clip] = (path, reason)
                log(f'{path}: skipped: {reason}')
            if item['batch'] is not None:
                feats = forward_features(model, item['batch'], captured)
                for clip, start, stop in item['rows']:
                    done[clip] = {k: v[start:stop].mean(0)
                                  for k, v in feats.items()}
            if bar is not None:
                bar.update(len(item['rows']) + len(item['errors']))
    if bar is not None:
        bar.file.write('\n')
    parts = gather_to_rank0((done, failed))
    if parts is None:
        return None
    for part_done, part_failed in parts[1:]:
        done.update(part_done)
        failed.update(part_failed)
    return _assemble(dataset, groups, done, failed)


def _assemble(dataset: Dataset, groups: List[List[int]],
              done: Dict[int, Dict[str, np.ndarray]],
              failed: Dict[int, Tuple[str, str]]) -> ExtractedFeatures:
    order = sorted(done)
    arrays = {k: np.stack([done[c][k] for c in order])
              for k in (done[order[0]] if order else ())}
    clips = [dict(index=c, **_clip_info(dataset, groups[c][0]))
             for c in order]
    bad = [dict(index=c, **_clip_info(dataset, groups[c][0]),
                file=failed[c][0], reason=failed[c][1])
           for c in sorted(failed)]
    return ExtractedFeatures(arrays=arrays, clips=clips, failed=bad)
