"""A small synthetic audio-visual emotion dataset that needs both modalities.

:func:`make_synthetic_av` writes talking cartoon faces (H.264 mp4 with an
AAC track, JPEG frame folders and 16 kHz wav files) plus annotation lists in
the authors' formats, so that the whole fine-tuning / pre-training pipeline
can be exercised end to end without downloading a corpus. It needs only
numpy, scipy, OpenCV and PyAV; it does not import the rest of ``hicmae``.

Six classes, built from two independent cue sets (see :data:`FACES`,
:data:`VOICES` and :data:`CLASS_CUES`)::

    class       face (video)                       voice (audio)
    neutral     relaxed: flat mouth, level brows    calm
    happy       smile: corners up, squint, nod      bright
    sad         frown: corners down, knit brows     calm
    angry       frown                               harsh
    surprised   raised: high brows, wide eyes, O    bright
    fearful     raised                              tremor

* ``calm``: speaker's own pitch, gently falling contour, dark timbre, soft.
* ``bright``: +4 semitones, rising contour (+7 st over the utterance),
  brighter harmonics, medium loud.
* ``harsh``: +2 semitones, steeply falling (-7 st), flat (bright) spectrum,
  irregular pitch (jitter), loud.
* ``tremor``: +6 semitones, flat contour with a 7 Hz vibrato of +-1.5 st,
  breathy (aspiration noise), soft.

So *sad* and *angry* share the face and differ only in the voice, *happy*
and *surprised* share the voice and differ only in the face, *neutral* vs
*sad* differ only in the face and *surprised* vs *fearful* only in the
voice. Faces form 4 groups and voices 4 groups: a video-only or audio-only
classifier can reach at most 4/6 accuracy, while face + voice identify every
class.

Cues that both modalities can observe carry no class information: the
syllable timing (speaking rate, pauses) is drawn per clip independently of
the class, and the mouth opens with the syllable envelope, so audio and video
stay temporally aligned without leaking the voice class into the video (or
the face class into the audio).

Nuisance variation: identities ("speakers", disjoint between train / val /
test) differ in head size and aspect, skin colour, eye spacing and height,
mouth position, base pitch (95-210 Hz) and vocal-tract resonances; every clip
adds its own background colour / gradient, shirt colour, head position and
scale jitter, small random head sway and roll, blinks, pixel noise, speaking
rate, loudness and background noise level.

Layout written under ``out_dir`` (paths in the lists are relative to
``out_dir``)::

    videos/<split>/<clip>.mp4            H.264 yuv420p + AAC mono 16 kHz
    frames/<split>/<clip>/img_00001.jpg  the same frames, 1-based
    audio/<split>/<clip>.wav             the same audio, 16 kHz int16 mono
    lists/{train,val,test}.txt           <frame_folder> <wav> <label>
    lists/{train,val,test}_video.txt     <mp4> <mp4> <label>
    lists/pretrain.txt                   <mp4> (train split, unlabeled)
    lists/classes.txt                    class names in label order
    meta.json                            parameters, cues, counts

Clip ids read ``s<speaker>_c<label>_<index>``, e.g. ``s03_c2_0007`` is the
8th clip (index 7) of class 2 (*sad*), spoken by identity 3.
"""
import json
import os
import os.path as osp
import shutil
import time
from fractions import Fraction
from statistics import NormalDist
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

CLASSES = ('neutral', 'happy', 'sad', 'angry', 'surprised', 'fearful')
SPLITS = ('train', 'val', 'test')
SAMPLE_RATE = 16000
MIN_FRAMES = 64

# Face (video) groups: geometry in face units (x in half-widths, y in
# half-heights of the head ellipse, y down; eye/brow heights relative to
# the identity's eye line).
FACES: Dict[str, dict] = {
    'relaxed': dict(curve=0.0, rest_open=0.0, mouth_w=0.62,
                    brow_inner=-0.22, brow_outer=-0.22, brow_arch=0.02,
                    eye_open=1.0, head_dy=0.0, nod=0.0),
    'smile': dict(curve=0.17, rest_open=0.02, mouth_w=0.76,
                  brow_inner=-0.25, brow_outer=-0.25, brow_arch=0.04,
                  eye_open=0.6, head_dy=0.0, nod=0.035),
    'frown': dict(curve=-0.15, rest_open=0.0, mouth_w=0.56,
                  brow_inner=-0.10, brow_outer=-0.26, brow_arch=0.0,
                  eye_open=0.85, head_dy=0.035, nod=0.0),
    'raised': dict(curve=0.0, rest_open=0.26, mouth_w=0.34,
                   brow_inner=-0.40, brow_outer=-0.36, brow_arch=0.07,
                   eye_open=1.5, head_dy=-0.03, nod=0.0),
}

# Voice (audio) groups: pitch offset above the speaker's base (semitones),
# contour (semitones from start to end of the utterance), vibrato depth /
# rate, pitch jitter (semitones, ~25 Hz band), spectral tilt (harmonic k
# has amplitude k**-tilt), breath noise and loudness.
VOICES: Dict[str, dict] = {
    'calm': dict(offset=0.0, contour=-2.0, vibrato=0.0, vibrato_hz=0.0,
                 jitter=0.0, tilt=2.0, breath=0.02, gain=0.35),
    'bright': dict(offset=4.0, contour=7.0, vibrato=0.0, vibrato_hz=0.0,
                   jitter=0.0, tilt=1.2, breath=0.02, gain=0.6),
    'harsh': dict(offset=2.0, contour=-7.0, vibrato=0.0, vibrato_hz=0.0,
                  jitter=0.35, tilt=0.6, breath=0.05, gain=0.8),
    'tremor': dict(offset=6.0, contour=0.0, vibrato=1.5, vibrato_hz=7.0,
                   jitter=0.0, tilt=1.6, breath=0.35, gain=0.4),
}

CLASS_CUES: Dict[str, Dict[str, str]] = {
    'neutral': dict(face='relaxed', voice='calm'),
    'happy': dict(face='smile', voice='bright'),
    'sad': dict(face='frown', voice='calm'),
    'angry': dict(face='frown', voice='harsh'),
    'surprised': dict(face='raised', voice='bright'),
    'fearful': dict(face='raised', voice='tremor'),
}

FACE_TEXT = {
    'relaxed': 'flat mouth line, level brows, normal eyes, head still',
    'smile': 'smiling mouth (corners up, wide), squinting eyes, slightly '
             'raised level brows, gentle 1.3 Hz head nod',
    'frown': 'down-turned mouth (corners down, narrow), knitted brows '
             '(inner ends lowered), head slightly lowered',
    'raised': "open 'O' mouth (narrow, open at rest), brows raised high and "
              'arched, eyes wide open, head slightly lifted',
}
VOICE_TEXT = {
    'calm': "f0 at the speaker's base, gently falling (-2 st), dark timbre "
            '(tilt 2.0), soft',
    'bright': 'f0 +4 st, rising contour (+7 st over the utterance), brighter '
              'timbre (tilt 1.2), medium loud',
    'harsh': 'f0 +2 st, steeply falling (-7 st), flat harsh spectrum (tilt '
             '0.6), irregular pitch (jitter), loud',
    'tremor': 'f0 +6 st, flat contour with 7 Hz vibrato (+-1.5 st), breathy '
              '(aspiration noise), soft',
}

# Skin tones (BGR), all light enough that the dark facial features stand
# out against them.
_SKIN = np.array([[196, 216, 250], [160, 190, 232], [120, 170, 225],
                  [100, 140, 200], [120, 165, 180], [150, 175, 235],
                  [175, 205, 255], [95, 125, 165], [135, 185, 210],
                  [110, 120, 150]], np.float64)
_FEATURE = (28, 24, 32)      # brows, pupils, mouth outline (BGR)
_MOUTH_IN = (40, 30, 70)     # inside of the open mouth
_SCLERA = (235, 238, 240)
_SHIFT = 4                   # cv2 sub-pixel bits
_SCALE = 1 << _SHIFT
# 256 equiprobable standard-normal quantiles (pixel noise by lookup)
_NORMAL_Q = np.array([NormalDist().inv_cdf((i + 0.5) / 256)
                      for i in range(256)])


# ---------------------------------------------------------------- helpers
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


def _speaker(seed: int, spk: int) -> dict:
    rng = np.random.default_rng([seed, 7919, spk])
    skin = _SKIN[rng.integers(len(_SKIN))] + rng.uniform(-15, 15, 3)
    return dict(
        id=spk,
        face_w=float(rng.uniform(0.25, 0.31)),          # rx / size
        aspect=float(rng.uniform(1.15, 1.35)),          # ry / rx
        skin=[float(v) for v in np.clip(skin, 95, 255)],
        eye_sep=float(rng.uniform(0.36, 0.46)),
        eye_y=float(rng.uniform(-0.24, -0.12)),
        eye_w=float(rng.uniform(0.14, 0.18)),
        mouth_y=float(rng.uniform(0.40, 0.50)),
        nose=bool(rng.integers(2)),
        f0=float(np.exp(rng.uniform(np.log(95.), np.log(210.)))),
        formants=[float(rng.uniform(550, 800)),
                  float(rng.uniform(1200, 2000))],
        tilt_offset=float(rng.uniform(-0.15, 0.15)),
    )


def _envelope(rng, n_samples: int, sr: int):
    """Syllable-like amplitude envelope in [0, 1] (class independent)."""
    dur = n_samples / sr
    env = np.zeros(n_samples, np.float64)
    rate = rng.uniform(2.8, 4.8)          # syllables per second
    pos = rng.uniform(0.08, 0.3)
    end = dur - rng.uniform(0.05, 0.25)
    syllables = []
    while pos < end - 0.1:
        length = min(rng.uniform(0.55, 0.9) / rate, end - pos)
        a, b = int(pos * sr), int((pos + length) * sr)
        x = np.linspace(0., 1., b - a, endpoint=False)
        peak = rng.uniform(0.3, 0.5)      # attack fraction
        shape = np.where(x < peak, np.sin(0.5 * np.pi * x / peak),
                         np.cos(0.5 * np.pi * (x - peak) / (1 - peak)))
        env[a:b] = np.maximum(env[a:b], rng.uniform(0.75, 1.0) * shape**1.5)
        syllables.append((a, b))
        pos += length + rng.uniform(0.15, 0.55) / rate
        if rng.random() < 0.15:
            pos += rng.uniform(0.15, 0.35)  # a short pause
    if not syllables:
        syllables.append((0, n_samples))
        env[:] = np.sin(np.linspace(0, np.pi, n_samples))
    return env, syllables


def _smooth_noise(rng, n: int, sr: int, hz: float) -> np.ndarray:
    """Unit-variance noise low-passed to about ``hz``."""
    step = max(1, int(sr / hz))
    knots = rng.standard_normal(n // step + 2)
    return np.interp(np.arange(n) / step, np.arange(len(knots)), knots)


def _synth_audio(rng, voice: dict, spk: dict, env: np.ndarray,
                 syllables, sr: int) -> np.ndarray:
    from scipy.signal import lfilter
    n = len(env)
    t = np.arange(n) / sr
    first, last = syllables[0][0] / sr, syllables[-1][1] / sr
    prog = np.clip((t - first) / max(last - first, 1e-3), 0., 1.)
    st = voice['offset'] + voice['contour'] * (prog - 0.5)
    # small per-syllable intonation (nuisance)
    wiggle = np.zeros(n)
    for a, b in syllables:
        wiggle[a:b] = rng.uniform(-0.4, 0.4)
    csum = np.concatenate([[0.], np.cumsum(wiggle)])
    idx = np.clip(np.arange(n) + 200, 0, n)
    st += (csum[idx] - csum[np.clip(idx - 400, 0, n)]) / 400.
    if voice['vibrato']:
        st += voice['vibrato'] * np.sin(
            2 * np.pi * voice['vibrato_hz'] * rng.uniform(0.93, 1.07) * t
            + rng.uniform(0, 2 * np.pi))
    if voice['jitter']:
        st += voice['jitter'] * _smooth_noise(rng, n, sr, 25.)
    f0 = spk['f0'] * 2.0**(st / 12.)
    phase = np.mod(2 * np.pi * np.cumsum(f0) / sr, 2 * np.pi)
    tilt = voice['tilt'] + spk['tilt_offset']
    # harmonics up to ~7 kHz; sin(k * phase) by the Chebyshev recurrence
    # sin((k+1)p) = 2 cos(p) sin(kp) - sin((k-1)p), much cheaper than sin
    k_max = int(6500 // f0.min())
    voiced = np.zeros(n, np.float64)
    two_cos = 2. * np.cos(phase)
    s_prev, s_cur = np.zeros(n), np.sin(phase)
    amp, s_next = np.empty(n), np.empty(n)
    for k in range(1, k_max + 1):
        np.multiply(f0, -k / 1000., out=amp)   # fade out 6-7 kHz
        amp += 7.
        np.clip(amp, 0., 1., out=amp)
        amp *= k**-tilt
        amp *= s_cur
        voiced += amp
        np.multiply(two_cos, s_cur, out=s_next)
        s_next -= s_prev
        s_prev, s_cur, s_next = s_cur, s_next, s_prev
    # two vocal-tract resonances (identity), mixed with the dry source so
    # the spectral tilt stays the dominant timbre cue
    res = np.zeros(n)
    for fc, bw in zip(spk['formants'], (110., 160.)):
        r = np.exp(-np.pi * bw / sr)
        a = [1., -2 * r * np.cos(2 * np.pi * fc / sr), r * r]
        res += lfilter([1. - r], a, voiced)
    voiced = voiced + 0.5 * res / (np.std(res) + 1e-9) * np.std(voiced)
    voiced /= np.sqrt(np.mean(voiced[env > 0.5]**2)) + 1e-9
    breath = np.diff(rng.standard_normal(n + 1))    # high-passed noise
    gain = voice['gain'] * rng.uniform(0.8, 1.25) * 0.2
    wave = gain * env * (voiced + voice['breath'] * 2.5 * breath)
    wave += rng.uniform(0.002, 0.008) * rng.standard_normal(n)
    # soft limiter above 0.9 (rare loud 'harsh' peaks), never clips
    mag = np.abs(wave)
    over = mag > 0.9
    wave[over] = np.sign(wave[over]) * (
        0.9 + 0.1 * np.tanh((mag[over] - 0.9) / 0.1))
    return wave


def _mouth_opening(env: np.ndarray, n_frames: int, fps: float, sr: int):
    """Mean envelope over each frame's display interval."""
    edges = np.round(np.arange(n_frames + 1) / fps * sr).astype(int)
    edges = np.clip(edges, 0, len(env))
    csum = np.concatenate([[0.], np.cumsum(env)])
    return (csum[edges[1:]] - csum[edges[:-1]]) / np.maximum(
        edges[1:] - edges[:-1], 1)


def _pts(points: np.ndarray) -> np.ndarray:
    return np.round(points * _SCALE).astype(np.int32).reshape(-1, 1, 2)


def _render(rng, face: dict, spk: dict, opening: np.ndarray, size: int,
            fps: float) -> List[np.ndarray]:
    import cv2
    n = len(opening)
    s = float(size)
    # background: colour + linear gradient (clip nuisance)
    bg0 = rng.uniform(90, 235, 3)
    bg1 = np.clip(bg0 + rng.uniform(-35, 35, 3), 90, 245)
    ang = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:size, 0:size] / s
    w = (np.cos(ang) * (xx - .5) + np.sin(ang) * (yy - .5) + .5)[..., None]
    background = np.clip(bg0 * (1 - w) + bg1 * w, 0, 255).astype(np.uint8)
    shirt = tuple(float(v) for v in rng.uniform(90, 230, 3))
    skin = tuple(spk['skin'])
    dark_skin = tuple(0.8 * v for v in spk['skin'])
    scale = rng.uniform(0.93, 1.07)
    rx = spk['face_w'] * s * scale
    ry = rx * spk['aspect']
    cx0 = s / 2 + rng.uniform(-0.06, 0.06) * s
    cy0 = s / 2 + rng.uniform(-0.05, 0.05) * s + face['head_dy'] * s
    sway_amp = rng.uniform(0.0, 0.015, 2) * s
    sway_hz = rng.uniform(0.2, 0.8, 2)
    sway_ph = rng.uniform(0, 2 * np.pi, 2)
    roll_amp = rng.uniform(0., 4.)
    roll_hz = rng.uniform(0.2, 0.7)
    roll_ph = rng.uniform(0, 2 * np.pi)
    nod_ph = rng.uniform(0, 2 * np.pi)
    talk = rng.uniform(0.22, 0.32)
    noise_sigma = rng.uniform(2., 6.)
    blink = np.zeros(n, bool)
    f = int(rng.integers(0, int(fps)))
    while f < n:
        blink[f:f + 3] = True
        f += int(rng.integers(int(1.5 * fps), int(3.5 * fps)))
    thick = max(1, int(round(s / 45.)))
    sep, eye_y = spk['eye_sep'], spk['eye_y']

    frames = []
    for i in range(n):
        t = i / fps
        cx = cx0 + sway_amp[0] * np.sin(2 * np.pi * sway_hz[0] * t
                                        + sway_ph[0])
        cy = cy0 + sway_amp[1] * np.sin(2 * np.pi * sway_hz[1] * t
                                        + sway_ph[1])
        cy += face['nod'] * s * np.sin(2 * np.pi * 1.3 * t + nod_ph)
        roll = roll_amp * np.sin(2 * np.pi * roll_hz * t + roll_ph)
        c, sn = np.cos(np.radians(roll)), np.sin(np.radians(roll))

        def tf(u, v):
            u = np.asarray(u, np.float64) * rx
            v = np.asarray(v, np.float64) * ry
            return np.stack([cx + u * c - v * sn, cy + u * sn + v * c], -1)

        img = background.copy()
        # shoulders, head
        sh = tf(0., 1.9)
        cv2.ellipse(img, tuple(_pts(sh).ravel()),
                    (int(rx * 1.9 * _SCALE), int(ry * 0.95 * _SCALE)), roll,
                    0, 360, shirt, -1, cv2.LINE_AA, _SHIFT)
        neck = tf([-0.35, 0.35, 0.35, -0.35], [0.6, 0.6, 1.2, 1.2])
        cv2.fillPoly(img, [_pts(neck)], dark_skin, cv2.LINE_AA, _SHIFT)
        cv2.ellipse(img, tuple(_pts(tf(0., 0.)).ravel()),
                    (int(rx * _SCALE), int(ry * _SCALE)), roll, 0, 360,
                    skin, -1, cv2.LINE_AA, _SHIFT)
        # eyes
        for side in (-1., 1.):
            centre = tf(side * sep, eye_y)
            ex = spk['eye_w'] * rx
            ey = 0.075 * face['eye_open'] * ry
            if blink[i]:
                lid = tf(side * sep + np.array([-spk['eye_w'],
                                                spk['eye_w']]),
                         [eye_y, eye_y])
                cv2.polylines(img, [_pts(lid)], False, _FEATURE, thick,
                              cv2.LINE_AA, _SHIFT)
            else:
                cv2.ellipse(img, tuple(_pts(centre).ravel()),
                            (int(ex * _SCALE), int(ey * _SCALE)), roll, 0,
                            360, _SCLERA, -1, cv2.LINE_AA, _SHIFT)
                pr = 0.8 * min(ex, ey, 0.06 * ry)
                cv2.circle(img, tuple(_pts(centre).ravel()),
                           int(max(pr, 1.) * _SCALE), _FEATURE, -1,
                           cv2.LINE_AA, _SHIFT)
            # brow: inner -> middle -> outer
            bu = side * np.array([sep - 0.13, sep + 0.02, sep + 0.19])
            bi = eye_y + face['brow_inner']
            bo = eye_y + face['brow_outer']
            bv = np.array([bi, 0.5 * (bi + bo) - face['brow_arch'], bo])
            cv2.polylines(img, [_pts(tf(bu, bv))], False, _FEATURE,
                          thick + 1, cv2.LINE_AA, _SHIFT)
        if spk['nose']:
            nose = tf([0., -0.06, 0.06], [0.05, 0.22, 0.22])
            cv2.polylines(img, [_pts(nose)], False, dark_skin, thick,
                          cv2.LINE_AA, _SHIFT)
        # mouth: base curve (expression) opened by the syllable envelope
        u = np.linspace(-1., 1., 17)
        half = 0.5 * face['mouth_w']
        base = spk['mouth_y'] + face['curve'] * (0.5 - u**2)
        o = face['rest_open'] + talk * opening[i]
        bulge = (1. - u**2)**0.8
        upper = tf(u * half, base - 0.35 * o * bulge)
        lower = tf(u * half, base + 0.65 * o * bulge)
        if o * ry > 0.8:
            poly = np.concatenate([upper, lower[::-1]])
            cv2.fillPoly(img, [_pts(poly)], _MOUTH_IN, cv2.LINE_AA, _SHIFT)
        cv2.polylines(img, [_pts(upper), _pts(lower)], False, _FEATURE,
                      thick, cv2.LINE_AA, _SHIFT)
        frames.append(img)
    # Gaussian pixel noise by table lookup (quantised, cut at 2.7 sigma)
    video = np.stack(frames).astype(np.int16)
    lut = np.round(_NORMAL_Q * noise_sigma).astype(np.int16)
    video += lut[rng.integers(0, 256, video.shape, np.uint8)]
    return list(np.clip(video, 0, 255).astype(np.uint8))


def _write_mp4(path: str, frames: Sequence[np.ndarray], wave: np.ndarray,
               fps: float, sr: int) -> None:
    import av
    import cv2
    rate = Fraction(fps).limit_denominator(1001)
    h, w = frames[0].shape[:2]
    with av.open(path, 'w') as container:
        vstream = container.add_stream('libx264', rate=rate)
        vstream.width, vstream.height = w, h
        vstream.pix_fmt = 'yuv420p'
        # mbtree off: x264's macroblock-tree lookahead made the bitstream
        # vary from call to call (uninitialised memory, it seems); without
        # it the same frames give the same bytes
        vstream.options = {'preset': 'veryfast', 'crf': '20',
                           'x264-params': 'mbtree=0'}
        vstream.codec_context.thread_count = 1
        astream = container.add_stream('aac', rate=sr, layout='mono')
        astream.codec_context.bit_rate = 64000
        for i, img in enumerate(frames):
            # BT.601 limited-range I420 by OpenCV: deterministic, unlike
            # the first swscale conversion of a process
            yuv = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)
            frame = av.VideoFrame.from_ndarray(yuv, format='yuv420p')
            frame.pts = i
            for packet in vstream.encode(frame):
                container.mux(packet)
        samples = wave.astype(np.float32)
        step = 1024
        for start in range(0, len(samples), step):
            chunk = np.ascontiguousarray(samples[None, start:start + step])
            frame = av.AudioFrame.from_ndarray(chunk, format='fltp',
                                               layout='mono')
            frame.sample_rate = sr
            frame.pts = start
            for packet in astream.encode(frame):
                container.mux(packet)
        for stream in (vstream, astream):
            for packet in stream.encode():
                container.mux(packet)


def _make_clip(job: dict) -> dict:
    """Generate and write one clip; a pure function of ``job``."""
    import cv2
    from scipy.io import wavfile
    out_dir, clip, split = job['out_dir'], job['clip'], job['split']
    face = FACES[CLASS_CUES[job['class_name']]['face']]
    voice = VOICES[CLASS_CUES[job['class_name']]['voice']]
    rng = np.random.default_rng([job['seed'], job['label'], job['index']])
    fps, sr = job['fps'], SAMPLE_RATE
    n_frames = job['num_frames']
    n_samples = int(round(n_frames / fps * sr))
    rng_a, rng_v = rng.spawn(2)
    env, syllables = _envelope(rng_a, n_samples, sr)
    wave = _synth_audio(rng_a, voice, job['speaker'], env, syllables, sr)
    pcm = np.round(wave * 32767.).astype(np.int16)
    frames = _render(rng_v, face, job['speaker'],
                     _mouth_opening(env, n_frames, fps, sr), job['size'],
                     fps)
    wav_rel = f'audio/{split}/{clip}.wav'
    mp4_rel = f'videos/{split}/{clip}.mp4'
    frames_rel = f'frames/{split}/{clip}'
    os.makedirs(osp.join(out_dir, frames_rel), exist_ok=True)
    for i, img in enumerate(frames):
        cv2.imwrite(osp.join(out_dir, frames_rel, f'img_{i + 1:05d}.jpg'),
                    img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    wavfile.write(osp.join(out_dir, wav_rel), sr, pcm)
    _write_mp4(osp.join(out_dir, mp4_rel), frames, pcm / 32768., fps, sr)
    return dict(clip=clip, split=split, label=job['label'],
                frames=frames_rel, wav=wav_rel, video=mp4_rel)


_OUTPUTS = ('videos', 'frames', 'audio', 'lists', 'meta.json')


def _prepare_out_dir(out_dir: str, overwrite: bool) -> None:
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise FileExistsError(f'{out_dir} exists and is not a directory')
    if osp.isdir(out_dir) and os.listdir(out_dir):
        if not overwrite:
            raise FileExistsError(
                f'{out_dir} exists and is not empty; use --overwrite '
                '(overwrite=True) to replace the dataset files there')
        for name in _OUTPUTS:
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


def make_synthetic_av(out_dir: str, num_per_class: int = 24, seed: int = 0,
                      size: int = 96, fps: float = 25, duration: float = 3.2,
                      overwrite: bool = False,
                      num_speakers: Sequence[int] = (6, 2, 2),
                      workers: int = 1,
                      log: Optional[Callable[[str], None]] = None) -> dict:
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

    Returns:
        The content of ``meta.json`` (a dict), with ``out_dir`` added.

    Raises:
        ValueError: invalid arguments.
        FileExistsError: ``out_dir`` is not empty and not ``overwrite``.
    """
    n_frames = validate_args(num_per_class, size, fps, duration,
                             num_speakers)
    num_per_class, size = int(num_per_class), int(size)
    fps = float(fps)
    _prepare_out_dir(out_dir, overwrite)
    start = time.time()

    spk_ids, first = {}, 0
    for split, count in zip(SPLITS, num_speakers):
        spk_ids[split] = list(range(first, first + int(count)))
        first += int(count)
    speakers = {i: _speaker(seed, i) for ids in spk_ids.values()
                for i in ids}
    counts = _split_counts(num_per_class)

    jobs = {split: [] for split in SPLITS}
    for label, name in enumerate(CLASSES):
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
                    speaker=speakers[spk]))
                index += 1

    for sub in ('videos', 'frames', 'audio'):
        for split in SPLITS:
            os.makedirs(osp.join(out_dir, sub, split), exist_ok=True)
    os.makedirs(osp.join(out_dir, 'lists'), exist_ok=True)

    pool = None
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        pool = ProcessPoolExecutor(max_workers=int(workers))
    records = {}
    try:
        for split in SPLITS:
            if pool is not None:
                records[split] = list(pool.map(_make_clip, jobs[split]))
            else:
                records[split] = [_make_clip(job) for job in jobs[split]]
            if log is not None:
                log(f'{split:5s}: {len(records[split]):4d} clips '
                    f'({time.time() - start:.1f}s)')
    finally:
        if pool is not None:
            pool.shutdown()

    def write(name: str, lines: List[str]) -> None:
        with open(osp.join(out_dir, 'lists', name), 'w') as f:
            f.write(''.join(line + '\n' for line in lines))

    for split in SPLITS:
        recs = records[split]
        write(f'{split}.txt',
              [f"{r['frames']} {r['wav']} {r['label']}" for r in recs])
        write(f'{split}_video.txt',
              [f"{r['video']} {r['video']} {r['label']}" for r in recs])
    write('pretrain.txt', [r['video'] for r in records['train']])
    write('classes.txt', list(CLASSES))

    meta = dict(
        name='synthetic_av',
        description='Talking cartoon faces with emotion-like cues split '
                    'between face and voice; several class pairs are '
                    'separable in one modality only, so both are needed.',
        params=dict(num_per_class=num_per_class, seed=seed, size=size,
                    fps=fps, duration=duration, num_frames=n_frames,
                    sample_rate=SAMPLE_RATE,
                    num_samples=int(round(n_frames / fps * SAMPLE_RATE)),
                    num_speakers=[int(v) for v in num_speakers]),
        classes=list(CLASSES),
        class_cues={name: dict(face=CLASS_CUES[name]['face'],
                               voice=CLASS_CUES[name]['voice'],
                               video=FACE_TEXT[CLASS_CUES[name]['face']],
                               audio=VOICE_TEXT[CLASS_CUES[name]['voice']])
                    for name in CLASSES},
        face_groups={g: [c for c in CLASSES if CLASS_CUES[c]['face'] == g]
                     for g in FACES},
        voice_groups={g: [c for c in CLASSES if CLASS_CUES[c]['voice'] == g]
                      for g in VOICES},
        design=dict(
            video_only_confusions=[['sad', 'angry'],
                                   ['surprised', 'fearful']],
            audio_only_confusions=[['neutral', 'sad'],
                                   ['happy', 'surprised']],
            max_unimodal_accuracy=4 / 6,
            shared_timing='syllable timing (rate, pauses) is random per '
                          'clip and class independent; the mouth opening '
                          'follows the syllable envelope (A/V aligned)',
            nuisance=dict(
                identity='head size/aspect, skin colour, eye spacing and '
                         'height, mouth height, base f0 95-210 Hz, '
                         'formants',
                clip='background colour/gradient, shirt colour, head '
                     'position/scale jitter, head sway and roll, blinks, '
                     'pixel noise, speaking rate, loudness, noise level'),
        ),
        files=dict(
            videos='videos/<split>/<clip>.mp4 (H.264 yuv420p, AAC mono '
                   '16 kHz)',
            frames='frames/<split>/<clip>/img_%05d.jpg (1-based)',
            audio='audio/<split>/<clip>.wav (16 kHz mono int16)',
            lists='lists/<split>.txt: <frame_folder> <wav> <label>; '
                  'lists/<split>_video.txt: <mp4> <mp4> <label>; '
                  'lists/pretrain.txt: train-split mp4s, unlabeled',
        ),
        counts={split: dict(total=len(records[split]),
                            per_class={name: sum(r['label'] == label
                                                 for r in records[split])
                                       for label, name in
                                       enumerate(CLASSES)})
                for split in SPLITS},
        speakers={split: [f's{i:02d}' for i in spk_ids[split]]
                  for split in SPLITS},
        speaker_params={f's{i:02d}': dict(
            base_f0=round(p['f0'], 1),
            skin_bgr=[round(v) for v in p['skin']],
            face_width=round(p['face_w'] * size, 1),
            eye_spacing=round(p['eye_sep'], 3))
            for i, p in speakers.items()},
    )
    with open(osp.join(out_dir, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
    if log is not None:
        log(f'wrote {sum(len(r) for r in records.values())} clips to '
            f'{out_dir} in {time.time() - start:.1f}s')
    return dict(meta, out_dir=out_dir)
