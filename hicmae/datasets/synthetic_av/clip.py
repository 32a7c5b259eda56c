"""One clip: voice, face and media files from a job description."""
import os
import os.path as osp

import numpy as np

from .classes import CLASS_CUES, FACES, VOICES
from .face import mouth_opening, render_frames
from .layout import SAMPLE_RATE, clip_paths
from .media import write_jpegs, write_mp4, write_wav
from .voice import syllable_envelope, synthesize_voice


def make_clip(job: dict) -> dict:
    """Generate and write one clip; a pure function of ``job``.

    ``job`` holds ``out_dir``, ``clip``, ``split``, ``label``,
    ``class_name``, ``index``, ``seed``, ``fps``, ``num_frames``, ``size``
    and ``speaker`` (see :func:`~.speakers.sample_speaker`). Returns the
    clip's record: ``clip``, ``split``, ``label`` and the ``frames``,
    ``wav`` and ``video`` paths relative to ``out_dir``.
    """
    out_dir, clip, split = job['out_dir'], job['clip'], job['split']
    face = FACES[CLASS_CUES[job['class_name']]['face']]
    voice = VOICES[CLASS_CUES[job['class_name']]['voice']]
    rng = np.random.default_rng([job['seed'], job['label'], job['index']])
    fps, sr = job['fps'], SAMPLE_RATE
    n_frames = job['num_frames']
    n_samples = int(round(n_frames / fps * sr))
    # separate streams so the audio draws never shift the video draws
    rng_a, rng_v = rng.spawn(2)
    env, syllables = syllable_envelope(rng_a, n_samples, sr)
    wave = synthesize_voice(rng_a, voice, job['speaker'], env, syllables,
                            sr)
    pcm = np.round(wave * 32767.).astype(np.int16)
    frames = render_frames(rng_v, face, job['speaker'],
                           mouth_opening(env, n_frames, fps, sr),
                           job['size'], fps)
    paths = clip_paths(split, clip)
    frames_rel, wav_rel, mp4_rel = (paths['frames'], paths['wav'],
                                    paths['video'])
    os.makedirs(osp.join(out_dir, frames_rel), exist_ok=True)
    write_jpegs(osp.join(out_dir, frames_rel), frames)
    write_wav(osp.join(out_dir, wav_rel), pcm, sr)
    # the mp4 gets the same int16-quantised samples as the wav
    write_mp4(osp.join(out_dir, mp4_rel), frames, pcm / 32768., fps, sr)
    return dict(clip=clip, split=split, label=job['label'],
                frames=frames_rel, wav=wav_rel, video=mp4_rel)
