"""Random waveform gain, the only part of the authors' ``roll_mag_aug`` that
acts (their roll of a ``(1, T)`` array by ``randint(len(w)) == 0`` is a
no-op)."""
import numpy as np
from mmcv.transforms import BaseTransform

from hicmae.registry import TRANSFORMS


@TRANSFORMS.register_module()
class AudioGain(BaseTransform):
    """Scale the waveform by ``Beta(alpha, beta) + offset`` (0.5-1.5 for the
    authors' Beta(10, 10) + 0.5).

    In training the gain comes from NumPy's global generator. The authors
    also apply it at validation and test time; there
    (``test_mode=True``) each sample's gain comes from a generator seeded
    with ``(seed, sample_idx)``, so a test run gives the same numbers
    whatever the number of workers or processes. ``enabled=False`` turns
    the transform into a no-op (e.g. scoring without test-time gain).

    Required keys: ``waveform``; ``sample_idx`` in test mode. Modified:
    ``waveform``. Added: ``audio_gain``.

    Args:
        alpha / beta: the Beta distribution's parameters.
        offset: added to the Beta draw.
        test_mode: per-sample seeded gains.
        seed: base seed of the test-mode gains.
        enabled: apply the gain at all.
    """

    modality = 'audio'  # dropped when the model has no audio

    def __init__(self, alpha: float = 10., beta: float = 10.,
                 offset: float = 0.5, test_mode: bool = False, seed: int = 0,
                 enabled: bool = True) -> None:
        self.alpha = alpha
        self.beta = beta
        self.offset = offset
        self.test_mode = test_mode
        self.seed = seed
        self.enabled = enabled

    def _gain(self, results: dict) -> float:
        if not self.test_mode:
            return float(np.random.beta(self.alpha, self.beta)) + self.offset
        if 'sample_idx' not in results:
            raise KeyError('AudioGain(test_mode=True) needs sample_idx (set '
                           'by the dataset) to seed the gain')
        rng = np.random.default_rng([self.seed, int(results['sample_idx'])])
        return float(rng.beta(self.alpha, self.beta)) + self.offset

    def transform(self, results: dict) -> dict:
        if not self.enabled:
            return results
        gain = self._gain(results)
        results['waveform'] = (results['waveform'] * gain).astype(np.float32)
        results['audio_gain'] = gain
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(alpha={self.alpha}, beta={self.beta}, '
                f'offset={self.offset}, test_mode={self.test_mode}, '
                f'seed={self.seed}, enabled={self.enabled})')
