"""Media writers: JPEG frame folders, 16-bit wav files and mp4 clips.

The mp4 writer pins every encoder choice that would otherwise make the
output bytes differ between runs (see the comments in :func:`write_mp4`).
"""
import os.path as osp
from fractions import Fraction
from typing import Sequence

import numpy as np


def write_jpegs(folder: str, frames: Sequence[np.ndarray]) -> None:
    """Write ``frames`` to ``folder/img_00001.jpg``, ... (1-based, q95)."""
    import cv2
    for i, img in enumerate(frames):
        cv2.imwrite(osp.join(folder, f'img_{i + 1:05d}.jpg'), img,
                    [cv2.IMWRITE_JPEG_QUALITY, 95])


def write_wav(path: str, pcm: np.ndarray, sr: int) -> None:
    """Write int16 mono samples ``pcm`` as a wav file."""
    from scipy.io import wavfile
    wavfile.write(path, sr, pcm)


def write_mp4(path: str, frames: Sequence[np.ndarray], wave: np.ndarray,
              fps: float, sr: int) -> None:
    """Write BGR ``frames`` (H.264 yuv420p) and the float mono ``wave``
    (AAC, 64 kb/s) to an mp4 file."""
    import av
    import cv2
    rate = Fraction(fps).limit_denominator(1001)
    h, w = frames[0].shape[:2]
    with av.open(path, 'w') as container:
        vstream = container.add_stream('libx264', rate=rate)
        vstream.width, vstream.height = w, h
        vstream.pix_fmt = 'yuv420p'
        # mbtree off: x264's macroblock-tree lookahead made the bitstream
        # vary from call to call (uninitialised memory, it seems); without
        # it the same frames give the same bytes
        vstream.options = {'preset': 'veryfast', 'crf': '20',
                           'x264-params': 'mbtree=0'}
        vstream.codec_context.thread_count = 1
        astream = container.add_stream('aac', rate=sr, layout='mono')
        astream.codec_context.bit_rate = 64000
        for i, img in enumerate(frames):
            # BT.601 limited-range I420 by OpenCV: deterministic, unlike
            # the first swscale conversion of a process
            yuv = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)
            frame = av.VideoFrame.from_ndarray(yuv, format='yuv420p')
            frame.pts = i
            for packet in vstream.encode(frame):
                container.mux(packet)
        samples = wave.astype(np.float32)
        step = 1024
        for start in range(0, len(samples), step):
            chunk = np.ascontiguousarray(samples[None, start:start + step])
            frame = av.AudioFrame.from_ndarray(chunk, format='fltp',
                                               layout='mono')
            frame.sample_rate = sr
            frame.pts = start
            for packet in astream.encode(frame):
                container.mux(packet)
        for stream in (vstream, astream):
            for packet in stream.encode():
                container.mux(packet)
