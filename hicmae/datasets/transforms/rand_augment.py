"""RandAugment for clips: one draw of ops and magnitudes per clip.

The policy follows the ``rand-m{M}-n{N}-mstd{S}-inc{I}`` strings of timm's
``rand_augment_transform`` as the HiCMAE authors run it
(``rand-m7-n4-mstd0.5-inc1``): ``N`` ops drawn uniformly *with*
replacement from 15, each applied with probability 0.5, each with its own
magnitude drawn from N(M, S) and clipped to [0, 10], and a random sign for
the signed ops. The image operations themselves are Pillow's (the same
calls timm's ops wrap), so the pixels match the authors' up to the Pillow
version. Unlike timm applied frame by frame, every draw here is made once
per clip and the same operations are applied to all its frames (the
authors' video variant does the same).
"""
import re
from typing import Dict, List, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image, ImageEnhance, ImageOps

from hicmae.registry import TRANSFORMS

MAX_LEVEL = 10.0

# the "increasing" set (inc1): a larger magnitude is always a stronger op
INCREASING_OPS = (
    'AutoContrast', 'Equalize', 'Invert', 'Rotate', 'PosterizeIncreasing',
    'SolarizeIncreasing', 'SolarizeAdd', 'ColorIncreasing',
    'ContrastIncreasing', 'BrightnessIncreasing', 'SharpnessIncreasing',
    'ShearX', 'ShearY', 'TranslateXRel', 'TranslateYRel')
DEFAULT_OPS = (
    'AutoContrast', 'Equalize', 'Invert', 'Rotate', 'Posterize', 'Solarize',
    'SolarizeAdd', 'Color', 'Contrast', 'Brightness', 'Sharpness', 'ShearX',
    'ShearY', 'TranslateXRel', 'TranslateYRel')
SIGNED_OPS = ('Rotate', 'ShearX', 'ShearY', 'TranslateXRel', 'TranslateYRel',
              'ColorIncreasing', 'ContrastIncreasing', 'BrightnessIncreasing',
              'SharpnessIncreasing')
_RESAMPLE = dict(nearest=Image.Resampling.NEAREST,
                 bilinear=Image.Resampling.BILINEAR,
                 bicubic=Image.Resampling.BICUBIC)


def parse_policy(policy: str) -> Dict:
    """``{'magnitude', 'num_ops', 'magnitude_std', 'increasing'}`` of a
    timm-style ``rand-...`` string (defaults: m 10, n 2, mstd 0, inc 0)."""
    parts = policy.split('-')
    if parts[0] != 'rand':
        raise ValueError(f'RandAugment policy must start with "rand", got '
                         f'{policy!r}')
    out = dict(magnitude=MAX_LEVEL, num_ops=2, magnitude_std=0.,
               increasing=False)
    for part in parts[1:]:
        match = re.fullmatch(r'([a-z]+)(\d.*)', part)
        if match is None:
            raise ValueError(f'cannot read {part!r} in policy {policy!r}')
        key, value = match.groups()
        if key == 'm':
            out['magnitude'] = float(int(value))
        elif key == 'n':
            out['num_ops'] = int(value)
        elif key == 'mstd':
            out['magnitude_std'] = float(value)
        elif key == 'inc':
            out['increasing'] = bool(int(value))
        else:
            raise ValueError(f'unknown key {key!r} in policy {policy!r} '
                             '(known: m, n, mstd, inc)')
    return out


def level_to_arg(name: str, level: float, sign: float) -> Tuple:
    """The op's argument at magnitude ``level`` (0-10); ``sign`` is ±1."""
    frac = level / MAX_LEVEL
    if name in ('AutoContrast', 'Equalize', 'Invert'):
        return ()
    if name == 'Rotate':
        return (sign * frac * 30.,)  # degrees
    if name in ('ShearX', 'ShearY'):
        return (sign * frac * 0.3,)
    if name in ('TranslateXRel', 'TranslateYRel'):
        return (sign * frac * 0.45,)  # fraction of the frame's side
    if name == 'Posterize':
        return (int(frac * 4),)  # bits kept
    if name == 'PosterizeIncreasing':
        return (4 - int(frac * 4),)
    if name == 'Solarize':
        return (int(frac * 256),)  # threshold
    if name == 'SolarizeIncreasing':
        return (256 - int(frac * 256),)
    if name == 'SolarizeAdd':
        return (int(frac * 110),)
    if name.endswith('Increasing'):
        return (1. + sign * frac * 0.9,)  # enhance factor around 1
    return (frac * 1.8 + 0.1,)  # Color, Contrast, Brightness, Sharpness


def _solarize_add(img: Image.Image, add: int) -> Image.Image:
    lut = [min(255, i + add) if i < 128 else i for i in range(256)]
    return img.point(lut * len(img.getbands()))


def apply_op(img: Image.Image, name: str, args: Tuple, resample: int,
             fill: Tuple[int, ...]) -> Image.Image:
    """One op on one Pillow image (timm's geometry: affine about the
    top-left corner, rotation about the centre)."""
    geo = dict(resample=resample, fillcolor=fill)
    if name == 'AutoContrast':
        return ImageOps.autocontrast(img)
    if name == 'Equalize':
        return ImageOps.equalize(img)
    if name == 'Invert':
        return ImageOps.invert(img)
    if name == 'Rotate':
        return img.rotate(args[0], **geo)
    if name.startswith('Posterize'):
        return img if args[0] >= 8 else ImageOps.posterize(img, args[0])
    if name.startswith('Solarize') and name != 'SolarizeAdd':
        return ImageOps.solarize(img, args[0])
    if name == 'SolarizeAdd':
        return _solarize_add(img, args[0])
    if name in ('ShearX', 'ShearY', 'TranslateXRel', 'TranslateYRel'):
        w, h = img.size
        matrix = dict(ShearX=(1, args[0], 0, 0, 1, 0),
                      ShearY=(1, 0, 0, args[0], 1, 0),
                      TranslateXRel=(1, 0, args[0] * w, 0, 1, 0),
                      TranslateYRel=(1, 0, 0, 0, 1, args[0] * h))[name]
        return img.transform(img.size, Image.Transform.AFFINE, matrix, **geo)
    enhancer = dict(Color=ImageEnhance.Color, Contrast=ImageEnhance.Contrast,
                    Brightness=ImageEnhance.Brightness,
                    Sharpness=ImageEnhance.Sharpness)[
                        name.replace('Increasing', '')]
    return enhancer(img).enhance(args[0])


@TRANSFORMS.register_module()
class VideoRandAugment(BaseTransform):
    """RandAugment with one draw per clip (same ops on every frame).

    Each of ``N`` slots picks one of 15 ops uniformly (with replacement);
    it fires with probability ``prob``; a firing op draws its magnitude
    from N(M, mstd) clipped to [0, 10] and, for signed ops, a sign with
    probability 0.5 each. Randomness comes from NumPy's global generator
    (seeded per data worker by MMEngine).

    Required keys: ``imgs`` (uint8 ``(H, W, 3)`` frames). Modified: ``imgs``.
    Added: ``rand_augment`` (the ops applied, as ``(name, args)`` pairs).

    Args:
        policy: timm-style policy string; the authors' is
            ``'rand-m7-n4-mstd0.5-inc1'``.
        prob: probability of each drawn op being applied.
        interpolation: resampling of the geometric ops.
        fill: value of the pixels geometric ops uncover.
    """

    modality = 'video'  # dropped when the model has no video

    def __init__(self, policy: str = 'rand-m7-n4-mstd0.5-inc1',
                 prob: float = 0.5, interpolation: str = 'bicubic',
                 fill: int = 128) -> None:
        params = parse_policy(policy)
        if interpolation not in _RESAMPLE:
            raise ValueError(f'interpolation must be one of '
                             f'{sorted(_RESAMPLE)}, got {interpolation!r}')
        self.policy = policy
        self.magnitude = params['magnitude']
        self.num_ops = params['num_ops']
        self.magnitude_std = params['magnitude_std']
        self.ops = INCREASING_OPS if params['increasing'] else DEFAULT_OPS
        self.prob = prob
        self.interpolation = interpolation
        self.fill = fill

    def sample(self) -> List[Tuple[str, float, Tuple]]:
        """One clip's plan: ``(name, magnitude, args)`` per op that fires."""
        plan = []
        for i in np.random.randint(len(self.ops), size=self.num_ops):
            name = self.ops[i]
            if np.random.rand() > self.prob:
                continue
            level = self.magnitude
            if self.magnitude_std > 0:
                level = np.random.normal(level, self.magnitude_std)
            level = float(np.clip(level, 0., MAX_LEVEL))
            sign = -1. if (name in SIGNED_OPS
                           and np.random.rand() > 0.5) else 1.
            plan.append((name, level, level_to_arg(name, level, sign)))
        return plan

    def apply(self, plan: Sequence[Tuple[str, float, Tuple]],
              imgs: Sequence[np.ndarray]) -> List[np.ndarray]:
        """Apply ``plan`` to every frame."""
        if not plan:
            return list(imgs)
        resample = _RESAMPLE[self.interpolation]
        out = []
        for frame in imgs:
            img = Image.fromarray(np.ascontiguousarray(frame))
            fill = (self.fill,) * len(img.getbands())
            for name, _, args in plan:
                img = apply_op(img, name, args, resample, fill)
            out.append(np.array(img))  # writable, unlike np.asarray
        return out

    def transform(self, results: dict) -> dict:
        plan = self.sample()
        results['imgs'] = self.apply(plan, results['imgs'])
        results['rand_augment'] = [(name, args) for name, _, args in plan]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(policy={self.policy!r}, '
                f'prob={self.prob}, interpolation={self.interpolation!r}, '
                f'fill={self.fill})')
