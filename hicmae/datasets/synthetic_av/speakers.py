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
