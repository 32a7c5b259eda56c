"""Our RandAugment ops against the authors' outputs, pixel by pixel.

``tests/data/rand_augment_reference.npz`` holds one fixed 36 x 44 frame and
what the authors' ``rand_augment.py`` (sunlicai/HiCMAE at cdd28d4, a timm
derivative) makes of it: every op of the increasing set
(``rand-...-inc1``) at magnitudes 0, 3, 7.3 and 10, both signs for the
signed ops, fill 128, bicubic resampling, with the arguments their level
functions returned. It was written once, with Pillow 13.0.0, by::

    git -C <mirror of sunlicai/HiCMAE> show HEAD:rand_augment.py \\
        > /tmp/authors/rand_augment.py
    python tools/analysis/make_rand_augment_reference.py \\
        /tmp/authors/rand_augment.py \\
        --out tests/data/rand_augment_reference.npz

(the script is ours; it imports their file from the path given and is the
only place their code runs), and one plan of four ops applied in turn
(``chain``). PosterizeIncreasing at magnitude 10 keeps 0
bits, which Pillow >= 10 refuses in their code and ours alike: the file has
no such case.
"""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hicmae.datasets.transforms import VideoRandAugment
from hicmae.datasets.transforms.rand_augment import (INCREASING_OPS, apply_op,
                                                     level_to_arg)

DATA = Path(__file__).resolve().parents[1] / 'data' / \
    'rand_augment_reference.npz'
REFERENCE = np.load(DATA)
FRAME = REFERENCE['frame']
CASES = sorted(k[len('out|'):] for k in REFERENCE.files
               if k.startswith('out|'))
FILL = (128, 128, 128)


def _split(case):
    name, magnitude, sign = case.split('|')
    return name, float(magnitude), float(sign)


def test_reference_covers_every_op_and_both_signs():
    names = {_split(c)[0] for c in CASES}
    assert names == set(INCREASING_OPS)
    signed = {_split(c)[0] for c in CASES if _split(c)[2] < 0}
    assert signed == {'Rotate', 'ShearX', 'ShearY', 'TranslateXRel',
                      'TranslateYRel', 'ColorIncreasing',
                      'ContrastIncreasing', 'BrightnessIncreasing',
                      'SharpnessIncreasing'}


@pytest.mark.parametrize('case', CASES)
def test_op_matches_the_authors_pixels(case):
    name, magnitude, sign = _split(case)
    args = level_to_arg(name, magnitude, sign)
    np.testing.assert_allclose(np.asarray(args, np.float64),
                               REFERENCE[f'args|{case}'], rtol=1e-12,
                               err_msg=f'{case}: level_to_arg')
    out = np.asarray(apply_op(Image.fromarray(FRAME), name, args,
                              Image.Resampling.BICUBIC, FILL))
    want = REFERENCE[f'out|{case}']
    assert out.shape == want.shape and out.dtype == want.dtype
    diff = np.abs(out.astype(np.int16) - want.astype(np.int16))
    # equal up to one grey level of rounding (a later Pillow may round a
    # resampled pixel the other way); a wrong op moves whole regions
    assert diff.max() <= 1, f'{case}: {int((diff > 1).sum())} pixels differ'


def test_a_plan_applies_the_ops_in_turn_on_every_frame():
    """ShearX -7.3, ColorIncreasing +7.3, Rotate +3, TranslateYRel -3 (the
    generator's CHAIN) on a two-frame clip: each frame equals the authors'
    four ops applied one after the other."""
    chain = (('ShearX', 7.3, -1.), ('ColorIncreasing', 7.3, 1.),
             ('Rotate', 3., 1.), ('TranslateYRel', 3., -1.))
    plan = [(n, m, level_to_arg(n, m, s)) for n, m, s in chain]
    aug = VideoRandAugment('rand-m7-n4-mstd0.5-inc1')
    out = aug.apply(plan, [FRAME, FRAME])
    for frame in out:
        diff = np.abs(frame.astype(np.int16) - REFERENCE['chain'])
        assert diff.max() <= 2


@pytest.mark.parametrize('seed', range(3))
def test_ops_are_drawn_with_replacement(seed):
    """The authors' ``np.random.choice(ops, 4, replace=True)`` (no choice
    weights): one op may fill two of the four slots, in about 35 % of clips
    (1 - 15 * 14 * 13 * 12 / 15 ** 4)."""
    aug = VideoRandAugment('rand-m7-n4-mstd0.5-inc1', prob=1.0)
    np.random.seed(seed)
    plans = [[n for n, _, _ in aug.sample()] for _ in range(2000)]
    assert all(len(p) == 4 for p in plans)
    repeated = np.mean([len(set(p)) < 4 for p in plans])
    assert repeated == pytest.approx(1 - 15 * 14 * 13 * 12 / 15 ** 4,
                                     abs=0.04)
