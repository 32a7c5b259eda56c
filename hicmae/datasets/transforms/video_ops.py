"""Spatial operations on a clip's frames (same geometry for every frame)."""
import random
from typing import List, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from hicmae.registry import TRANSFORMS


def _crop(imgs: List[np.ndarray], x: int, y: int, w: int,
          h: int) -> List[np.ndarray]:
    return [img[y:y + h, x:x + w] for img in imgs]


def _size(size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    """``(width, height)`` from an int or a ``(w, h)`` pair."""
    return (size, size) if isinstance(size, int) else tuple(size)


@TRANSFORMS.register_module()
class MultiScaleCrop(BaseTransform):
    """TSN-style multi-scale crop, then resize to ``output_size``.

    The crop's width and height are each ``scale × short side`` for scales
    from ``scales`` that differ by at most ``max_distort`` steps; its
    position is one of 13 fixed grid points (corners, centre, quarters).

    Required keys: ``imgs``. Modified: ``imgs``, ``img_shape``.

    Args:
        output_size: output side (or ``(w, h)``).
        scales: relative crop sizes.
        max_distort: largest index difference between width and height
            scales.
    """

    modality = 'video'  # dropped when the model has no video

    def __init__(self, output_size: Union[int, Sequence[int]] = 160,
                 scales: Sequence[float] = (1, .875, .75, .66),
                 max_distort: int = 1) -> None:
        self.output_size = _size(output_size)
        self.scales = tuple(scales)
        self.max_distort = max_distort

    def _crop_box(self, h: int, w: int) -> Tuple[int, int, int, int]:
        base = min(h, w)
        sizes = [int(base * s) for s in self.scales]
        pairs = [(cw, ch) for i, ch in enumerate(sizes)
                 for j, cw in enumerate(sizes)
                 if abs(i - j) <= self.max_distort]
        cw, ch = random.choice(pairs)
        sx, sy = (w - cw) / 4, (h - ch) / 4
        grid = [(0, 0), (4, 0), (0, 4), (4, 4), (2, 2), (0, 2), (4, 2),
                (2, 4), (2, 0), (1, 1), (3, 1), (1, 3), (3, 3)]
        gx, gy = random.choice(grid)
        return int(gx * sx), int(gy * sy), cw, ch

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        h, w = imgs[0].shape[:2]
        x, y, cw, ch = self._crop_box(h, w)
        imgs = [mmcv.imresize(img, self.output_size, interpolation='bilinear')
                for img in _crop(imgs, x, y, cw, ch)]
        results['imgs'] = imgs
        results['img_shape'] = imgs[0].shape[:2]
        return results


@TRANSFORMS.register_module()
class RandomResizedCrop(BaseTransform):
    """Crop a random area and aspect ratio, then resize to ``output_size``.

    The crop covers a fraction of the frame drawn uniformly from
    ``area_range`` with an aspect ratio drawn log-uniformly from
    ``aspect_range`` (10 tries, then the centre crop of the short side).

    Required keys: ``imgs``. Modified: ``imgs``, ``img_shape``.
    """

    modality = 'video'  # dropped when the model has no video

    def __init__(self, output_size: Union[int, Sequence[int]] = 160,
                 area_range: Sequence[float] = (0.08, 1.0),
                 aspect_range: Sequence[float] = (3 / 4, 4 / 3)) -> None:
        self.output_size = _size(output_size)
        self.area_range = tuple(area_range)
        self.aspect_range = tuple(aspect_range)

    def _crop_box(self, h: int, w: int) -> Tuple[int, int, int, int]:
        log_ratio = np.log(self.aspect_range)
        for _ in range(10):
            area = h * w * np.random.uniform(*self.area_range)
            ratio = np.exp(np.random.uniform(*log_ratio))
            cw = int(round(np.sqrt(area * ratio)))
            ch = int(round(np.sqrt(area / ratio)))
            if 0 < cw <= w and 0 < ch <= h:
                return (np.random.randint(0, w - cw + 1),
                        np.random.randint(0, h - ch + 1), cw, ch)
        side = min(h, w)
        return (w - side) // 2, (h - side) // 2, side, side

    def transform(self, results: dict) -> dict:
        h, w = results['imgs'][0].shape[:2]
        x, y, cw, ch = self._crop_box(h, w)
        results['imgs'] = [
            mmcv.imresize(img, self.output_size, interpolation='bilinear')
            for img in _crop(results['imgs'], x, y, cw, ch)
        ]
        results['img_shape'] = results['imgs'][0].shape[:2]
        return results


@TRANSFORMS.register_module()
class Resize(BaseTransform):
    """Resize every frame to ``scale`` = ``(w, h)`` (aspect ratio not kept:
    the authors' ``Resize((160, 160))`` squash), or its short side to an int
    ``scale`` keeping the aspect ratio.

    ``backend='pillow'`` resizes with Pillow, whose bilinear filter
    antialiases when shrinking (what the authors' torchvision ``Resize`` on
    PIL frames does); ``'cv2'`` (OpenCV, faster) does not antialias.

    Required keys: ``imgs``. Modified: ``imgs``, ``img_shape``.
    """

    modality = 'video'  # dropped when the model has no video

    def __init__(self, scale: Union[int, Sequence[int]] = 160,
                 interpolation: str = 'bilinear',
                 backend: str = 'cv2') -> None:
        if backend not in ('cv2', 'pillow'):
            raise ValueError(f"backend must be 'cv2' or 'pillow', got "
                             f'{backend!r}')
        self.scale = scale
        self.interpolation = interpolation
        self.backend = backend

    def transform(self, results: dict) -> dict:
        h, w = results['imgs'][0].shape[:2]
        if isinstance(self.scale, int):
            ratio = self.scale / min(h, w)
            size = (max(1, round(w * ratio)), max(1, round(h * ratio)))
        else:
            size = tuple(self.scale)
        if size != (w, h):
            results['imgs'] = [mmcv.imresize(img, size,
                                             interpolation=self.interpolation,
                                             backend=self.backend)
                               for img in results['imgs']]
        results['img_shape'] = results['imgs'][0].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, '
                f'interpolation={self.interpolation!r}, '
                f'backend={self.backend!r})')


@TRANSFORMS.register_module()
class FixedCrop(BaseTransform):
    """Cut the same box ``(x, y, w, h)`` out of every frame, e.g. the face
    region rows 0:160, cols 32:192 of VoxCeleb2's 224x224 frames, which the
    authors cut before the multi-scale crop in pre-training.

    The box is given for frames of ``frame_size`` ``(w, h)``; frames of
    another size get it scaled in proportion (the same region of the
    picture), so the recipe also runs on re-encoded or small test videos.

    Required keys: ``imgs``. Modified: ``imgs``, ``img_shape``.
    """

    modality = 'video'  # dropped when the model has no video

    def __init__(self, box: Sequence[int] = (32, 0, 160, 160),
                 frame_size: Sequence[int] = (224, 224)) -> None:
        box, frame_size = tuple(box), tuple(frame_size)
        if (len(box) != 4 or min(box[2:]) <= 0 or min(box[:2]) < 0
                or box[0] + box[2] > frame_size[0]
                or box[1] + box[3] > frame_size[1]):
            raise ValueError(f'box must be (x, y, w, h) with w, h > 0 inside '
                             f'frame_size {frame_size}, got {box}')
        self.box = tuple(int(v) for v in box)
        self.frame_size = tuple(int(v) for v in frame_size)

    def transform(self, results: dict) -> dict:
        x, y, w, h = self.box
        fh, fw = results['imgs'][0].shape[:2]
        if (fw, fh) != self.frame_size:
            sx, sy = fw / self.frame_size[0], fh / self.frame_size[1]
            x, w = int(round(x * sx)), max(1, int(round(w * sx)))
            y, h = int(round(y * sy)), max(1, int(round(h * sy)))
            w, h = min(w, fw - x), min(h, fh - y)
        results['imgs'] = _crop(results['imgs'], x, y, w, h)
        results['img_shape'] = (h, w)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(box={self.box}, '
                f'frame_size={self.frame_size})')


@TRANSFORMS.register_module()
class CenterCrop(BaseTransform):
    """Crop the centre ``crop_size`` (int or ``(w, h)``) of every frame.

    Required keys: ``imgs``. Modified: ``imgs``, ``img_shape``.
    """

    modality = 'video'  # dropped when the model has no video

    def __init__(self, crop_size: Union[int, Sequence[int]] = 160) -> None:
        self.crop_size = _size(crop_size)

    def transform(self, results: dict) -> dict:
        h, w = results['imgs'][0].shape[:2]
        cw, ch = min(self.crop_size[0], w), min(self.crop_size[1], h)
        x, y = (w - cw) // 2, (h - ch) // 2
        results['imgs'] = _crop(results['imgs'], x, y, cw, ch)
        results['img_shape'] = (ch, cw)
        return results


@TRANSFORMS.register_module()
class SpatialViewCrop(BaseTransform):
    """Test-time crop number ``results['spatial_view']`` of ``num_crops``
    square crops of the short side, evenly spaced along the long side
    (1 view: the centre; 3 views: start, centre, end).

    Required keys: ``imgs``. Modified: ``imgs``, ``img_shape``.
    """

    modality = 'video'  # dropped when the model has no video

    def __init__(self, num_crops: int = 1) -> None:
        self.num_crops = num_crops

    def transform(self, results: dict) -> dict:
        h, w = results['imgs'][0].shape[:2]
        side = min(h, w)
        view = results.get('spatial_view', 0)
        if self.num_crops > 1:
            start = int(view * (max(h, w) - side) / (self.num_crops - 1))
        else:
            start = (max(h, w) - side) // 2
        x, y = (start, 0) if w >= h else (0, start)
        results['imgs'] = _crop(results['imgs'], x, y, side, side)
        results['img_shape'] = (side, side)
        return results


@TRANSFORMS.register_module()
class Flip(BaseTransform):
    """Flip every frame horizontally with probability ``flip_ratio``.

    Required keys: ``imgs``. Modified: ``imgs``; added: ``flip``.
    """

    modality = 'video'  # dropped when the model has no video

    def __init__(self, flip_ratio: float = 0.5) -> None:
        self.flip_ratio = flip_ratio

    def transform(self, results: dict) -> dict:
        flip = np.random.rand() < self.flip_ratio
        if flip:
            results['imgs'] = [mmcv.imflip(img, 'horizontal')
                               for img in results['imgs']]
        results['flip'] = bool(flip)
        return results
