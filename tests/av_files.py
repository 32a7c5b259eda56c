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
