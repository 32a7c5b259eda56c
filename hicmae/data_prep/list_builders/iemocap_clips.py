"""Cut IEMOCAP's dialogue videos into one clip per labelled utterance.

IEMOCAP ships a video per dialogue but a wav per utterance. Each 4-class
utterance becomes ``CLIPS_ROOT/SessionN/<dialogue>/<utterance>.mp4``: the
dialogue video's frames between the utterance's start and end times
(H.264, the source frame rate) with the utterance's own wav as AAC audio
track, so that ``extract_audio.py`` and ``crop_faces.py`` treat IEMOCAP like
every other dataset. Each dialogue video is decoded once; a clip is written
under a hidden temporary name and renamed when complete, and clips already
there are kept, so an interrupted run resumes.
"""
import os
import os.path as osp
from collections import defaultdict
from fractions import Fraction
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .iemocap import Utterance

# (utterance name or file, reason) of each clip that could not be made
Failure = Tuple[str, str]


def _read_wav(path: str) -> Tuple[np.ndarray, int]:
    from scipy.io import wavfile
    sr, data = wavfile.read(path)
    data = np.asarray(data)
    if data.dtype.kind == 'i':
        data = data.astype(np.float32) / float(np.iinfo(data.dtype).max)
    elif data.dtype.kind == 'u':
        data = (data.astype(np.float32) - 128) / 128
    if data.ndim > 1:
        data = data.mean(axis=1)
    return data.astype(np.float32), int(sr)


class _ClipWriter:
    """One output clip being written (video frames, then the wav)."""

    def __init__(self, path: str, wav: str, rate: Fraction, width: int,
                 height: int) -> None:
        import av
        self.path = path
        self.tmp = osp.join(osp.dirname(path), f'.{osp.basename(path)}.part')
        os.makedirs(osp.dirname(path), exist_ok=True)
        self.wave, self.sr = _read_wav(wav)
        self.container = av.open(self.tmp, 'w', format='mp4')
        self.video = self.container.add_stream('libx264', rate=rate)
        # yuv420p needs even sizes
        self.width, self.height = width - width % 2, height - height % 2
        self.video.width, self.video.height = self.width, self.height
        self.video.pix_fmt = 'yuv420p'
        # every stream must exist before the first packet is muxed
        self.audio = self.container.add_stream('aac', rate=self.sr)
        self.audio.layout = 'mono'
        self.frames = 0

    def add(self, rgb: np.ndarray) -> None:
        import av
        frame = av.VideoFrame.from_ndarray(
            np.ascontiguousarray(rgb[:self.height, :self.width]),
            format='rgb24')
        frame.pts = self.frames
        for packet in self.video.encode(frame):
            self.container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        """Finish the video, add the audio and rename to the final name."""
        try:
            self._finish()
        except Exception:
            self.abort()
            raise
        os.replace(self.tmp, self.path)

    def _finish(self) -> None:
        import av
        for packet in self.video.encode():
            self.container.mux(packet)
        for start in range(0, len(self.wave), 1024):
            chunk = self.wave[start:start + 1024][None]
            frame = av.AudioFrame.from_ndarray(chunk, format='fltp',
                                               layout='mono')
            frame.sample_rate, frame.pts = self.sr, start
            for packet in self.audio.encode(frame):
                self.container.mux(packet)
        for packet in self.audio.encode():
            self.container.mux(packet)
        self.container.close()

    def abort(self) -> None:
        try:
            self.container.close()
        except Exception:  # noqa: BLE001 - the partial file goes anyway
            pass
        if osp.exists(self.tmp):
            os.remove(self.tmp)


def cut_dialogue(video: str, utterances: Sequence[Utterance],
                 src_root: str, clips_root: str) -> List[Failure]:
    """Write the clips of one dialogue's ``utterances`` (those not there
    yet); returns the ones that failed."""
    import av
    todo, failures = [], []
    for utt in utterances:
        out = osp.join(clips_root, utt.clip)
        if osp.isfile(out) and osp.getsize(out) > 0:
            continue
        if not osp.isfile(utt.wav(src_root)):
            failures.append((utt.wav(src_root), 'no utterance wav'))
            continue
        todo.append(utt)
    if not todo:
        return failures
    if not osp.isfile(video):
        return failures + [(u.name, f'no dialogue video {video}')
                           for u in todo]
    todo.sort(key=lambda u: u.start)
    pending = list(todo)
    open_: Dict[str, _ClipWriter] = {}
    bad: Dict[str, Failure] = {}
    last_t = 0.0
    try:
        with av.open(video) as container:
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or Fraction(30)
            for i, frame in enumerate(container.decode(stream)):
                t = frame.time if frame.time is not None else i / rate
                last_t = float(t)
                rgb = None
                for utt in todo:
                    if utt.start > t:
                        break
                    if t >= utt.end:
                        if utt.name in open_:
                            open_.pop(utt.name).close()
                        continue
                    if utt.name not in open_:
                        try:
                            open_[utt.name] = _ClipWriter(
                                osp.join(clips_root, utt.clip),
                                utt.wav(src_root), rate, frame.width,
                                frame.height)
                        except (ValueError, OSError) as err:
                            bad[utt.name] = (utt.wav(src_root),
                                             f'cannot use the wav: {err}')
                            continue
                    if rgb is None:
                        rgb = frame.to_ndarray(format='rgb24')
                    open_[utt.name].add(rgb)
                todo = [u for u in todo if u.name not in bad
                        and (u.end > t or u.name in open_)]
                if not todo:
                    break
    except (av.error.FFmpegError, OSError, ValueError) as err:
        for writer in open_.values():
            writer.abort()
        return failures + list(bad.values()) + [
            (u.name, f'cannot decode {video}: {err}') for u in pending
            if u.name not in bad
            and not osp.isfile(osp.join(clips_root, u.clip))]
    for name in list(open_):
        # the video ended inside the utterance: keep the frames there are
        open_.pop(name).close()
    for utt in pending:
        if utt.name in bad:
            failures.append(bad[utt.name])
        elif not osp.isfile(osp.join(clips_root, utt.clip)):
            failures.append((utt.name, f'no frame between {utt.start:.2f} '
                             f'and {utt.end:.2f} s (the video ends at '
                             f'{last_t:.2f} s)'))
    return failures


def cut_clips(src_root: str, clips_root: str,
              utterances: Sequence[Utterance],
              progress: bool = True) -> List[Failure]:
    """Cut every utterance's clip, dialogue by dialogue; returns the
    failures (the other clips are written)."""
    by_dialogue: Dict[Tuple[str, str], List[Utterance]] = defaultdict(list)
    for utt in utterances:
        by_dialogue[(utt.session, utt.dialogue)].append(utt)
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(by_dialogue))
    failures: List[Failure] = []
    for (session, dialogue), utts in sorted(by_dialogue.items()):
        video = utts[0].video(src_root)
        failures += cut_dialogue(video, utts, src_root, clips_root)
        if bar is not None:
            bar.update()
    return failures
