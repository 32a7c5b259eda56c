"""Shared machinery of the per-video preparation tools in this folder
(extract_audio.py, crop_faces.py; Python puts a script's folder on the
import path, so they import it by name): listing videos, mirroring their paths
under an output root, temporary names, parallel runs with a progress bar and
the failure report."""
import argparse
import os
import os.path as osp
import sys
from typing import Callable, List, Optional, Sequence, Tuple

from mmengine.utils import track_iter_progress, track_parallel_progress

from hicmae.apis import exit_codes
from hicmae.datasets.errors import clean_reason

VIDEO_EXTS = ('.mp4', '.avi', '.flv', '.mkv', '.mov', '.webm', '.m4v',
              '.mpg', '.mpeg')
SAMPLE_RATE = 16000

# (status, source path, reason); status is 'done', 'skipped' or 'failed'
Outcome = Tuple[str, str, str]


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """The arguments every per-video preparation tool takes."""
    parser.add_argument('src_root', help='folder holding the videos')
    parser.add_argument('out_root', help='output folder (mirrors SRC_ROOT)')
    parser.add_argument('--ext', nargs='+', default=list(VIDEO_EXTS),
                        help='video file extensions (case-insensitive)')
    parser.add_argument('--workers', type=int, default=1,
                        help='parallel processes')
    parser.add_argument('--list', dest='list_file',
                        help='only these videos, one path per line')


def list_videos(src_root: str, exts: Sequence[str],
                list_file: Optional[str] = None) -> List[str]:
    """Sorted paths of the videos to process.

    Without ``list_file``: every file under ``src_root`` whose extension
    is in ``exts``. With it: each non-empty line, relative to ``src_root``
    unless absolute (the extension filter does not apply).
    """
    if list_file:
        with open(list_file) as f:
            lines = [line.strip() for line in f]
        return [p if osp.isabs(p) else osp.join(src_root, p)
                for p in lines if p]
    exts = tuple(e.lower() if e.startswith('.') else '.' + e.lower()
                 for e in exts)
    found = []
    for folder, dirs, files in os.walk(src_root):
        dirs.sort()
        found += [osp.join(folder, n) for n in files
                  if n.lower().endswith(exts)]
    return sorted(found)


def videos_to_process(args: argparse.Namespace) -> Optional[List[str]]:
    """The videos the :func:`add_common_args` arguments name, or ``None``
    after printing why there are none (no folder, no video)."""
    if not osp.isdir(args.src_root):
        print(f'error: no folder {args.src_root}', file=sys.stderr)
        return None
    videos = list_videos(args.src_root, args.ext, args.list_file)
    if not videos:
        print(f'error: no videos ({" ".join(args.ext)}) under '
              f'{args.src_root}', file=sys.stderr)
        return None
    return videos


def output_stem(video: str, src_root: str, out_root: str) -> str:
    """``out_root/<video relative to src_root, without extension>``."""
    rel = osp.relpath(osp.abspath(video), osp.abspath(src_root))
    if rel == '..' or rel.startswith('..' + os.sep):
        raise ValueError(f'not under SRC_ROOT {src_root}')
    return osp.join(out_root, osp.splitext(rel)[0])


def temp_name(final: str) -> str:
    """A hidden sibling of ``final`` to write into before renaming; list
    builders scanning for ``.wav`` files or frame folders pass it by."""
    folder, name = osp.split(final)
    return osp.join(folder, f'.{name}.part')


def plan(videos: Sequence[str], src_root: str, out_root: str,
         suffix: str = '') -> Tuple[List[Tuple[str, str]], List[Outcome]]:
    """``(video, output path)`` pairs, and failures for videos outside
    ``src_root`` (which have no output path)."""
    tasks, failed = [], []
    for video in videos:
        try:
            tasks.append((video, output_stem(video, src_root, out_root) +
                          suffix))
        except ValueError as err:
            failed.append(('failed', video, str(err)))
    return tasks, failed


def run_jobs(func: Callable[[tuple], Outcome], tasks: Sequence[tuple],
             workers: int,
             initializer: Optional[Callable] = None) -> List[Outcome]:
    """``func`` on every task with a progress bar, in ``workers``
    processes. ``func`` must return an :data:`Outcome`, never raise."""
    if not tasks:
        return []
    if workers > 1:
        return track_parallel_progress(func, list(tasks),
                                       min(workers, len(tasks)),
                                       initializer=initializer)
    if initializer is not None:
        initializer()
    return [func(task) for task in track_iter_progress(list(tasks))]


def report(outcomes: Sequence[Outcome], out_root: str, failed_file: str,
           what: str) -> int:
    """Print the failures (and the warnings of items done, their reason
    field), a summary, write (or clear) ``failed_file`` in ``out_root``;
    the exit status (:mod:`hicmae.apis.exit_codes`): 0 when nothing failed,
    3 when some items failed, 4 when every item did."""
    failed = [o for o in outcomes if o[0] == 'failed']
    for status, path, note in outcomes:
        if status == 'done' and note:
            print(f'{path}: warning: {note}', file=sys.stderr)
    counts = {s: sum(o[0] == s for o in outcomes)
              for s in ('done', 'skipped', 'failed')}
    for _, path, reason in failed:
        print(f'{path}: failed: {reason}', file=sys.stderr)
    failed_path = osp.join(out_root, failed_file)
    if failed:
        os.makedirs(out_root, exist_ok=True)
        with open(failed_path, 'w') as f:
            f.writelines(f'{path}\t{reason}\n' for _, path, reason in failed)
    elif osp.exists(failed_path):
        os.remove(failed_path)  # stale: this run had no failures
    where = f' (listed in {failed_path})' if failed else ''
    print(f'{what}: {counts["done"]} done, {counts["skipped"]} skipped, '
          f'{counts["failed"]} failed of {len(outcomes)}{where}')
    return exit_codes.outcome(len(outcomes), counts['failed'])


def short_error(err: Exception) -> str:
    """The first line of an error, without decord's time/source prefix."""
    lines = str(err).strip().splitlines()
    return clean_reason(lines[0])[:200] if lines else type(err).__name__
