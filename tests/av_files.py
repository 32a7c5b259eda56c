"""Writers of small media files for the data tests (PyAV, scipy, cv2)."""
import os
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
from scipy.io import wavfile


def tone(seconds: float, sr: int = 16000, freq: float = 220.,
         amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def frames(n: int, size: int = 64, seed: int = 0) -> np.ndarray:
    """``n`` RGB frames with a moving square (uint8 ``(n, size, size, 3)``)."""
    rng = np.random.default_rng(seed)
    out = np.full((n, size, size, 3), 40, np.uint8)
    out += rng.integers(0, 20, out.shape, dtype=np.uint8)
    for i in range(n):
        x = (i * 2) % (size - 16)
        out[i, 20:36, x:x + 16] = (200, 120, 60)
    return out


def write_wav(path: Path, wave: np.ndarray, sr: int = 16000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wavfile.write(str(path), sr, (np.clip(wave, -1, 1) * 32767)
                  .astype(np.int16))
    return path


def write_mp4(path: Path, video: np.ndarray, fps: int = 25,
              audio: Optional[np.ndarray] = None, sr: int = 16000) -> Path:
    """H.264 video, plus an AAC mono track if ``audio`` is given."""
    import av
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), 'w') as container:
        vs = container.add_stream('libx264', rate=fps)
        vs.height, vs.width = video.shape[1:3]
        vs.pix_fmt = 'yuv420p'
        astream = None
        if audio is not None:
            astream = container.add_stream('aac', rate=sr)
            astream.layout = 'mono'
        for img in video:
            frame = av.VideoFrame.from_ndarray(img, format='rgb24')
            for packet in vs.encode(frame):
                container.mux(packet)
        for packet in vs.encode():
            container.mux(packet)
        if astream is not None:
            for start in range(0, len(audio), 1024):
                chunk = audio[start:start + 1024][None].astype(np.float32)
                af = av.AudioFrame.from_ndarray(chunk, format='fltp',
                                                layout='mono')
                af.sample_rate, af.pts = sr, start
                for packet in astream.encode(af):
                    container.mux(packet)
            for packet in astream.encode():
                container.mux(packet)
    return path


def write_frame_folder(folder: Path, video: np.ndarray,
                       ext: str = 'jpg') -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, img in enumerate(video, 1):
        cv2.imwrite(str(folder / f'img_{i:05d}.{ext}'),
                    cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return folder


def truncate(src: Path, dst: Path, keep: float = 0.3) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[:int(len(data) * keep)])
    return dst


def touch_empty(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'wb'):
        os.utime(path)
    return path


_SKIN = (224, 172, 140)
_SHADOW = (150, 105, 85)   # eye sockets: the dark band Haar features seek
_DARK = (50, 35, 30)       # pupils, brows, hair


def draw_face(img: np.ndarray, cx: float, cy: float,
              width: float) -> np.ndarray:
    """Draw (in place, RGB) a schematic frontal face ``width`` px wide
    centred at ``(cx, cy)``, with the contrasts of a lit face: skin on a
    darker background, hair, shadowed eye sockets with pupils and brows, a
    nose shadow and a mouth. OpenCV's frontal Haar cascade finds it (checked
    in tests/test_face_crop.py), from about 24 px wide."""
    rx, ry = width / 2, width * 0.62

    def ellipse(x, y, ax, ay, colour, start=0, end=360):
        cv2.ellipse(img, (int(round(x)), int(round(y))),
                    (max(1, int(round(ax))), max(1, int(round(ay)))), 0,
                    start, end, colour, -1, cv2.LINE_AA)

    ellipse(cx, cy, rx, ry, _SKIN)
    ellipse(cx, cy - ry * 0.55, rx * 1.02, ry * 0.5, _DARK, 180, 360)
    eye_y = cy - ry * 0.12
    for side in (-1, 1):
        ex = cx + side * rx * 0.4
        ellipse(ex, eye_y, rx * 0.26, ry * 0.1, _SHADOW)
        ellipse(ex, eye_y, rx * 0.16, ry * 0.055, _DARK)
        brow_y = int(round(eye_y - ry * 0.2))
        cv2.line(img, (int(round(ex - rx * 0.25)), brow_y),
                 (int(round(ex + rx * 0.25)), brow_y), _DARK,
                 max(1, int(width * 0.04)), cv2.LINE_AA)
    ellipse(cx, cy + ry * 0.18, rx * 0.12, ry * 0.05, (170, 120, 100))
    ellipse(cx, cy + ry * 0.45, rx * 0.35, ry * 0.06, (120, 50, 50))
    return img


def face_frames(centres, height: int = 96, width: int = 128,
                face_width: float = 36, seed: int = 0) -> np.ndarray:
    """RGB frames (uint8 ``(n, height, width, 3)``) of a noisy dark
    background with a drawn face centred at ``centres[i]`` (``(x, y)``),
    or no face where ``centres[i]`` is ``None``."""
    rng = np.random.default_rng(seed)
    out = np.full((len(centres), height, width, 3), 50, np.uint8)
    out += rng.integers(0, 15, out.shape, dtype=np.uint8)
    for img, centre in zip(out, centres):
        if centre is not None:
            draw_face(img, centre[0], centre[1], face_width)
    return out
