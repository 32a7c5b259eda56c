"""Identity ("speaker") sampling: the per-identity face and voice traits."""
import numpy as np

# Skin tones (BGR), all light enough that the dark facial features stand
# out against them.
_SKIN = np.array([[196, 216, 250], [160, 190, 232], [120, 170, 225],
                  [100, 140, 200], [120, 165, 180], [150, 175, 235],
                  [175, 205, 255], [95, 125, 165], [135, 185, 210],
                  [110, 120, 150]], np.float64)


def sample_speaker(seed: int, spk: int) -> dict:
    """Traits of identity ``spk``: a deterministic function of
    ``(seed, spk)``, so a speaker looks and sounds the same in every clip.
    """
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


# The ``valence_arousal4`` look: another skin palette (pale to deep, a few
# warmer / more saturated tones), hair colours (BGR) and hair styles.
_ROUND_SKIN = np.array([[185, 222, 246], [150, 205, 240], [120, 186, 236],
                        [95, 150, 215], [85, 125, 170], [160, 226, 236],
                        [140, 160, 225], [110, 170, 190]], np.float64)
_HAIR = np.array([[25, 25, 30], [30, 50, 85], [60, 110, 170],
                  [70, 170, 215], [150, 150, 155], [40, 60, 150]],
                 np.float64)
HAIR_STYLES = ('cap', 'bangs', 'tuft', 'side')


def sample_round_speaker(seed: int, spk: int) -> dict:
    """Traits of identity ``spk`` in the ``valence_arousal4`` look: rounder
    and wider heads, hair on top, glasses on odd ids, dot eyes. Deterministic
    in ``(seed, spk)``; the voice traits are drawn as in
    :func:`sample_speaker`."""
    rng = np.random.default_rng([seed, 104729, spk])
    skin = _ROUND_SKIN[rng.integers(len(_ROUND_SKIN))] + \
        rng.uniform(-12, 12, 3)
    hair = _HAIR[rng.integers(len(_HAIR))] + rng.uniform(-10, 10, 3)
    return dict(
        id=spk,
        face_w=float(rng.uniform(0.28, 0.32)),
        aspect=float(rng.uniform(1.0, 1.12)),
        skin=[float(v) for v in np.clip(skin, 85, 255)],
        eye_sep=float(rng.uniform(0.34, 0.44)),
        eye_y=float(rng.uniform(-0.18, -0.06)),
        eye_w=float(rng.uniform(0.14, 0.18)),
        mouth_y=float(rng.uniform(0.40, 0.48)),
        nose=bool(rng.integers(2)),
        f0=float(np.exp(rng.uniform(np.log(95.), np.log(210.)))),
        formants=[float(rng.uniform(550, 800)),
                  float(rng.uniform(1200, 2000))],
        tilt_offset=float(rng.uniform(-0.15, 0.15)),
        eye_style='dot',
        hair=dict(style=HAIR_STYLES[int(rng.integers(len(HAIR_STYLES)))],
                  colour=[float(v) for v in np.clip(hair, 0, 255)],
                  line=float(rng.uniform(-0.62, -0.5))),
        # every other identity: so that each split has some with glasses
        glasses=bool(spk % 2),
    )
