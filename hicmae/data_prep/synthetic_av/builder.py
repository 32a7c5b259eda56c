"""Build a whole dataset: argument checks, output folder, speaker / split
assignment, clip jobs, annotation lists and ``meta.json``."""
import json
import os
import os.path as osp
import shutil
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .clip import make_clip
from .cue_sets import DEFAULT_CUE_SET, CueSet, get_cue_set
from .layout import OUTPUTS, SPLITS
from .meta import build_meta

MIN_FRAMES = 64


def _split_counts(n: int) -> Dict[str, int]:
    """Per-class train/val/test counts: ~60/20/20, test and val non-empty
    whenever that leaves a training clip."""
    if n >= 3:
        val = max(1, int(round(0.2 * n)))
        test = max(1, int(round(0.2 * n)))
    elif n == 2:
        val, test = 0, 1
    else:
        val, test = 0, 0
    return dict(train=n - val - test, val=val, test=test)


def _prepare_out_dir(out_dir: str, overwrite: bool) -> None:
    """Create ``out_dir``, or clear the dataset files of a non-empty one
    when ``overwrite`` (other files there are kept)."""
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise FileExistsError(f'{out_dir} exists and is not a directory')
    if osp.isdir(out_dir) and os.listdir(out_dir):
        if not overwrite:
            raise FileExistsError(
                f'{out_dir} exists and is not empty; use --overwrite '
                '(overwrite=True) to replace the dataset files there')
        for name in OUTPUTS:
            path = osp.join(out_dir, name)
            if osp.isdir(path) and not osp.islink(path):
                shutil.rmtree(path)
            elif osp.lexists(path):
                os.remove(path)
    os.makedirs(out_dir, exist_ok=True)


def validate_args(num_per_class: int, size: int, fps: float,
                  duration: float,
                  num_speakers: Sequence[int] = (6, 2, 2)) -> int:
    """Check the generation arguments; return the number of frames."""
    if isinstance(num_per_class, bool) or int(num_per_class) != \
            num_per_class or num_per_class < 1:
        raise ValueError(f'num_per_class must be a positive integer, got '
                         f'{num_per_class!r}')
    if int(size) != size or size < 32 or size % 2:
        raise ValueError(f'size must be an even number of pixels >= 32 '
                         f'(H.264 yuv420p), got {size!r}')
    if not fps > 0 or not np.isfinite(fps):
        raise ValueError(f'fps must be positive, got {fps!r}')
    if not duration > 0 or not np.isfinite(duration):
        raise ValueError(f'duration must be positive, got {duration!r}')
    n_frames = int(round(duration * fps))
    if n_frames < MIN_FRAMES:
        raise ValueError(
            f'duration * fps = {duration:g} * {fps:g} gives {n_frames} '
            f'frames; at least {MIN_FRAMES} are needed (duration >= '
            f'{MIN_FRAMES / fps:g} s at {fps:g} fps)')
    if len(num_speakers) != 3 or any(int(v) < 1 for v in num_speakers):
        raise ValueError('num_speakers must be three positive counts '
                         f'(train, val, test), got {num_speakers!r}')
    return n_frames


def _assign_speakers(cues: CueSet, seed: int, num_speakers: Sequence[int]
                     ) -> Tuple[Dict[str, List[int]], Dict[int, dict]]:
    """Consecutive identity ids per split (never shared between splits)
    and each identity's traits."""
    spk_ids, first = {}, 0
    for split, count in zip(SPLITS, num_speakers):
        spk_ids[split] = list(range(first, first + int(count)))
        first += int(count)
    speakers = {i: cues.sample_speaker(seed, i) for ids in spk_ids.values()
                for i in ids}
    return spk_ids, speakers


def _plan_jobs(cues: CueSet, out_dir: str, seed: int, num_per_class: int,
               fps: float, n_frames: int, size: int,
               spk_ids: Dict[str, List[int]],
               speakers: Dict[int, dict]) -> Dict[str, List[dict]]:
    """One :func:`~.clip.make_clip` job per clip, grouped by split.

    The clip index runs on across the splits of a class, so every clip of
    a class gets its own random stream whatever the split counts are.
    """
    counts = _split_counts(num_per_class)
    jobs = {split: [] for split in SPLITS}
    for label, name in enumerate(cues.classes):
        index = 0
        for split in SPLITS:
            ids = spk_ids[split]
            for j in range(counts[split]):
                spk = ids[j % len(ids)]
                clip = f's{spk:02d}_c{label}_{index:04d}'
                jobs[split].append(dict(
                    out_dir=out_dir, clip=clip, split=split, label=label,
                    class_name=name, index=index, seed=seed, fps=fps,
                    num_frames=n_frames, size=size,
                    speaker=speakers[spk], cue_set=cues.name))
                index += 1
    return jobs


def _run_jobs(jobs: Dict[str, List[dict]], workers: int, start: float,
              log: Optional[Callable[[str], None]]
              ) -> Dict[str, List[dict]]:
    """Write every clip (in ``workers`` processes); records by split, in
    job order."""
    pool = None
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        pool = ProcessPoolExecutor(max_workers=int(workers))
    records = {}
    try:
        for split in SPLITS:
            if pool is not None:
                records[split] = list(pool.map(make_clip, jobs[split]))
            else:
                records[split] = [make_clip(job) for job in jobs[split]]
            if log is not None:
                log(f'{split:5s}: {len(records[split]):4d} clips '
                    f'({time.time() - start:.1f}s)')
    finally:
        if pool is not None:
            pool.shutdown()
    return records


def _write_lists(out_dir: str, records: Dict[str, List[dict]],
                 classes: Sequence[str]) -> None:
    """Write the annotation lists under ``out_dir/lists``."""
    def write(name: str, lines: List[str]) -> None:
        with open(osp.join(out_dir, 'lists', name), 'w') as f:
            f.write(''.join(line + '\n' for line in lines))

    for split in SPLITS:
        recs = records[split]
        write(f'{split}.txt',
              [f"{r['frames']} {r['wav']} {r['label']}" for r in recs])
        write(f'{split}_video.txt',
              [f"{r['video']} {r['video']} {r['label']}" for r in recs])
        # the face crops (faces/), what the Tiny recipes read
        write(f'{split}_faces.txt',
              [f"{r['faces']} {r['wav']} {r['label']}" for r in recs])
    write('pretrain.txt', [r['video'] for r in records['train']])
    write('pretrain_faces.txt',
          [f"{r['faces']} {r['wav']}" for r in records['train']])
    write('classes.txt', list(classes))


def make_synthetic_av(out_dir: str, num_per_class: int = 24, seed: int = 0,
                      size: int = 96, fps: float = 25, duration: float = 3.2,
                      overwrite: bool = False,
                      num_speakers: Sequence[int] = (6, 2, 2),
                      workers: int = 1,
                      log: Optional[Callable[[str], None]] = None,
                      cue_set: str = DEFAULT_CUE_SET) -> dict:
    """Write the synthetic audio-visual emotion dataset into ``out_dir``.

    Args:
        out_dir: output folder; must be absent or empty unless
            ``overwrite``.
        num_per_class: clips per class, split ~60/20/20 per class.
        seed: everything written is a deterministic function of the seed
            (and the other arguments).
        size: frame side in pixels (even, >= 32).
        fps: video frame rate.
        duration: clip length in seconds; ``duration * fps`` (rounded) is
            the number of frames and must be >= 64.
        overwrite: replace the dataset files (``videos``, ``frames``,
            ``audio``, ``lists``, ``meta.json``) of a non-empty ``out_dir``;
            other files there are left alone.
        num_speakers: identities in (train, val, test); identities are never
            shared between splits.
        workers: processes used to write the clips (1: this process).
        log: called with a short progress line per split.
        cue_set: which classes and looks to generate (see
            :data:`~.cue_sets.CUE_SETS`): ``'emotions6'`` (the default, 6
            emotion classes, cartoon faces) or ``'valence_arousal4'`` (face
            valence x voice arousal, round faces with hair / glasses).

    Returns:
        The content of ``meta.json`` (a dict), with ``out_dir`` added.

    Raises:
        ValueError: invalid arguments.
        FileExistsError: ``out_dir`` is not empty and not ``overwrite``.
    """
    cues = get_cue_set(cue_set)
    n_frames = validate_args(num_per_class, size, fps, duration,
                             num_speakers)
    num_per_class, size = int(num_per_class), int(size)
    fps = float(fps)
    _prepare_out_dir(out_dir, overwrite)
    start = time.time()
    spk_ids, speakers = _assign_speakers(cues, seed, num_speakers)
    jobs = _plan_jobs(cues, out_dir, seed, num_per_class, fps, n_frames,
                      size, spk_ids, speakers)
    for sub in ('videos', 'frames', 'audio'):
        for split in SPLITS:
            os.makedirs(osp.join(out_dir, sub, split), exist_ok=True)
    os.makedirs(osp.join(out_dir, 'lists'), exist_ok=True)
    records = _run_jobs(jobs, workers, start, log)
    _write_lists(out_dir, records, cues.classes)
    meta = build_meta(cues, num_per_class, seed, size, fps, duration, n_frames,
                      num_speakers, spk_ids, speakers, records)
    with open(osp.join(out_dir, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
    if log is not None:
        log(f'wrote {sum(len(r) for r in records.values())} clips to '
            f'{out_dir} in {time.time() - start:.1f}s')
    return dict(meta, out_dir=out_dir)
