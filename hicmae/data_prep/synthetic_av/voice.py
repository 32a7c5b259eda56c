"""Voice synthesis: the syllable envelope and the voiced waveform."""
from typing import List, Tuple

import numpy as np

Syllables = List[Tuple[int, int]]


def syllable_envelope(rng: np.random.Generator, n_samples: int,
                      sr: int) -> Tuple[np.ndarray, Syllables]:
    """Syllable-like amplitude envelope in [0, 1] (class independent).

    Returns the envelope and the ``(start, end)`` sample range of each
    syllable.
    """
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


def _smooth_noise(rng: np.random.Generator, n: int, sr: int,
                  hz: float) -> np.ndarray:
    """Unit-variance noise low-passed to about ``hz``."""
    step = max(1, int(sr / hz))
    knots = rng.standard_normal(n // step + 2)
    return np.interp(np.arange(n) / step, np.arange(len(knots)), knots)


def synthesize_voice(rng: np.random.Generator, voice: dict, spk: dict,
                     env: np.ndarray, syllables: Syllables,
                     sr: int) -> np.ndarray:
    """Float waveform (within +-1) of ``spk`` speaking with the ``voice``
    cue group over the syllable envelope ``env``."""
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
