"""One clip: voice, face and media files from a job description."""
import os
import os.path as osp
from typing import Optional, Tuple

import numpy as np

from .cue_sets import DEFAULT_CUE_SET, get_cue_set
from .face import RenderedClip, face_crops, mouth_opening, render_frames
from .layout import FACE_SIZE, SAMPLE_RATE, clip_paths
from .media import write_jpegs, write_mp4, write_wav
from .voice import syllable_envelope, synthesize_voice


def synthesize_clip(rng: np.random.Generator, face: dict, voice: dict,
                    speaker: dict, num_frames: int, fps: float, size: int,
                    look: Optional[dict] = None
                    ) -> Tuple[RenderedClip, np.ndarray]:
    """The BGR frames (with the head boxes) and int16 samples of one clip
    (nothing written).

    The audio and the video draw from separate child streams of ``rng``,
    and the syllable timing (which the mouth follows) is drawn before the
    voice, so the video depends on ``face`` but not on ``voice`` and the
    audio on ``voice`` but not on ``face``.
    """
    sr = SAMPLE_RATE
    n_samples = int(round(num_frames / fps * sr))
    # separate streams so the audio draws never shift the video draws
    rng_a, rng_v = rng.spawn(2)
    env, syllables = syllable_envelope(rng_a, n_samples, sr)
    wave = synthesize_voice(rng_a, voice, speaker, env, syllables, sr)
    pcm = np.round(wave * 32767.).astype(np.int16)
    frames = render_frames(rng_v, face, speaker,
                           mouth_opening(env, num_frames, fps, sr), size,
                           fps, look)
    return frames, pcm


def make_clip(job: dict) -> dict:
    """Generate and write one clip; a pure function of ``job``.

    ``job`` holds ``out_dir``, ``clip``, ``split``, ``label``,
    ``class_name``, ``index``, ``seed``, ``fps``, ``num_frames``, ``size``,
    ``speaker`` (see :func:`~.speakers.sample_speaker`) and optionally
    ``cue_set`` (a name, default ``emotions6``). Returns the clip's record:
    ``clip``, ``split``, ``label`` and the ``frames``, ``wav``, ``video``
    and ``faces`` paths relative to ``out_dir``.
    """
    out_dir, clip, split = job['out_dir'], job['clip'], job['split']
    cues = get_cue_set(job.get('cue_set', DEFAULT_CUE_SET))
    rng = np.random.default_rng([job['seed'], job['label'], job['index'],
                                 *cues.rng_salt])
    fps, sr = job['fps'], SAMPLE_RATE
    rendered, pcm = synthesize_clip(
        rng, cues.face_of(job['class_name']),
        cues.voice_of(job['class_name']), job['speaker'],
        job['num_frames'], fps, job['size'], cues.look)
    frames = rendered.frames
    paths = clip_paths(split, clip)
    frames_rel, wav_rel, mp4_rel = (paths['frames'], paths['wav'],
                                    paths['video'])
    for rel, images in ((frames_rel, frames),
                        (paths['faces'], face_crops(rendered, FACE_SIZE))):
        os.makedirs(osp.join(out_dir, rel), exist_ok=True)
        write_jpegs(osp.join(out_dir, rel), images)
    write_wav(osp.join(out_dir, wav_rel), pcm, sr)
    # the mp4 gets the same int16-quantised samples as the wav
    write_mp4(osp.join(out_dir, mp4_rel), frames, pcm / 32768., fps, sr)
    return dict(clip=clip, split=split, label=job['label'],
                frames=frames_rel, wav=wav_rel, video=mp4_rel,
                faces=paths['faces'])
