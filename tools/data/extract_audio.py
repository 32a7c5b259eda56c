"""Extract every video's audio track as a 16 kHz mono 16-bit wav.

    python tools/data/extract_audio.py SRC_ROOT OUT_ROOT \
        [--ext .mp4 .flv .avi ...] [--workers N] [--list FILE]

Every video under SRC_ROOT (or each path of --list FILE, one per line,
relative to SRC_ROOT or absolute) gives ``OUT_ROOT/<its path relative to
SRC_ROOT without extension>.wav``, decoded and resampled by decord.

Re-running resumes: a non-empty wav already there is skipped. Each wav is
written under a hidden temporary name and renamed when complete, so an
interrupted run never leaves a truncated file under the final name. A video
that fails (no audio track, corrupt file) is printed with the reason and
listed in ``OUT_ROOT/failed_audio.txt``; the others go on. The last line
counts done / skipped / failed; the exit status is 1 only if every video
failed.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Tuple

import decord
import numpy as np
from batch_jobs import (Outcome, add_common_args, plan, report, run_jobs,
                        short_error, temp_name, videos_to_process)
from scipy.io import wavfile

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.datasets import BadSampleError

SAMPLE_RATE = 16000


def decode_audio(path: str, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The mono float waveform of ``path``'s audio track at
    ``sample_rate``; :class:`BadSampleError` names the file and why."""
    if not osp.isfile(path):
        raise BadSampleError(path, 'file not found')
    if osp.getsize(path) == 0:
        raise BadSampleError(path, 'empty file (0 bytes)')
    try:
        reader = decord.AudioReader(path, sample_rate=sample_rate,
                                    mono=True)
        wave = reader[:].asnumpy().reshape(-1)
    except Exception as err:  # decord raises its own DECORDError
        reason = short_error(err)
        if "Can't find audio stream" in reason:
            raise BadSampleError(path, 'no audio track') from None
        raise BadSampleError(path, f'cannot decode audio ({reason})') \
            from None
    if wave.size == 0:
        raise BadSampleError(path, 'the audio track is empty')
    return wave


def write_wav(path: str, wave: np.ndarray,
              sample_rate: int = SAMPLE_RATE) -> None:
    """Write 16-bit PCM under a temporary name, then rename into place."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    pcm = np.round(np.clip(wave, -1, 1) * 32767).astype(np.int16)
    tmp = temp_name(path)
    with open(tmp, 'wb') as f:
        wavfile.write(f, sample_rate, pcm)
    os.replace(tmp, path)


def extract_one(task: Tuple[str, str]) -> Outcome:
    """Extract one video's audio to its wav (skipped if already there)."""
    video, wav = task
    if osp.isfile(wav) and osp.getsize(wav) > 0:
        return 'skipped', video, ''
    try:
        write_wav(wav, decode_audio(video))
    except Exception as err:  # report and go on with the other videos
        reason = getattr(err, 'reason', None) or short_error(err)
        return 'failed', video, reason
    return 'done', video, ''


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    add_common_args(parser)
    args = parser.parse_args(argv)
    videos = videos_to_process(args)
    if videos is None:
        return 2
    tasks, outside = plan(videos, args.src_root, args.out_root, '.wav')
    outcomes = outside + run_jobs(extract_one, tasks, args.workers)
    return report(outcomes, args.out_root, 'failed_audio.txt', 'audio')


if __name__ == '__main__':
    sys.exit(main())
