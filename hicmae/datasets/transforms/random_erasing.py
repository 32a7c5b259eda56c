"""Random erasing of one box through a whole clip (the authors' ``cube``)."""
import math
from typing import Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from hicmae.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ClipRandomErasing(BaseTransform):
    """Erase one random box, the same on every frame, with probability
    ``prob``.

    The box covers ``area_range`` of the frame with a log-uniform aspect
    ratio in ``aspect_range`` (up to ``max_tries`` draws; none fits, no
    erasing), as timm's ``RandomErasing(mode='pixel', cube=True)`` which the
    authors run after normalisation. Here frames are still uint8 (the data
    preprocessor normalises on the device), so the fill is drawn in the
    normalised space and mapped back: ``mean + std * N(0, 1)`` per pixel,
    channel and frame ('pixel'), per channel ('rand') or 0 ('const', i.e.
    the mean). Rounding to uint8 moves a value by at most ``0.5 / std``
    (< 0.01 of a unit), and the clip to [0, 255] limits the noise to about
    ±2.1 units, which N(0, 1) exceeds on 3 % of the pixels: the same
    erasing up to that.

    Required keys: ``imgs`` (uint8 ``(H, W, C)`` frames). Modified:
    ``imgs``. Added: ``erased_box`` (``(x, y, w, h)`` or ``None``).

    Args:
        prob: probability of erasing a clip.
        area_range: erased fraction of the frame.
        aspect_range: box aspect ratio (height / width) range.
        mode: 'pixel', 'rand' or 'const'.
        mean / std: the data preprocessor's per-channel normalisation
            (0-255 units), which defines the noise's N(0, 1).
        max_tries: box draws before giving up.
    """

    modality = 'video'  # dropped when the model has no video

    def __init__(self, prob: float = 0.25,
                 area_range: Sequence[float] = (0.02, 1 / 3),
                 aspect_range: Optional[Sequence[float]] = (0.3, 1 / 0.3),
                 mode: str = 'pixel',
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 max_tries: int = 100) -> None:
        if mode not in ('pixel', 'rand', 'const'):
            raise ValueError("mode must be 'pixel', 'rand' or 'const', got "
                             f'{mode!r}')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.area_range = tuple(area_range)
        self.log_aspect = (math.log(aspect_range[0]),
                           math.log(aspect_range[1]))
        self.mode = mode
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        self.max_tries = max_tries

    def sample_box(self, h: int, w: int) -> Optional[Tuple[int, int, int,
                                                            int]]:
        """``(x, y, bw, bh)`` of a box strictly smaller than the frame, or
        ``None`` (no erasing this time)."""
        if np.random.rand() > self.prob:
            return None
        for _ in range(self.max_tries):
            area = np.random.uniform(*self.area_range) * h * w
            aspect = math.exp(np.random.uniform(*self.log_aspect))
            bh = int(round(math.sqrt(area * aspect)))
            bw = int(round(math.sqrt(area / aspect)))
            if bw < w and bh < h:
                y = np.random.randint(0, h - bh + 1)
                x = np.random.randint(0, w - bw + 1)
                return int(x), int(y), bw, bh
        return None

    def _fill(self, bh: int, bw: int, channels: int) -> np.ndarray:
        if self.mode == 'pixel':
            noise = np.random.standard_normal((bh, bw, channels))
        elif self.mode == 'rand':
            noise = np.random.standard_normal((1, 1, channels))
        else:
            noise = np.zeros((1, 1, channels))
        value = self.mean[:channels] + self.std[:channels] * noise
        return np.clip(np.rint(value), 0, 255).astype(np.uint8)

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        h, w = imgs[0].shape[:2]
        box = self.sample_box(h, w)
        results['erased_box'] = box
        if box is None:
            return results
        x, y, bw, bh = box
        out = []
        for img in imgs:
            img = np.array(img, copy=True)
            # fresh noise for every frame, as the authors draw it
            img[y:y + bh, x:x + bw] = self._fill(bh, bw, img.shape[2])
            out.append(img)
        results['imgs'] = out
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'area_range={self.area_range}, mode={self.mode!r})')
