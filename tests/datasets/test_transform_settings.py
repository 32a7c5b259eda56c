"""The clip transforms honour their settings as the authors' code does:
the random-resized crop's area and aspect ranges, the multi-scale crop's
scales and grid, the training sampler's end index, the test windows'
starts and the flip probability (the recipes' values are checked in
tests/configs/test_recipe_settings.py)."""
import random

import numpy as np
import pytest

from hicmae.datasets.transforms import (Flip, MultiScaleCrop,
                                        RandomResizedCrop, SampleClip)


def test_random_resized_crop_draws_area_uniformly_in_its_range():
    crop = RandomResizedCrop(32, area_range=(0.2, 0.3), aspect_range=(1, 1))
    np.random.seed(0)
    areas = []
    for _ in range(3000):
        x, y, w, h = crop._crop_box(200, 200)
        assert abs(w - h) <= 1 and 0 <= x <= 200 - w and 0 <= y <= 200 - h
        areas.append(w * h / 200 ** 2)
    areas = np.array(areas)
    assert areas.min() > 0.195 and areas.max() < 0.305
    assert areas.mean() == pytest.approx(0.25, abs=0.005)
    assert np.mean(areas < 0.25) == pytest.approx(0.5, abs=0.04)


def test_random_resized_crop_draws_aspect_log_uniformly():
    """torchvision's (and the authors') exp(U(log a, log b)): as many
    crops wider than tall as taller than wide for (1/2, 2)."""
    crop = RandomResizedCrop(32, area_range=(0.1, 0.1),
                             aspect_range=(0.5, 2.0))
    np.random.seed(1)
    ratios = np.array([w / h for _, _, w, h in
                       (crop._crop_box(400, 400) for _ in range(4000))])
    assert ratios.min() > 0.48 and ratios.max() < 2.08
    # uniform in the ratio itself would put 1/3 of them below 1
    assert np.mean(ratios < 1) == pytest.approx(0.5, abs=0.03)


def test_random_resized_crop_defaults_are_the_authors():
    crop = RandomResizedCrop()
    assert crop.area_range == (0.08, 1.0)
    assert crop.aspect_range == pytest.approx((3 / 4, 4 / 3))


def test_multi_scale_crop_sizes_and_offsets():
    """GroupMultiScaleCrop(160, [1, .875, .75, .66]), max_distort 1: width
    and height from neighbouring scales of the short side, placed on the
    13-point grid."""
    crop = MultiScaleCrop(160, scales=(1, .875, .75, .66))
    random.seed(0)
    np.random.seed(0)
    sizes = [224, 196, 168, 147]
    want = {(sizes[j], sizes[i]) for i in range(4) for j in range(4)
            if abs(i - j) <= 1}
    seen, points = set(), set()
    grid = {(0, 0), (4, 0), (0, 4), (4, 4), (2, 2), (0, 2), (4, 2), (2, 4),
            (2, 0), (1, 1), (3, 1), (1, 3), (3, 3)}
    for _ in range(2000):
        x, y, w, h = crop._crop_box(224, 224)
        seen.add((w, h))
        step_x, step_y = (224 - w) / 4, (224 - h) / 4
        on_grid = {(gx, gy) for gx, gy in grid
                   if x == int(gx * step_x) and y == int(gy * step_y)}
        assert on_grid, (x, y, w, h)
        if (w, h) == (147, 168):  # a size where the 13 points differ
            points |= on_grid
    assert seen == want
    assert points == grid  # every grid point is used


def test_training_window_ends_in_the_authors_range():
    """kinetics_av.py: end = randint(64, n), start = end - 64, frames
    linspace(start, end, 16) clipped to [start, end - 1]."""
    sampler = SampleClip(16, 4)
    np.random.seed(0)
    starts = set()
    for _ in range(400):
        out = sampler.transform(dict(total_frames=70))
        index = out['frame_inds']
        start = int(index[0])
        starts.add(start)
        want = np.clip(np.linspace(start, start + 64, 16), start,
                       start + 63).astype(np.int64)
        assert index.tolist() == want.tolist()
    assert starts == set(range(6))  # end 64 ... 69: every one reached


def test_test_windows_start_at_the_truncated_step():
    """Window k starts at int(k * step) of every 4th frame: 92 frames give
    23 of them, 3 windows of 16 step 3.5, starting at 0, 3 and 7."""
    sampler = SampleClip(16, 4, num_segments=3, test_mode=True)
    firsts = [int(sampler.transform(dict(total_frames=92, temporal_view=k))
                  ['frame_inds'][0]) for k in range(3)]
    assert firsts == [0, 12, 28]


@pytest.mark.parametrize('ratio', [0.5, 0.2])
def test_flip_probability(ratio):
    flip = Flip(ratio)
    np.random.seed(0)
    img = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    flipped = [not np.array_equal(
        flip.transform(dict(imgs=[img]))['imgs'][0], img) for _ in range(2000)]
    assert np.mean(flipped) == pytest.approx(ratio, abs=0.04)
