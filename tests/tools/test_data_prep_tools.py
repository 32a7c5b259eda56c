"""tools/data/extract_audio.py and tools/data/crop_faces.py on generated
videos: outputs, failures, resuming."""
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from av_files import (face_frames, frames, tone, touch_empty, truncate,
                      write_mp4)
from scipy.io import wavfile

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_tool(name, *args):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    proc = subprocess.run([sys.executable, f'tools/data/{name}',
                           *map(str, args)], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    """``talk/a.mp4`` (face, 220 Hz), ``talk/deep/b.mp4`` (face, 440 Hz),
    ``silent.mp4`` (no audio track, no face)."""
    root = tmp_path_factory.mktemp('src')
    moving = [(40 + i, 48) for i in range(30)]
    write_mp4(root / 'talk/a.mp4', face_frames(moving, face_width=36),
              audio=tone(1.2, freq=220))
    write_mp4(root / 'talk/deep/b.mp4',
              face_frames([(70, 50)] * 25, face_width=40, seed=1),
              audio=tone(1.0, freq=440))
    write_mp4(root / 'silent.mp4', frames(20, size=96))
    return root


def dominant_hz(wave, sr=16000):
    spectrum = np.abs(np.fft.rfft(wave.astype(np.float64)))
    return np.fft.rfftfreq(len(wave), 1 / sr)[spectrum.argmax()]


def test_extract_audio_writes_wavs_and_resumes(videos, tmp_path):
    out = tmp_path / 'wav'
    rc, stdout, stderr = run_tool('extract_audio.py', videos, out,
                                  '--workers', 2)
    # some failed: exit status 3 (hicmae.apis.exit_codes)
    assert rc == 3, stderr
    assert 'audio: 2 done, 0 skipped, 1 failed of 3' in stdout
    assert f'{videos / "silent.mp4"}: failed: no audio track' in stderr
    failed = (out / 'failed_audio.txt').read_text().splitlines()
    assert failed == [f'{videos / "silent.mp4"}\tno audio track']
    for rel, seconds, hz in (('talk/a.wav', 1.2, 220),
                             ('talk/deep/b.wav', 1.0, 440)):
        sr, wave = wavfile.read(out / rel)
        assert sr == 16000 and wave.dtype == np.int16 and wave.ndim == 1
        assert abs(len(wave) / sr - seconds) < 0.1
        assert abs(dominant_hz(wave) - hz) < 5
    assert sorted(p.name for p in out.rglob('*')
                  if p.is_file()) == ['a.wav', 'b.wav', 'failed_audio.txt']

    # a second run skips what is there
    stamp = (out / 'talk/a.wav').stat().st_mtime_ns
    rc, stdout, _ = run_tool('extract_audio.py', videos, out)
    assert rc == 3 and 'audio: 0 done, 2 skipped, 1 failed of 3' in stdout
    assert (out / 'talk/a.wav').stat().st_mtime_ns == stamp

    # an interrupted run left a temporary file and an empty wav
    (out / 'talk/deep/b.wav').unlink()
    (out / 'talk/deep/.b.wav.part').write_bytes(b'RIFF half')
    (out / 'talk/a.wav').write_bytes(b'')
    rc, stdout, _ = run_tool('extract_audio.py', videos, out)
    assert 'audio: 2 done, 0 skipped, 1 failed of 3' in stdout
    assert not (out / 'talk/deep/.b.wav.part').exists()
    assert wavfile.read(out / 'talk/a.wav')[1].size > 16000


def test_extract_audio_list_and_total_failure(videos, tmp_path):
    listed = tmp_path / 'list.txt'
    listed.write_text('talk/deep/b.mp4\n\n')
    out = tmp_path / 'wav'
    rc, stdout, _ = run_tool('extract_audio.py', videos, out, '--list',
                             listed)
    assert rc == 0 and 'audio: 1 done, 0 skipped, 0 failed of 1' in stdout
    assert [p.name for p in out.rglob('*.wav')] == ['b.wav']
    assert not (out / 'failed_audio.txt').exists()

    broken = tmp_path / 'broken'
    touch_empty(broken / 'x.avi')
    truncate(videos / 'talk/a.mp4', broken / 'y.mp4', keep=0.05)
    rc, stdout, stderr = run_tool('extract_audio.py', broken, tmp_path / 'o')
    # every one failed: exit status 4
    assert rc == 4 and '0 done, 0 skipped, 2 failed of 2' in stdout
    assert 'x.avi: failed: empty file (0 bytes)' in stderr
    assert 'y.mp4: failed: cannot decode audio (' in stderr

    outside = broken / 'y.mp4'
    listed.write_text(f'{videos / "silent.mp4"}\n{outside}\n')
    rc, stdout, stderr = run_tool('extract_audio.py', videos, tmp_path / 'p',
                                  '--list', listed)
    assert rc == 4 and '0 done, 0 skipped, 2 failed of 2' in stdout
    assert 'silent.mp4: failed: no audio track' in stderr
    assert f'{outside}: failed: not under SRC_ROOT' in stderr

    rc, _, stderr = run_tool('extract_audio.py', tmp_path / 'none', out)
    assert rc == 2 and 'no folder' in stderr
    (tmp_path / 'empty').mkdir()
    rc, _, stderr = run_tool('extract_audio.py', tmp_path / 'empty', out)
    assert rc == 2 and 'no videos' in stderr


def _frame_names(folder):
    return sorted(p.name for p in folder.iterdir() if p.suffix == '.jpg')


def test_crop_faces_writes_frame_folders_and_resumes(videos, tmp_path):
    out = tmp_path / 'faces'
    rc, stdout, stderr = run_tool('crop_faces.py', videos, out, '--size',
                                  48, '--every', 3, '--workers', 2)
    assert rc == 3, stderr  # one video failed
    assert 'faces: 2 done, 0 skipped, 1 failed of 3' in stdout
    assert 'silent.mp4: failed: no face found in 8 sampled frames' in stderr
    assert (out / 'failed_faces.txt').read_text().startswith(
        f'{videos / "silent.mp4"}\tno face found')
    for rel, n in (('talk/a', 30), ('talk/deep/b', 25)):
        folder = out / rel
        names = _frame_names(folder)
        assert names == [f'{i:05d}.jpg' for i in range(1, n + 1)]
        assert (folder / '.done').is_file()
        imgs = [cv2.imread(str(folder / name)) for name in names]
        assert all(img.shape == (48, 48, 3) for img in imgs)
        for img in imgs:  # skin (BGR 140, 172, 224) in the middle
            b, g, r = img[21:27, 21:27].reshape(-1, 3).mean(0)
            assert r > 150 and r > b + 30
    assert not (out / 'silent').exists()
    assert not list(out.rglob('.*.part'))

    # a complete folder is skipped; one without the marker is redone,
    # and so is a temporary folder left by an interrupted run
    stamp = (out / 'talk/a/00001.jpg').stat().st_mtime_ns
    (out / 'talk/deep/b/.done').unlink()
    (out / 'talk/deep/b/00025.jpg').unlink()
    (out / 'talk/deep/b/stray.txt').write_text('x')
    (out / 'talk/deep/.b.part').mkdir()
    rc, stdout, _ = run_tool('crop_faces.py', videos, out, '--size', 48,
                             '--every', 3)
    assert 'faces: 1 done, 1 skipped, 1 failed of 3' in stdout
    assert (out / 'talk/a/00001.jpg').stat().st_mtime_ns == stamp
    assert len(_frame_names(out / 'talk/deep/b')) == 25
    assert not (out / 'talk/deep/b/stray.txt').exists()
    assert (out / 'talk/deep/b/.done').is_file()
    assert not (out / 'talk/deep/.b.part').exists()


def test_crop_faces_without_face_crop_only_resizes(videos, tmp_path):
    out = tmp_path / 'frames'
    listed = tmp_path / 'list.txt'
    listed.write_text('silent.mp4\n')
    rc, stdout, stderr = run_tool('crop_faces.py', videos, out, '--size',
                                  32, '--no-face-crop', '--list', listed)
    assert rc == 0, stderr
    assert 'faces: 1 done, 0 skipped, 0 failed of 1' in stdout
    names = _frame_names(out / 'silent')
    assert len(names) == 20
    assert cv2.imread(str(out / 'silent' / names[0])).shape == (32, 32, 3)


def test_crop_faces_warns_about_clips_too_short_to_train_on(tmp_path):
    src = tmp_path / 'src'
    write_mp4(src / 'short.mp4',
              face_frames([(70, 50)] * 5, face_width=40), audio=tone(0.2))
    write_mp4(src / 'long.mp4',
              face_frames([(70, 50)] * 12, face_width=40), audio=tone(0.5))
    rc, stdout, stderr = run_tool('crop_faces.py', src, tmp_path / 'o',
                                  '--size', 32, '--every', 2)
    assert rc == 0, stderr
    assert 'faces: 2 done, 0 skipped, 0 failed of 2' in stdout
    assert f'{src / "short.mp4"}: warning: only 5 frames, fewer than the 8' \
        in stderr
    assert 'long.mp4' not in stderr


def test_crop_faces_help_shows_defaults():
    rc, stdout, _ = run_tool('crop_faces.py', '--help')
    text = ' '.join(stdout.split())
    assert rc == 0 and '(default: 160)' in text and '(default: 5)' in text
    assert 'folder holding the videos' in text
