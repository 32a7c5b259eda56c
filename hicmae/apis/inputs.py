"""One's own inputs as the tools get them: folders and globs expanded to
clips, files judged by their content, library messages made readable."""
import glob
import os
import os.path as osp
import sys
from contextlib import contextmanager
from typing import Iterator, List, Optional, Sequence

from hicmae.datasets import BadSampleError
from hicmae.datasets.errors import clean_reason  # noqa: F401 (re-export)

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.flv',
                    '.mpg', '.mpeg', '.wmv', '.3gp', '.ts')
FRAME_EXTENSIONS = ('.jpg', '.jpeg', '.png')
GLOB_CHARS = ('*', '?', '[')
# bytes at the start of image and audio files (the ones people mix up with
# videos); video containers are told by whether decord finds a video stream
IMAGE_MAGIC = (b'\x89PNG', b'\xff\xd8\xff', b'GIF8', b'BM')
AUDIO_MAGIC = (b'ID3', b'fLaC', b'\xff\xfb', b'\xff\xf3', b'\xff\xf2')


class InputError(ValueError):
    """A command-line input that names no clip; one line saying why."""


def _frames_in(folder: str) -> bool:
    return any(name.lower().endswith(FRAME_EXTENSIONS)
               for name in os.listdir(folder))


def _videos_in(folder: str) -> List[str]:
    paths = sorted(osp.join(folder, n) for n in os.listdir(folder)
                   if not n.startswith('.'))
    return [p for p in paths if osp.isfile(p) and (
        p.lower().endswith(VIDEO_EXTENSIONS) or (
            osp.splitext(p)[1] == '' and media_kind(p) == 'video'))]


def expand_inputs(items: Sequence[str]) -> List[str]:
    """Clips named by ``items``: a folder of frames is one clip, a folder of
    videos each of its videos (sorted), a glob pattern that names no
    existing path its matches, anything else itself (a missing file is
    reported per clip). Raises :class:`InputError` for a pattern that
    matches nothing and a folder with neither frames nor videos."""
    clips: List[str] = []
    for item in items:
        if not osp.exists(item) and any(c in item for c in GLOB_CHARS):
            matches = sorted(glob.glob(item))
            if not matches:
                raise InputError(f'{item}: the pattern matches no file')
            clips += expand_inputs(matches)
        elif osp.isdir(item):
            if _frames_in(item):
                clips.append(item)
                continue
            videos = _videos_in(item)
            if not videos:
                raise InputError(f'{item}: a folder with neither frames '
                                 '(.jpg/.png) nor video files')
            clips += videos
        else:
            clips.append(item)
    return clips


def quiet_decoder_logs() -> None:
    """Keep decord's and FFmpeg's own log lines (``moov atom not found``,
    ``ERROR opening: ...`` with decord's build paths) off stderr for the
    rest of the process: the tools report every failure themselves, in one
    line naming the file."""
    import decord
    decord.logging.set_level(decord.logging.QUIET)


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """File descriptor 2 pointed at /dev/null: decord's C++ logger writes
    there whatever its level."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, 'w') as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def media_kind(path: str) -> str:
    """``'video'``, ``'audio'``, ``'image'``, ``'empty'`` or
    ``'unknown'``, by the file's content (not its name)."""
    try:
        with open(path, 'rb') as f:
            head = f.read(16)
    except OSError:
        return 'unknown'
    if not head:
        return 'empty'
    if head.startswith(IMAGE_MAGIC):
        return 'image'
    if head.startswith(b'RIFF') and head[8:12] == b'WAVE' or \
            head.startswith(AUDIO_MAGIC):
        return 'audio'
    import decord
    quiet_decoder_logs()  # a failed probe is an answer, not an error
    with _native_stderr_silenced():
        try:
            decord.VideoReader(path, num_threads=1)
            return 'video'
        except Exception:  # no video stream, or not a media file at all
            pass
        try:
            decord.AudioReader(path)
            return 'audio'
        except Exception:
            return 'unknown'


def media_problem(path: str) -> Optional[BadSampleError]:
    """Why a clip's file cannot be a video, or ``None`` (folders and
    usable videos; a missing file is left to the loader)."""
    if not osp.isfile(path):
        return None
    kind = media_kind(path)
    reasons = dict(
        audio='an audio file: it has no video stream (give a video, or a '
        'frame folder with this file as its --audio)',
        image='a single image, not a video (put the frames of a clip in a '
        'folder)',
        empty='empty file (0 bytes)',
        unknown='not a video file that can be decoded')
    return BadSampleError(path, reasons[kind]) if kind in reasons else None
