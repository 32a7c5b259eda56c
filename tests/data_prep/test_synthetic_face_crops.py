"""The synthetic set's face crops (``faces/``) hold the head, frame by
frame: on a clip whose head moves far, and in the files the generator
writes (not the whole frames, which a shape check would let pass when the
frames are as small as the crops)."""
import os.path as osp

import cv2
import numpy as np
import pytest

from hicmae.data_prep.synthetic_av import clip as clip_module
from hicmae.data_prep.synthetic_av.cue_sets import DEFAULT_CUE_SET, get_cue_set
from hicmae.data_prep.synthetic_av.face import (RenderedClip, face_crops,
                                                render_frames)
from hicmae.data_prep.synthetic_av.layout import FACE_SIZE, clip_paths
from hicmae.data_prep.synthetic_av.speakers import sample_speaker

CUES = get_cue_set(DEFAULT_CUE_SET)
SPEAKER = sample_speaker(0, 1)
# the class whose head nods: the head moves in the generated clip too
NODDING = next(c for c in CUES.classes if CUES.face_of(c)['nod'] > 0)


def skin(img: np.ndarray, speaker: dict = SPEAKER):
    """Fraction of skin-coloured pixels and their centroid (x, y) as a
    fraction of the side."""
    dist = np.linalg.norm(img.astype(np.float32) - speaker['skin'], axis=-1)
    ys, xs = np.nonzero(dist < 30)
    side = img.shape[0]
    return len(xs) / dist.size, (xs.mean() / side, ys.mean() / side)


def assert_holds_the_head(crop: np.ndarray, where: str) -> None:
    fraction, (x, y) = skin(crop)
    # the face fills the crop (brows, eyes and mouth cut holes in it) and
    # sits in its middle; the whole frame has about a third of skin
    assert fraction > 0.45, f'{where}: {fraction:.0%} skin'
    assert abs(x - 0.5) < 0.08 and abs(y - 0.5) < 0.12, \
        f'{where}: face centred at ({x:.2f}, {y:.2f})'


def test_whole_frames_do_not_pass_as_crops():
    rng = np.random.default_rng(0)
    frame = render_frames(rng, CUES.face_of(NODDING), SPEAKER, np.zeros(1),
                          64, 25.).frames[0]
    with pytest.raises(AssertionError, match='skin'):
        assert_holds_the_head(frame, 'whole frame')


def test_crops_follow_a_head_that_moves_far():
    """One rendered frame, moved by up to 30 px from frame to frame on a
    larger canvas: every crop shows the same face at the same place."""
    rng = np.random.default_rng(3)
    rendered = render_frames(rng, CUES.face_of(NODDING), SPEAKER,
                             np.zeros(1), 128, 25.)
    pad = 48
    base = cv2.copyMakeBorder(rendered.frames[0], pad, pad, pad, pad,
                              cv2.BORDER_REPLICATE)
    head = rendered.heads[0] + (pad, pad, 0, 0)
    t = np.arange(12)
    shifts = np.stack([np.round(30 * np.sin(1.3 * t)),
                       np.round(-25 * np.cos(0.9 * t))], 1).astype(int)
    frames, heads = [], []
    for dx, dy in shifts:
        move = np.float32([[1, 0, dx], [0, 1, dy]])
        frames.append(cv2.warpAffine(base, move, base.shape[1::-1],
                                     borderMode=cv2.BORDER_REPLICATE))
        heads.append(head + (dx, dy, 0, 0))
    crops = face_crops(RenderedClip(frames, np.array(heads)), FACE_SIZE)
    assert len(crops) == len(frames)
    for i, crop in enumerate(crops):
        assert crop.shape == (FACE_SIZE, FACE_SIZE, 3)
        assert_holds_the_head(crop, f'frame {i}')
        # integer moves of one picture: the same crop, pixel for pixel
        assert np.array_equal(crop, crops[0]), f'frame {i} differs'
    # the frames themselves do move: a fixed box would not follow
    fixed = [f[int(head[1]) - 40:int(head[1]) + 40,
               int(head[0]) - 40:int(head[0]) + 40] for f in frames]
    assert not all(np.array_equal(f, fixed[0]) for f in fixed[1:])


def test_generator_writes_the_head_crops_of_every_frame(tmp_path,
                                                        monkeypatch):
    made = []

    def spy(rendered, size):
        made.append((rendered, face_crops(rendered, size)))
        return made[-1][1]

    monkeypatch.setattr(clip_module, 'face_crops', spy)
    for folder in ('audio/train', 'videos/train'):  # the builder makes them
        (tmp_path / folder).mkdir(parents=True)
    job = dict(out_dir=str(tmp_path), clip='s01_c0_0000', split='train',
               label=CUES.classes.index(NODDING), class_name=NODDING,
               index=0, seed=0, fps=25., num_frames=40, size=128,
               speaker=SPEAKER)
    record = clip_module.make_clip(job)
    assert len(made) == 1, 'the generator did not cut face crops'
    rendered, crops = made[0]
    centres = rendered.heads[:, :2]
    assert np.ptp(centres, axis=0).max() > 2  # the head moves in this clip
    folder = osp.join(str(tmp_path), record['faces'])
    assert record['faces'] == clip_paths('train', job['clip'])['faces']
    for i in range(job['num_frames']):
        path = osp.join(folder, f'img_{i + 1:05d}.jpg')
        written = cv2.imread(path)
        assert written is not None, f'{path} missing'
        assert written.shape == (FACE_SIZE, FACE_SIZE, 3)
        # what face_crops cut from frame i (JPEG q95: within a few levels)
        diff = np.abs(written.astype(int) - crops[i].astype(int)).mean()
        assert diff < 3, f'{path}: {diff:.1f} from the crop of frame {i}'
        assert_holds_the_head(written, path)
    assert not osp.exists(osp.join(folder, f'img_{job["num_frames"] + 1:05d}'
                                           '.jpg'))
