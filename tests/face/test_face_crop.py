"""Face detection, clip cropping, FaceCrop and face-cropped inference."""
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from av_files import draw_face, face_frames, frames, tone, write_mp4
from conftest import SMALL_RECOGNIZER, SYNTHETIC_FT_CONFIG
from mmcv.transforms import Compose

from hicmae.apis import inference_recognizer, init_model
from hicmae.apis.inference import inference_pipeline
from hicmae.datasets import BadSampleError
from hicmae.face import (FACE_TEMPLATE, ClipFaceCropper, FaceBoxes,
                         FaceDetector, HaarFaceDetector, build_face_detector,
                         crop_square, fill_nearest, fit_face, moving_median,
                         warp_square)
from hicmae.registry import FACE_DETECTORS

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG, SMALL = SYNTHETIC_FT_CONFIG, SMALL_RECOGNIZER


class ScriptedDetector(FaceDetector):
    """Returns ``script[i]`` (a list of ``x1, y1, x2, y2``) for the frame
    whose first pixel holds ``i``; records which frames it was run on."""

    def __init__(self, script):
        self.script = script
        self.calls = []

    def detect(self, frame):
        i = int(frame[0, 0, 0])
        self.calls.append(i)
        boxes = np.asarray(self.script.get(i, []), np.float32).reshape(-1, 4)
        return FaceBoxes(boxes, np.ones(len(boxes), np.float32))


def numbered_frames(n, size=100):
    out = np.zeros((n, size, size, 3), np.uint8)
    out[:, 0, 0, 0] = np.arange(n)
    return list(out)


def centre(box):
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


# -- the detector --------------------------------------------------------

@pytest.mark.parametrize('height,width,face,x,y', [
    (96, 128, 24, 64, 48), (96, 128, 36, 35, 50), (120, 160, 60, 100, 60),
    (240, 320, 84, 90, 110), (480, 640, 240, 420, 250),
    (720, 1280, 180, 900, 360)])
def test_haar_finds_the_drawn_face(height, width, face, x, y):
    faces = HaarFaceDetector()(face_frames([(x, y)], height, width,
                                           face)[0])
    assert len(faces) == 1
    box = faces.boxes[0]
    cx, cy = centre(box)
    assert abs(cx - x) < 0.15 * face and abs(cy - y) < 0.15 * face
    assert 0.8 * face < box[2] - box[0] < 2 * face
    assert faces.scores[0] >= 5  # neighbour count, at least min_neighbors


def test_haar_finds_nothing_without_a_face():
    detector = HaarFaceDetector()
    rng = np.random.default_rng(0)
    clips = list(frames(20, size=96)) + [
        rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
        for _ in range(5)]
    assert all(len(detector(img)) == 0 for img in clips)


def test_haar_loads_lazily_pickles_and_checks_its_input(tmp_path):
    detector = FACE_DETECTORS.build(dict(type='HaarFaceDetector',
                                         min_neighbors=3))
    assert isinstance(detector, HaarFaceDetector)
    assert detector._cascade is None  # nothing loaded at build time
    img = face_frames([(64, 48)])[0]
    assert len(detector(img)) == 1
    clone = pickle.loads(pickle.dumps(detector))  # as worker processes do
    assert len(clone(img)) == 1
    with pytest.raises(ValueError, match='RGB uint8'):
        detector(img.astype(np.float32))
    missing = str(tmp_path / 'none.xml')
    with pytest.raises(FileNotFoundError, match='none.xml'):
        HaarFaceDetector(cascade_file=missing)(img)
    assert build_face_detector(detector) is detector


# -- the clip logic, with a scripted detector ----------------------------

def test_every_kth_frame_and_the_last_are_searched():
    detector = ScriptedDetector({0: [[10, 10, 50, 50]]})
    ClipFaceCropper(detector, every=3).locate(numbered_frames(11))
    assert detector.calls == [0, 3, 6, 9, 10]


def test_gaps_take_the_nearest_detection_and_the_largest_face_wins():
    small, big = [40, 40, 50, 50], [10, 20, 50, 60]
    script = {0: [[0, 0, 20, 20]], 5: [small, big], 9: [[60, 60, 80, 80]]}
    cropper = ClipFaceCropper(ScriptedDetector(script), margin=1.0,
                              smooth=1, policy='largest')
    squares = cropper.locate(numbered_frames(10))[:, :3]
    assert (cropper.locate(numbered_frames(10))[:, 3] == 0).all()
    expected = {0: (10, 10, 20)} | {i: (30, 40, 40) for i in range(3, 8)} \
        | {9: (70, 70, 20)}
    expected |= {1: expected[0], 2: expected[0], 8: expected[9]}
    for i, value in expected.items():
        assert tuple(squares[i]) == pytest.approx(value), i


def test_the_median_ignores_a_one_frame_false_face():
    script = {i: [[20, 20, 60, 60]] for i in range(9)}
    script[4] = [[0, 50, 100, 100]]  # a large false face for one frame
    for smooth, moved in ((5, False), (1, True)):
        cropper = ClipFaceCropper(ScriptedDetector(script), margin=1.0,
                                  smooth=smooth, policy='largest')
        squares = cropper.locate(numbered_frames(9))
        assert (tuple(squares[4, :3]) != (40, 40, 40)) == moved
    assert np.array_equal(moving_median(np.array([[1.], [9.], [1.]]), 3),
                          [[1.], [1.], [1.]])


def test_track_keeps_one_person_when_the_other_comes_nearer():
    """Two people (IEMOCAP): the one present and large throughout is kept
    even in frames where the other one's box is the larger."""
    a = [[10, 10, 50, 50]]  # the main speaker, 40 px, every frame
    b_far, b_near = [60, 10, 90, 40], [55, 5, 100, 50]  # 30 px, then 45
    script = {i: a + [b_far] for i in range(8)}
    script[3] = script[4] = a + [b_near]
    tracked = ClipFaceCropper(ScriptedDetector(script), margin=1.0,
                              smooth=1).locate(numbered_frames(8))
    assert np.allclose(tracked[:, :3], [30, 30, 40])
    largest = ClipFaceCropper(ScriptedDetector(script), margin=1.0,
                              smooth=1, policy='largest').locate(
                                  numbered_frames(8))
    assert np.allclose(largest[3, :3], [77.5, 27.5, 45])  # jumps across


def test_track_ignores_a_large_one_frame_false_face():
    script = {i: [[20, 20, 60, 60]] for i in range(9)}
    script[4] = [[0, 0, 100, 100]]  # 6 times the area, one frame only
    squares = ClipFaceCropper(ScriptedDetector(script), margin=1.0,
                              smooth=1).locate(numbered_frames(9))
    assert np.allclose(squares[:, :3], [40, 40, 40])
    with pytest.raises(ValueError, match='policy'):
        ClipFaceCropper(ScriptedDetector(script), policy='central')


def test_fit_face_recovers_turn_scale_and_centre():
    for angle, side, cx, cy in ((0, 100, 50, 60), (30, 80, 200, 100),
                                (-25, 40, 10, 300)):
        rad = np.radians(angle)
        rot = np.array([[np.cos(rad), -np.sin(rad)],
                        [np.sin(rad), np.cos(rad)]])
        points = (FACE_TEMPLATE - 0.5) @ rot.T * side + [cx, cy]
        assert fit_face(points) == pytest.approx((cx, cy, side, angle))


def test_aligned_crop_levels_the_eyes():
    """A square whose content is turned by 30 degrees comes out upright."""
    img = np.zeros((200, 200, 3), np.uint8)
    img[95:105, 40:160] = 255  # a horizontal bar through the centre
    import cv2
    turned = cv2.warpAffine(img, cv2.getRotationMatrix2D((100, 100), -30,
                                                         1.0), (200, 200))

    def bar_height(angle):
        out = warp_square(turned, 100, 100, 120, angle, 60)
        rows = np.nonzero(out[:, :, 0].max(1) > 128)[0]
        return rows.max() - rows.min()

    assert bar_height(30) <= 6  # one horizontal bar again
    # the bar 60 px long in the 60 px crop, at 30 degrees: about 30 rows
    assert bar_height(0) >= 25
    assert bar_height(-30) > bar_height(0)  # the wrong way turns it further


def test_fill_nearest_prefers_the_earlier_on_a_tie():
    filled = fill_nearest(np.array([1, 3]), np.array([[10.], [30.]]), 5)
    assert filled.ravel().tolist() == [10., 10., 10., 30., 30.]


def test_crop_square_shifts_inside_or_pads():
    img = np.arange(10 * 20 * 3, dtype=np.uint8).reshape(10, 20, 3)
    inside = crop_square(img, 15, -3, 8)  # fits: shifted to x 12, y 0
    assert np.array_equal(inside, img[0:8, 12:20])
    padded = crop_square(img, 5, -2, 14, pad_value=7)  # taller than 10
    assert padded.shape == (14, 14, 3)
    assert np.array_equal(padded[2:12], img[:, 5:19])
    assert (padded[:2] == 7).all() and (padded[12:] == 7).all()


# -- real crops on drawn faces --------------------------------------------

def test_the_crop_follows_the_face():
    xs = np.linspace(35, 95, 20)
    clip = list(face_frames([(x, 48) for x in xs], face_width=36))
    crops = ClipFaceCropper(every=2, smooth=3)(clip, 'clip.mp4')
    assert len({img.shape for img in crops.imgs}) == 1
    side = crops.imgs[0].shape[0]
    assert crops.imgs[0].shape == (side, side, 3)
    cx = (crops.boxes[:, 0] + crops.boxes[:, 2]) / 2
    assert np.all(np.diff(cx) >= 0)  # never moves back
    assert np.abs(cx - xs).max() < 8  # 8 px: one detection step of 6 px
    for img in crops.imgs:  # the face is in the middle of every crop
        middle = img[side // 2 - 2:side // 2 + 3, side // 2 - 2:
                     side // 2 + 3].reshape(-1, 3).mean(0)
        assert middle[0] > 150 and middle[0] > middle[2] + 30


def test_frames_without_a_face_are_filled_from_the_nearest():
    centres = [(40 + 2 * i, 50) for i in range(12)]
    for i in (0, 1, 6, 7, 11):
        centres[i] = None
    clip = list(face_frames(centres, face_width=40))
    crops = ClipFaceCropper(smooth=1, size=48)(clip, 'clip.mp4')
    assert all(img.shape == (48, 48, 3) for img in crops.imgs)
    for blank, source in ((0, 2), (1, 2), (6, 5), (7, 8), (11, 10)):
        assert np.array_equal(crops.boxes[blank], crops.boxes[source])
    assert not np.array_equal(crops.boxes[5], crops.boxes[8])


def test_another_detector_is_chosen_by_config():
    from hicmae.registry import TRANSFORMS

    class CentreFace(FaceDetector):
        def __init__(self, side):
            self.side = side

        def detect(self, frame):
            h, w = frame.shape[:2]
            box = [(w - self.side) / 2, (h - self.side) / 2,
                   (w + self.side) / 2, (h + self.side) / 2]
            return FaceBoxes(np.array([box], np.float32),
                             np.ones(1, np.float32))

    FACE_DETECTORS.register_module(name='TestCentreFace', module=CentreFace,
                                   force=True)
    try:
        crop = TRANSFORMS.build(dict(
            type='FaceCrop', margin=1.0,
            detector=dict(type='TestCentreFace', side=20)))
        results = crop(dict(filename='x.mp4', imgs=list(frames(4, 64))))
    finally:
        FACE_DETECTORS._module_dict.pop('TestCentreFace')
    assert results['img_shape'] == (20, 20)
    assert results['face_boxes'][0].tolist() == [22, 22, 42, 42]


def test_a_clip_without_faces_is_a_bad_sample_naming_the_file():
    from hicmae.datasets.transforms import FaceCrop
    results = dict(filename='/data/nobody.mp4', imgs=list(frames(16, 96)))
    with pytest.raises(BadSampleError) as err:
        FaceCrop()(results)
    assert err.value.path == '/data/nobody.mp4'
    assert err.value.reason == 'no face found in 16 sampled frames'


@pytest.fixture(scope='module')
def clips(tmp_path_factory):
    """An mp4 whose face drifts right, and one without a face."""
    root = tmp_path_factory.mktemp('faces')
    centres = [(40 + i * 0.8, 50) for i in range(60)]
    face = write_mp4(root / 'face.mp4', face_frames(centres, face_width=36),
                     audio=tone(2.4))
    nobody = write_mp4(root / 'nobody.mp4', frames(60, size=96),
                       audio=tone(2.4, freq=330))
    return str(face), str(nobody)


def test_face_crop_transform_after_decode_frames(clips):
    pipeline = Compose([
        dict(type='OpenVideo'),
        dict(type='SampleClip', clip_len=16, frame_interval=2,
             test_mode=True),
        dict(type='DecodeFrames'),
        dict(type='FaceCrop', size=56)])
    results = pipeline(dict(filename=clips[0]))
    assert results['original_shape'] == (96, 128)
    assert results['img_shape'] == (56, 56)
    assert len(results['imgs']) == 16
    assert all(img.shape == (56, 56, 3) for img in results['imgs'])
    assert results['face_boxes'].shape == (16, 4)


# -- inference -------------------------------------------------------------

@pytest.fixture(scope='module')
def model_files(checkpoint):
    return checkpoint, init_model(CONFIG, checkpoint, cfg_options=SMALL)


def test_face_crop_goes_right_after_decode_frames(model_files, clips,
                                                  tmp_path):
    _, model = model_files
    names = [t['type'] for t in inference_pipeline(model, clips[0])]
    assert names[names.index('DecodeFrames') + 1] == 'FaceCrop'
    assert names.count('FaceCrop') == 1
    custom = inference_pipeline(model, clips[0], dict(every=2))
    assert custom[names.index('FaceCrop')]['every'] == 2
    for steps in (inference_pipeline(model, clips[0], False),
                  inference_pipeline(model, str(tmp_path))):  # a folder
        assert 'FaceCrop' not in [t['type'] for t in steps]


def test_inference_crops_the_face_by_default(model_files, clips):
    ckpt, _ = model_files
    model = init_model(CONFIG, ckpt, cfg_options=SMALL)
    cropped = inference_recognizer(model, clips[0])
    whole = inference_recognizer(model, clips[0], face_crop=False)
    assert np.isclose(cropped['scores'].sum(), 1.0, atol=1e-5)
    assert not np.allclose(cropped['scores'], whole['scores'])
    with pytest.raises(BadSampleError, match='no face found'):
        inference_recognizer(model, clips[1])


def test_tool_reports_a_faceless_video_and_runs_the_other(model_files,
                                                          clips, tmp_path):
    ckpt, _ = model_files
    out = tmp_path / 'r.json'
    face, nobody = clips
    proc = subprocess.run(
        [sys.executable, 'tools/inference.py', nobody, face, '--config',
         CONFIG, '--checkpoint', ckpt, '--out', str(out), '--cfg-options',
         *(f'{k}={v}' for k, v in SMALL.items())],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    # exit 3: some clips were skipped, the others scored (docs/inference.md)
    assert proc.returncode == 3, proc.stderr[-2000:]
    # the two temporal views' frames, decoded and searched once: 15
    # distinct frames of this short clip
    assert (f'{nobody}: skipped: no face found in 15 sampled frames'
            in proc.stderr)
    assert '--no-face-crop' in proc.stderr
    assert face in proc.stdout
    results = json.loads(out.read_text())
    assert set(results) == {face, nobody}
    assert 'no face found' in results[nobody]['skipped']
    assert abs(sum(results[face]['scores'].values()) - 1) < 1e-5


def test_draw_face_draws_in_place():
    img = np.zeros((50, 50, 3), np.uint8)
    assert draw_face(img, 25, 25, 30) is img and img.any()
