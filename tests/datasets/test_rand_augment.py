"""The authors' clip augmentations: RandAugment, random erasing, audio gain,
the squash resize, the VoxCeleb2 crop and the pre-training sampler."""
import numpy as np
import pytest
from PIL import Image

from hicmae.datasets.transforms import (AudioGain, ClipRandomErasing,
                                        FixedCrop, Resize, SampleClip,
                                        VideoRandAugment)
from hicmae.datasets.transforms.rand_augment import (INCREASING_OPS,
                                                     SIGNED_OPS, apply_op,
                                                     level_to_arg,
                                                     parse_policy)

AUTHORS = 'rand-m7-n4-mstd0.5-inc1'


def _clip(t=16, h=40, w=48, seed=0):
    """Distinct frames with structure (a gradient plus noise)."""
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, w, dtype=np.float32)[None, :, None]
    return [np.clip(base + rng.normal(0, 30, (h, w, 3)), 0, 255)
            .astype(np.uint8) for _ in range(t)]


def test_policy_string_is_read_as_the_authors():
    assert parse_policy(AUTHORS) == dict(magnitude=7., num_ops=4,
                                         magnitude_std=0.5, increasing=True)
    aug = VideoRandAugment(AUTHORS)
    assert aug.ops == INCREASING_OPS and len(aug.ops) == 15
    with pytest.raises(ValueError, match='unknown key'):
        parse_policy('rand-m7-q3')


def test_level_to_arg_values():
    # magnitude 7: rotate 21 degrees, shear 0.21, translate 0.315 of the side
    assert level_to_arg('Rotate', 7., -1.) == (pytest.approx(-21.),)
    assert level_to_arg('ShearX', 7., 1.) == (pytest.approx(0.21),)
    assert level_to_arg('TranslateXRel', 7., 1.) == (pytest.approx(0.315),)
    assert level_to_arg('PosterizeIncreasing', 7., 1.) == (2,)
    assert level_to_arg('SolarizeIncreasing', 7., 1.) == (77,)
    assert level_to_arg('SolarizeAdd', 7., 1.) == (77,)
    assert level_to_arg('ContrastIncreasing', 7., -1.) == (
        pytest.approx(0.37),)


@pytest.mark.parametrize('seed', range(6))
def test_same_ops_and_magnitudes_on_every_frame(seed):
    aug = VideoRandAugment(AUTHORS)
    frame = _clip(1, seed=seed)[0]
    np.random.seed(seed)
    out = aug.transform(dict(imgs=[frame.copy() for _ in range(16)]))
    # identical frames in, identical frames out: one draw for the clip
    assert all(np.array_equal(f, out['imgs'][0]) for f in out['imgs'])
    # and distinct frames get exactly the plan recorded for the clip
    clip = _clip(16, seed=seed)
    np.random.seed(seed)
    plan = aug.sample()
    np.random.seed(seed)
    out = aug.transform(dict(imgs=[f.copy() for f in clip]))
    assert [(n, a) for n, _, a in plan] == out['rand_augment']
    for frame, got in zip(clip, out['imgs']):
        assert np.array_equal(aug.apply(plan, [frame])[0], got)
        assert got.dtype == np.uint8 and got.shape == frame.shape


def test_ops_fire_and_change_pixels():
    aug = VideoRandAugment(AUTHORS)
    changed = 0
    for seed in range(20):
        np.random.seed(seed)
        clip = _clip(2, seed=seed)
        out = aug.transform(dict(imgs=[f.copy() for f in clip]))
        changed += not np.array_equal(out['imgs'][0], clip[0])
    assert changed >= 15  # P(no op fires) = 0.5 ** 4


def test_draw_distribution_over_many_clips():
    """4 slots, each of 15 ops uniform with replacement, each firing with
    p 0.5, magnitude N(7, 0.5) clipped to [0, 10], signs ±1 evenly."""
    aug = VideoRandAugment(AUTHORS)
    np.random.seed(0)
    draws = 6000
    plans = [aug.sample() for _ in range(draws)]
    fired = np.array([len(p) for p in plans])
    # Binomial(4, 0.5): mean 2, variance 1
    assert fired.mean() == pytest.approx(2., abs=0.05)
    assert fired.var() == pytest.approx(1., abs=0.08)
    assert np.bincount(fired, minlength=5)[0] / draws == pytest.approx(
        1 / 16, abs=0.012)
    names = [n for p in plans for n, _, _ in p]
    counts = np.array([names.count(op) for op in INCREASING_OPS])
    expected = len(names) / 15
    # chi-square over 14 degrees of freedom, far below its 0.1 % tail (36)
    assert ((counts - expected) ** 2 / expected).sum() < 36
    mags = np.array([m for p in plans for _, m, _ in p])
    assert mags.mean() == pytest.approx(7., abs=0.02)
    assert mags.std() == pytest.approx(0.5, abs=0.02)
    assert mags.min() >= 0 and mags.max() <= 10
    signs = [np.sign(a[0]) for p in plans for n, _, a in p
             if n in ('Rotate', 'ShearX', 'ShearY')]
    assert np.mean(np.array(signs) > 0) == pytest.approx(0.5, abs=0.03)


def test_geometry_fill_and_translation_relative_to_frame():
    frame = np.full((40, 80, 3), 10, np.uint8)
    img = Image.fromarray(frame)
    out = np.asarray(apply_op(img, 'TranslateXRel', (0.25,),
                              Image.Resampling.BICUBIC, (128, 128, 128)))
    # content moves left by 0.25 x 80 = 20 px; the uncovered band is 128
    assert (out[:, -20:] == 128).all() and (out[:, :-21] == 10).all()
    out = np.asarray(apply_op(img, 'TranslateYRel', (-0.25,),
                              Image.Resampling.BICUBIC, (128, 128, 128)))
    assert (out[:10] == 128).all() and (out[11:] == 10).all()
    assert set(SIGNED_OPS) <= set(INCREASING_OPS)


@pytest.mark.parametrize('seed', range(4))
def test_erasing_same_box_on_every_frame_fresh_noise(seed):
    er = ClipRandomErasing(prob=1.0)
    clip = [np.zeros((32, 40, 3), np.uint8) for _ in range(16)]
    np.random.seed(seed)
    out = er.transform(dict(imgs=clip))
    x, y, w, h = out['erased_box']
    assert 0.02 * 32 * 40 * 0.8 <= w * h <= 32 * 40 / 3 * 1.2
    assert w < 40 and h < 32
    for img in out['imgs']:
        mask = np.zeros((32, 40), bool)
        mask[y:y + h, x:x + w] = True
        assert (img[~mask] == 0).all()
        assert (img[mask] != 0).mean() > 0.9
    # fresh N(0, 1) noise per frame, in the normalised space
    assert not np.array_equal(out['imgs'][0], out['imgs'][1])
    assert all(c is not o for c, o in zip(clip, out['imgs']))
    patch = np.stack(out['imgs'])[:, y:y + h, x:x + w].astype(np.float32)
    norm = (patch - er.mean) / er.std
    assert abs(norm.mean()) < 0.15 and 0.85 < norm.std() < 1.1


def test_erasing_probability_and_box_distribution():
    er = ClipRandomErasing()  # the authors' p 0.25
    np.random.seed(0)
    boxes = [er.sample_box(160, 160) for _ in range(4000)]
    hit = [b for b in boxes if b is not None]
    assert len(hit) / len(boxes) == pytest.approx(0.25, abs=0.025)
    areas = np.array([w * h for _, _, w, h in hit]) / 160 ** 2
    assert areas.min() > 0.015 and areas.max() < 0.35
    assert areas.mean() == pytest.approx((0.02 + 1 / 3) / 2, abs=0.02)


def test_audio_gain_train_and_seeded_test():
    wave = np.ones(1000, np.float32)
    np.random.seed(0)
    gains = [AudioGain().transform(dict(waveform=wave))['audio_gain']
             for _ in range(2000)]
    # Beta(10, 10) + 0.5: mean 1, std sqrt(1 / 84) = 0.109
    assert np.mean(gains) == pytest.approx(1., abs=0.01)
    assert np.std(gains) == pytest.approx(0.109, abs=0.01)
    assert 0.5 < min(gains) and max(gains) < 1.5
    test = AudioGain(test_mode=True)
    a = [test.transform(dict(waveform=wave, sample_idx=i))['waveform']
         for i in range(3)]
    np.random.seed(123)  # the global generator does not matter
    b = [test.transform(dict(waveform=wave, sample_idx=i))['waveform']
         for i in range(3)]
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], a[1])
    off = AudioGain(test_mode=True, enabled=False).transform(
        dict(waveform=wave, sample_idx=0))
    assert off['waveform'] is wave and 'audio_gain' not in off


def test_squash_resize_antialiased_and_short_side_option():
    frame = (np.indices((90, 120)).sum(0) % 2 * 255).astype(np.uint8)
    frame = np.repeat(frame[..., None], 3, axis=2)  # a fine checkerboard
    out = Resize((160, 160), backend='pillow').transform(dict(imgs=[frame]))
    assert out['img_shape'] == (160, 160)
    ref = np.asarray(Image.fromarray(frame).resize(
        (160, 160), Image.Resampling.BILINEAR))
    assert np.array_equal(out['imgs'][0], ref)
    out = Resize(45, backend='pillow').transform(dict(imgs=[frame]))
    assert out['img_shape'] == (45, 60)
    # antialiasing averages the checkerboard to grey; cv2 would not
    assert abs(float(out['imgs'][0].mean()) - 127.5) < 3
    assert out['imgs'][0].std() < 20
    with pytest.raises(ValueError, match='backend'):
        Resize(160, backend='skimage')


def test_voxceleb2_fixed_crop():
    frame = np.zeros((224, 224, 3), np.uint8)
    frame[0:160, 32:192] = 7
    out = FixedCrop().transform(dict(imgs=[frame, frame]))
    assert out['img_shape'] == (160, 160)
    assert all((f == 7).all() and f.shape == (160, 160, 3)
               for f in out['imgs'])
    # another frame size: the same region, scaled
    small = np.zeros((112, 112, 3), np.uint8)
    small[0:80, 16:96] = 7
    out = FixedCrop().transform(dict(imgs=[small]))
    assert out['imgs'][0].shape == (80, 80, 3) and (out['imgs'][0] == 7).all()


def test_pretraining_sampler_exact_stride():
    sc = SampleClip(clip_len=16, frame_interval=4, train_sampling='stride')
    np.random.seed(0)
    starts = set()
    for _ in range(200):
        out = sc.transform(dict(total_frames=100))
        index = out['frame_inds']
        assert (np.diff(index) == 4).all()
        assert 0 <= index[0] <= 36 and index[-1] <= 99
        starts.add(int(index[0]))
        first, last = out['audio_span']
        assert first == pytest.approx(index[0] / 99)
        assert last == pytest.approx(min(index[0] + 64, 99) / 99)
    assert len(starts) > 30  # random start over [0, n - 64]
    # a short video: from 0, stopping at the last frame below n - 1
    index = sc.transform(dict(total_frames=10))['frame_inds']
    assert index.tolist() == [0, 4] + [8] * 14
