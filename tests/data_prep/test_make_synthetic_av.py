"""The synthetic audio-visual emotion dataset
(``tools/data/make_synthetic_av.py``).

A tiny run (2 clips per class, 64 px, 2.6 s) checks the layout, the list
formats and the media; a small run (20 per class) checks that hand-made
features with a nearest-centroid classifier need both modalities.
"""
import json
import os
import os.path as osp
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hicmae.data_prep.synthetic_av import (CLASSES, SAMPLE_RATE,
                                           make_synthetic_av)

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOL = REPO_ROOT / 'tools' / 'data' / 'make_synthetic_av.py'
TINY = dict(num_per_class=2, size=64, fps=25, duration=2.6)
SMALL = dict(num_per_class=20, size=64, fps=25, duration=2.6)
N_FRAMES = 65                          # round(2.6 * 25)
N_SAMPLES = N_FRAMES * SAMPLE_RATE // 25


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp('synthetic_av') / 'tiny'
    meta = make_synthetic_av(str(out), seed=0, **TINY)
    return out, meta


@pytest.fixture(scope='module')
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp('synthetic_av') / 'small'
    meta = make_synthetic_av(str(out), seed=0, **SMALL)
    return out, meta


def _read_list(root: Path, name: str) -> list:
    with open(root / 'lists' / name) as f:
        return [line.rstrip('\n').split(' ') for line in f if line.strip()]


def _speaker(path: str) -> str:
    return osp.basename(path).split('_')[0]


def _expected_counts(n: int) -> dict:
    if n >= 3:
        val = test = max(1, round(0.2 * n))
    else:
        val, test = 0, int(n == 2)
    return dict(train=n - val - test, val=val, test=test)


def _check_layout(root: Path, meta: dict, n: int) -> None:
    on_disk = json.loads((root / 'meta.json').read_text())
    assert on_disk['classes'] == list(CLASSES)
    assert (root / 'lists' / 'classes.txt').read_text().split('\n')[:-1] \
        == list(CLASSES)
    assert meta['params']['num_frames'] == on_disk['params']['num_frames']
    expected = _expected_counts(n)
    speakers = {}
    for split in ('train', 'val', 'test'):
        rows = _read_list(root, f'{split}.txt')
        video_rows = _read_list(root, f'{split}_video.txt')
        assert len(rows) == len(video_rows) == expected[split] * len(CLASSES)
        for (frames, wav, label), (mp4, mp4_audio, label_v) in zip(
                rows, video_rows):
            for path in (frames, wav, mp4, mp4_audio):
                assert not osp.isabs(path) and '\\' not in path
            assert frames == f'frames/{split}/{osp.basename(frames)}'
            assert wav == f'audio/{split}/{osp.basename(frames)}.wav'
            assert mp4 == mp4_audio == \
                f'videos/{split}/{osp.basename(frames)}.mp4'
            assert (root / frames / 'img_00001.jpg').is_file()
            assert (root / wav).is_file() and (root / mp4).is_file()
            assert label == label_v and 0 <= int(label) < len(CLASSES)
            # clip id: s<speaker>_c<label>_<index>
            assert osp.basename(frames).split('_')[1] == f'c{label}'
        labels = np.array([int(r[2]) for r in rows], dtype=int)
        counts = np.bincount(labels, minlength=len(CLASSES))
        assert counts.tolist() == [expected[split]] * len(CLASSES)
        assert on_disk['counts'][split]['total'] == len(rows)
        speakers[split] = {_speaker(r[0]) for r in rows}
        assert speakers[split] <= set(on_disk['speakers'][split])
    assert not speakers['test'] & speakers['train']
    assert not speakers['val'] & (speakers['train'] | speakers['test'])
    pretrain = [r[0] for r in _read_list(root, 'pretrain.txt')]
    assert pretrain == [r[0] for r in _read_list(root, 'train_video.txt')]


def test_layout_and_lists(tiny, small):
    _check_layout(*tiny, TINY['num_per_class'])
    _check_layout(*small, SMALL['num_per_class'])
    meta = tiny[1]
    for name in CLASSES:
        cues = meta['class_cues'][name]
        assert cues['video'] and cues['audio']


def test_media(tiny):
    import av
    import cv2
    import decord
    from scipy.io import wavfile
    root, _ = tiny
    rows = _read_list(root, 'train.txt') + _read_list(root, 'test.txt')
    for frames, wav, _ in rows:
        clip = osp.basename(frames)
        mp4 = str(root / 'videos' / frames.split('/')[1] / f'{clip}.mp4')
        vr = decord.VideoReader(mp4)
        assert abs(len(vr) - N_FRAMES) <= 1
        assert vr.get_avg_fps() == pytest.approx(25, abs=0.1)
        assert vr[0].shape == (64, 64, 3)
        ar = decord.AudioReader(mp4, sample_rate=SAMPLE_RATE, mono=True)
        assert ar.shape[0] == 1
        assert abs(ar.shape[1] - N_SAMPLES) <= 0.02 * N_SAMPLES
        sr, pcm = wavfile.read(root / wav)
        assert sr == SAMPLE_RATE and pcm.dtype == np.int16
        assert pcm.ndim == 1 and len(pcm) == N_SAMPLES
        assert 0.01 < np.abs(pcm).max() / 32768 < 1
        names = sorted(os.listdir(root / frames))
        assert names == [f'img_{i:05d}.jpg' for i in range(1, len(vr) + 1)]
        img = cv2.imread(str(root / frames / names[0]))
        assert img.shape == (64, 64, 3)
        # the mp4 holds the same pictures (up to compression)
        diff = np.abs(img[..., ::-1].astype(float) - vr[0].asnumpy()).mean()
        assert diff < 12
    with av.open(mp4) as container:
        video, = container.streams.video
        audio, = container.streams.audio
        assert video.codec_context.name in ('h264', 'libx264')
        assert video.codec_context.pix_fmt == 'yuv420p'
        assert audio.codec_context.name == 'aac'
        assert audio.codec_context.sample_rate == SAMPLE_RATE
        assert audio.codec_context.channels == 1


def _dark_area(folder: Path) -> np.ndarray:
    import cv2
    names = sorted(os.listdir(folder))
    return np.array([(cv2.imread(str(folder / n), cv2.IMREAD_GRAYSCALE)
                      < 60).sum() for n in names], dtype=float)


def _frame_rms(pcm: np.ndarray, n_frames: int) -> np.ndarray:
    wave = pcm.astype(float) / 32768
    return np.sqrt((wave[:n_frames * (len(wave) // n_frames)]
                    .reshape(n_frames, -1)**2).mean(1))


def test_audio_video_aligned(tiny):
    """The mouth opens with the syllables: dark (open mouth) area per frame
    follows the audio energy of the same 40 ms."""
    from scipy.io import wavfile
    root, _ = tiny
    corrs = []
    for frames, wav, _ in _read_list(root, 'train.txt'):
        area = _dark_area(root / frames)
        rms = _frame_rms(wavfile.read(root / wav)[1], len(area))
        corrs.append(np.corrcoef(area, rms)[0, 1])
        # shifting the audio by 0.4 s breaks the match
        corrs_shift = np.corrcoef(area[10:], rms[:-10])[0, 1]
        assert corrs_shift < corrs[-1]
    assert np.median(corrs) > 0.6, corrs


def test_deterministic(tiny, tmp_path):
    root, _ = tiny
    again = tmp_path / 'again'
    make_synthetic_av(str(again), seed=0, **TINY)
    other = tmp_path / 'other'
    make_synthetic_av(str(other), seed=1, **TINY)
    for frames, wav, _ in _read_list(root, 'train.txt'):
        assert (root / wav).read_bytes() == (again / wav).read_bytes()
        assert (root / wav).read_bytes() != (other / wav).read_bytes()
        first = f'{frames}/img_00001.jpg'
        assert (root / first).read_bytes() == (again / first).read_bytes()
    assert (root / 'lists' / 'train.txt').read_bytes() == \
        (again / 'lists' / 'train.txt').read_bytes()


# sha256 of files of the default set (seed 0, TINY). Frames and audio were
# recorded from the generator before the second cue set was added: the
# default must not move. meta.json and the lists were re-recorded when the
# face crops (faces/, lists/*_faces.txt) were added, with their own digest;
# meta.json again when its text said how the crops are cut (ground truth).
DEFAULT_SHA256 = {
    'audio/train/s00_c1_0000.wav':
        '13b61e2c567b44d9dbf49b56c735c7a98ecfe3c6a8a6f89f89eb6eef02dbf3bf',
    'frames/train/s00_c1_0000':
        'a91c24cb7b34e3d4bd22f34fa76d06b84784e4f924238a404ad85c00cb232f34',
    'meta.json':
        '5d54907be41ecacf2bc1f4df66d6f0564ab02606dbab81ea2f3e2eef297146c5',
    'lists':
        'd2ffe3d2f08b77629792fd4bb486a488988c91a409b9cf8d22aa0cf7756b9b15',
    'faces/train/s00_c1_0000':
        'd906533088ec06d5304c3afc4c08e18ab63ecae2d6ceed878f8a4aba3c791f97',
}


def test_default_cue_set_unchanged(tiny):
    """The default (``emotions6``) set is byte-for-byte what it was."""
    import hashlib
    root, meta = tiny
    for rel, expected in DEFAULT_SHA256.items():
        path = root / rel
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        digest = hashlib.sha256()
        for name in files:
            digest.update(name.read_bytes())
        assert digest.hexdigest() == expected, rel
    assert meta['classes'] == list(CLASSES) and 'cue_set' not in meta


def test_refuses_overwrite_and_validates(tmp_path):
    out = tmp_path / 'busy'
    out.mkdir()
    (out / 'keep.txt').write_text('x')
    with pytest.raises(FileExistsError):
        make_synthetic_av(str(out), seed=0, **TINY)
    with pytest.raises(ValueError, match='64'):
        make_synthetic_av(str(tmp_path / 'a'), num_per_class=2,
                          duration=2.0)
    with pytest.raises(ValueError, match='num_per_class'):
        make_synthetic_av(str(tmp_path / 'b'), num_per_class=0)
    assert not (tmp_path / 'a').exists() and not (tmp_path / 'b').exists()

    def cli(*args):
        return subprocess.run(
            [sys.executable, str(TOOL), str(out), '--num-per-class', '2',
             '--size', '64', '--duration', '2.6', *args],
            capture_output=True, text=True, cwd=str(tmp_path), timeout=120)

    refused = cli()
    assert refused.returncode == 2
    assert '--overwrite' in refused.stderr
    assert sorted(os.listdir(out)) == ['keep.txt']
    too_short = cli('--duration', '2.0', '--overwrite')
    assert too_short.returncode == 2 and '64' in too_short.stderr
    done = cli('--overwrite', '--seed', '3')
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) <= 5
    assert (out / 'keep.txt').exists()
    _check_layout(out, json.loads((out / 'meta.json').read_text()), 2)
    assert json.loads((out / 'meta.json').read_text())['params']['seed'] == 3


# ------------------------------------------------- learnable only with both
def _video_features(folder: Path) -> np.ndarray:
    """Where the dark facial strokes (brows, pupils, mouth) are on average
    and how much they move, in the box around them (position and scale
    invariant), 12x12 each."""
    import cv2
    names = sorted(os.listdir(folder))[::2]
    masks = np.stack([(cv2.imread(str(folder / n), cv2.IMREAD_GRAYSCALE)
                       < 60).astype(np.float32) for n in names])
    mean = masks.mean(0)
    ys, xs = np.nonzero(mean > 0.1)

    def crop(a):
        return cv2.resize(a[ys.min():ys.max() + 1, xs.min():xs.max() + 1],
                          (12, 12), interpolation=cv2.INTER_AREA).ravel()

    return np.concatenate([crop(mean), crop(masks.std(0))])


def _audio_features(path: Path) -> np.ndarray:
    """Prosody: f0 contour slope and wobble (autocorrelation pitch), spectral
    brightness, loudness and high-band noisiness of the voiced frames."""
    from scipy.io import wavfile
    sr, pcm = wavfile.read(path)
    x = pcm.astype(np.float64) / 32768
    win, hop = 1024, 256
    starts = np.arange(0, len(x) - win, hop)
    frames = np.stack([x[i:i + win] for i in starts]) * np.hanning(win)
    rms = np.sqrt((frames**2).mean(1))
    voiced = rms > 0.4 * rms.max()
    spec = np.abs(np.fft.rfft(frames[voiced], 2 * win))**2
    acf = np.fft.irfft(spec)[:, :win]
    lo, hi = sr // 500, sr // 70
    semitones = 12 * np.log2(sr / (lo + acf[:, lo:hi].argmax(1)))
    t = starts[voiced] / sr
    design = np.stack([t, np.ones_like(t)], 1)
    coef = np.linalg.lstsq(design, semitones, rcond=None)[0]
    wobble = np.sqrt(np.mean((semitones - design @ coef)**2))
    freqs = np.fft.rfftfreq(2 * win, 1 / sr)
    power = spec.mean(0)
    bright = np.log(power[freqs > 1500].sum() /
                    power[(freqs > 0) & (freqs <= 1500)].sum())
    band = spec[:, freqs > 4000] + 1e-12
    flatness = np.exp(np.log(band).mean(1)) / band.mean(1)
    return np.array([coef[0] * (t.max() - t.min()), wobble, bright,
                     20 * np.log10(rms[voiced].mean()),
                     np.log(flatness.mean())])


def _centroid_distances(x_train, y_train, x_test, n_classes):
    """Squared distances to the class centroids (standardised features),
    in units of the mean training distance to the own centroid."""
    mu, sd = x_train.mean(0), x_train.std(0) + 1e-6
    x_train, x_test = (x_train - mu) / sd, (x_test - mu) / sd
    centroids = np.stack([x_train[y_train == c].mean(0)
                          for c in range(n_classes)])
    d_train = ((x_train[:, None] - centroids[None])**2).sum(-1)
    scale = d_train[np.arange(len(y_train)), y_train].mean()
    return ((x_test[:, None] - centroids[None])**2).sum(-1) / scale


def _features(root: Path, split: str):
    rows = _read_list(root, f'{split}.txt')
    video = np.stack([_video_features(root / r[0]) for r in rows])
    audio = np.stack([_audio_features(root / r[1]) for r in rows])
    return video, audio, np.array([int(r[2]) for r in rows])


def test_classes_need_both_modalities(small):
    """Nearest-centroid on hand-made features: face or voice alone confuse
    the designed class pairs, face + voice (nearest centroid in the joint
    space, each modality's block scaled to its own spread) separate all."""
    root, meta = small
    v_tr, a_tr, y_tr = _features(root, 'train')
    v_te, a_te, y_te = _features(root, 'test')
    n = len(CLASSES)
    d_video = _centroid_distances(v_tr, y_tr, v_te, n)
    d_audio = _centroid_distances(a_tr, y_tr, a_te, n)
    acc = {name: float((d.argmin(1) == y_te).mean()) for name, d in
           [('video', d_video), ('audio', d_audio),
            ('both', d_video + d_audio)]}
    print('nearest-centroid test accuracy', acc)
    assert acc['both'] >= 0.9, acc
    assert acc['video'] <= 0.8, acc
    assert acc['audio'] <= 0.8, acc

    # ... although each modality's features recognise its own cue groups
    def group_accuracy(d, groups):
        group_of = {CLASSES.index(c): g for g, cs in groups.items()
                    for c in cs}
        pred = d.argmin(1)
        return np.mean([group_of[p] == group_of[t]
                        for p, t in zip(pred, y_te)])

    assert group_accuracy(d_video, meta['face_groups']) >= 0.9
    assert group_accuracy(d_audio, meta['voice_groups']) >= 0.9
    assert len(meta['face_groups']) == len(meta['voice_groups']) == 4
