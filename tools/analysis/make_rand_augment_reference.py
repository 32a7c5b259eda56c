"""Write the RandAugment reference outputs of tests/data.

Runs the authors' ``rand_augment.py`` (sunlicai/HiCMAE, a timm derivative;
pass its path, it is not part of this repository) on one fixed frame: every
op of the increasing set at a few magnitudes and, for signed ops, both
signs, with the authors' fill (128) and bicubic resampling. The outputs and
the arguments the authors' level functions gave are saved as a ``.npz``
that ``tests/datasets/test_rand_augment_reference.py`` compares pixel by
pixel against ``hicmae.datasets.transforms.rand_augment``.

Example::

    python tools/analysis/make_rand_augment_reference.py \\
        /tmp/HiCMAE/rand_augment.py \\
        --out tests/data/rand_augment_reference.npz
"""
import argparse
import importlib.util
import types
from pathlib import Path

import numpy as np
from PIL import Image

from hicmae.cli_help import DefaultsHelpFormatter

MAGNITUDES = (0., 3., 7.3, 10.)
FILL = (128, 128, 128)


def reference_frame(height: int = 36, width: int = 44) -> np.ndarray:
    """A non-square frame with no symmetry: swapped axes, a flip or a turn
    about the wrong point all change its pixels."""
    rng = np.random.default_rng(2026)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frame = np.stack([200 * x / width + 20, 180 * y / height + 30,
                      120 + 60 * np.sin(x / 5 + y / 9)], axis=-1)
    frame[4:14, 6:20] = (240, 40, 40)  # a red block near the top left
    frame[22:30, 28:40] = (30, 60, 220)  # a blue block lower right
    frame[np.abs(y - 0.6 * x - 3) < 1] = (250, 250, 60)  # a slanted line
    frame += rng.normal(0, 6, frame.shape)
    return np.clip(frame, 0, 255).astype(np.uint8)


def load_module(path: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location('authors_rand_augment',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fixed_sign(module: types.ModuleType, sign: float) -> None:
    """Make the authors' random negation (``random.random() > 0.5``)
    deterministic: 1.0 negates, 0.0 keeps the sign."""
    value = 1.0 if sign < 0 else 0.0
    module.random = types.SimpleNamespace(random=lambda: value)


def cases(module: types.ModuleType, frame: np.ndarray):
    """``(key, args, output)`` for each op, magnitude and sign."""
    img = Image.fromarray(frame)
    hparams = dict(translate_const=int(min(frame.shape[:2]) * 0.45),
                   interpolation=Image.BICUBIC)
    for name in module._RAND_INCREASING_TRANSFORMS:
        level_fn = module.LEVEL_TO_ARG[name]
        for magnitude in MAGNITUDES:
            outputs = {}
            for sign in (1., -1.):
                _fixed_sign(module, sign)
                args = level_fn(magnitude, hparams) if level_fn else ()
                try:
                    out = module.NAME_TO_OP[name](img, *args, fillcolor=FILL,
                                                  resample=Image.BICUBIC)
                except ValueError as err:
                    # e.g. PosterizeIncreasing at 10 keeps 0 bits, which
                    # Pillow >= 10 refuses; a draw that needs N(7, 0.5)
                    # to reach 10
                    print(f'{name} at {magnitude:g}: skipped ({err})')
                    continue
                outputs[sign] = (args, np.asarray(out))
            if not outputs:
                continue
            # an unsigned op gives the same output both ways: keep one
            same = len(outputs) == 1 or outputs[1.][0] == outputs[-1.][0]
            for sign in ((next(iter(outputs)),) if same else (1., -1.)):
                args, out = outputs[sign]
                yield f'{name}|{magnitude:g}|{sign:+g}', args, out


# a clip's plan of four firing ops, applied in turn: (name, magnitude, sign)
CHAIN = (('ShearX', 7.3, -1.), ('ColorIncreasing', 7.3, 1.),
         ('Rotate', 3., 1.), ('TranslateYRel', 3., -1.))


def chain(module: types.ModuleType, frame: np.ndarray) -> np.ndarray:
    """``CHAIN`` through the authors' ops, one after the other."""
    img = Image.fromarray(frame)
    hparams = dict(interpolation=Image.BICUBIC)
    for name, magnitude, sign in CHAIN:
        _fixed_sign(module, sign)
        args = module.LEVEL_TO_ARG[name](magnitude, hparams)
        img = module.NAME_TO_OP[name](img, *args, fillcolor=FILL,
                                      resample=Image.BICUBIC)
    return np.asarray(img)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=DefaultsHelpFormatter)
    parser.add_argument('authors_file', help="the authors' rand_augment.py")
    parser.add_argument('--out', default='tests/data/'
                        'rand_augment_reference.npz')
    args = parser.parse_args(argv)
    module = load_module(args.authors_file)
    frame = reference_frame()
    arrays = dict(frame=frame, chain=chain(module, frame))
    for key, op_args, out in cases(module, frame):
        arrays[f'out|{key}'] = out
        arrays[f'args|{key}'] = np.asarray(op_args, np.float64)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f'{args.out}: {len(arrays) - 2} arrays '
          f'({sum(k.startswith("out|") for k in arrays)} cases)')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
