"""Crop the face out of every frame of every video, into frame folders.

    python tools/data/crop_faces.py SRC_ROOT OUT_ROOT \
        [--ext .mp4 .flv .avi ...] [--workers N] [--list FILE] \
        [--size 160] [--every 5] [--margin 1.25] [--smooth 5] \
        [--quality 95] [--detector mtcnn|ssd|haar] [--policy track|largest]
        [--align] [--no-face-crop]

Every video under SRC_ROOT (or each path of --list FILE, one per line,
relative to SRC_ROOT or absolute) gives the folder ``OUT_ROOT/<its path
relative to SRC_ROOT without extension>/`` of ``00001.jpg, 00002.jpg, ...``
(one per frame, 1-based, zero-padded so that sorted names are in frame
order), the frame folders the dataset configs read.

Faces are found with the same code as inference (hicmae.face;
--detector: MTCNN by default, OpenCV's SSD, or the dependency-free Haar
cascade): detection on every --every-th frame, one person per video
(--policy track: the clip's main face, followed by overlap, so the other
speaker of a dyadic IEMOCAP session is never taken; largest: each frame's
largest face), a moving median over --smooth detections, the nearest
detection for the frames in between, the box enlarged by --margin and made
square. --align turns each crop so that the eyes are level, at a fixed face
scale (five landmarks fitted to a template), like OpenFace's aligned crops
that the benchmarks were made from. Crops
are resized to --size x --size. The default 160 is the models' input side:
every fine-tuning pipeline resizes the short side to 160 before cropping
(configs/_base_/datasets/av_finetune_pipelines.py), so larger crops only
cost disk; the authors' OpenFace crops (112 or 256 px) went through the
same resize. Pre-training's MultiScaleCrop crops before resizing, so a
pre-training set may be worth --size 224. --no-face-crop only resizes
(short side to --size) frames that are face crops already.

Re-running resumes: a folder holding the ``.done`` marker (written last) is
skipped; any other is redone. Frames go to a hidden temporary folder that
is renamed when complete. A video that fails (no face found, corrupt file)
is printed with the reason and listed in ``OUT_ROOT/failed_faces.txt``;
the others go on. A video shorter than the training minimum (SampleClip's
min_frames, 8 frames) is written with a warning: training skips it as a bad
sample, testing scores it padded with its last frame. The last line counts
done / skipped / failed. Exit status: 0 when no video failed, 3 when some
failed, 4 when every one did, 2 for bad arguments (no folder, no video).
"""
import argparse
import functools
import os
import os.path as osp
import shutil
import sys
from typing import List, Sequence, Tuple

import cv2
import decord
import numpy as np
from batch_jobs import (Outcome, add_common_args, plan, report, run_jobs,
                        short_error, temp_name, videos_to_process)

from hicmae.apis.inputs import quiet_decoder_logs
from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.datasets import BadSampleError
from hicmae.face import ClipFaceCropper

DONE = '.done'
CHUNK = 64  # frames decoded at once: bounds memory on long videos


def training_min_frames() -> int:
    """The fewest frames a training clip may have (``SampleClip``'s
    ``min_frames`` default): shorter videos are bad samples there."""
    import inspect

    from hicmae.datasets.transforms.video_loading import SampleClip
    return inspect.signature(SampleClip).parameters['min_frames'].default


class VideoFrames:
    """A video's RGB frames, decoded on access (a ``Sequence`` for
    :meth:`ClipFaceCropper.locate`, which reads only the frames it
    searches)."""

    def __init__(self, path: str) -> None:
        self.path = path
        if not osp.isfile(path):
            raise BadSampleError(path, 'file not found')
        if osp.getsize(path) == 0:
            raise BadSampleError(path, 'empty file (0 bytes)')
        try:
            self.reader = decord.VideoReader(path, num_threads=1)
        except Exception as err:  # decord raises its own DECORDError
            raise BadSampleError(path, 'cannot decode video '
                                 f'({short_error(err)})') from None
        if len(self.reader) == 0:
            raise BadSampleError(path, 'the video has no frames')

    def __len__(self) -> int:
        return len(self.reader)

    def __getitem__(self, index: int) -> np.ndarray:
        return self.batch([int(index)])[0]

    def batch(self, indices: Sequence[int]) -> List[np.ndarray]:
        try:
            return list(self.reader.get_batch(list(indices)).asnumpy())
        except Exception as err:
            raise BadSampleError(self.path, f'cannot decode frame '
                                 f'{indices[0]} onwards '
                                 f'({short_error(err)})') from None


DETECTORS = dict(mtcnn='MTCNNFaceDetector', ssd='SSDFaceDetector',
                 haar='HaarFaceDetector')


@functools.lru_cache(maxsize=4)
def cropper(size: int, every: int, margin: float, smooth: int,
            detector: str = 'mtcnn', policy: str = 'track',
            align: bool = False) -> ClipFaceCropper:
    """One cropper per process and settings (the networks load once)."""
    cfg = dict(type=DETECTORS[detector])
    if align and detector == 'ssd':
        cfg['landmarks'] = True
    return ClipFaceCropper(cfg, every=every, margin=margin, smooth=smooth,
                           size=size, policy=policy, align=align)


def resize_short_side(img: np.ndarray, size: int) -> np.ndarray:
    h, w = img.shape[:2]
    ratio = size / min(h, w)
    new = (max(1, round(w * ratio)), max(1, round(h * ratio)))
    if new == (w, h):
        return img
    interp = cv2.INTER_AREA if ratio < 1 else cv2.INTER_LINEAR
    return cv2.resize(img, new, interpolation=interp)


def write_frames(video: str, folder: str, opts: dict) -> int:
    """Write ``video``'s (face-cropped) frames into ``folder`` through a
    temporary folder, the ``.done`` marker last; the number of frames."""
    frames = VideoFrames(video)
    n = len(frames)
    if opts['face_crop']:
        crop = cropper(opts['size'], opts['every'], opts['margin'],
                       opts['smooth'], opts['detector'], opts['policy'],
                       opts['align'])
        squares = crop.locate(frames, video)
    tmp = temp_name(folder)
    shutil.rmtree(tmp, ignore_errors=True)  # left by an interrupted run
    os.makedirs(tmp)
    width = max(5, len(str(n)))
    params = [cv2.IMWRITE_JPEG_QUALITY, opts['quality']]
    for start in range(0, n, CHUNK):
        index = range(start, min(n, start + CHUNK))
        imgs = frames.batch(index)
        if opts['face_crop']:
            imgs = crop.crop(imgs, squares[index.start:index.stop]).imgs
        else:
            imgs = [resize_short_side(img, opts['size']) for img in imgs]
        for i, img in zip(index, imgs):
            name = osp.join(tmp, f'{i + 1:0{width}d}.jpg')
            if not cv2.imwrite(name, cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                               params):
                raise OSError(f'cannot write {name}')
    if osp.isdir(folder):
        shutil.rmtree(folder)  # an incomplete folder (no marker)
    os.replace(tmp, folder)
    with open(osp.join(folder, DONE), 'w') as f:
        f.write(f'{n} frames\n')
    return n


def crop_one(task: Tuple[str, str, dict]) -> Outcome:
    """Write one video's frame folder (skipped if already complete)."""
    video, folder, opts = task
    if osp.isfile(osp.join(folder, DONE)):
        return 'skipped', video, ''
    try:
        n = write_frames(video, folder, opts)
    except Exception as err:  # report and go on with the other videos
        reason = getattr(err, 'reason', None) or short_error(err)
        return 'failed', video, reason
    least = training_min_frames()
    if n < least:
        return 'done', video, (f'only {n} frames, fewer than the {least} '
                               'a training clip needs (skipped as a bad '
                               'sample in training, padded in testing)')
    return 'done', video, ''


def _single_threaded_cv2() -> None:
    # with several worker processes, OpenCV's own threads only contend
    cv2.setNumThreads(1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    add_common_args(parser)
    parser.add_argument('--size', type=int, default=160,
                        help='side of the written crops (pixels)')
    parser.add_argument('--every', type=int, default=5,
                        help='detect faces on every K-th frame')
    parser.add_argument('--margin', type=float, default=1.25,
                        help='crop side / detected face side')
    parser.add_argument('--smooth', type=int, default=5,
                        help='moving-median window, in detections')
    parser.add_argument('--quality', type=int, default=95,
                        help='JPEG quality')
    parser.add_argument('--detector', choices=sorted(DETECTORS),
                        default='mtcnn', help='face detector')
    parser.add_argument('--policy', choices=('track', 'largest'),
                        default='track',
                        help='which face when there are several')
    parser.add_argument('--align', action='store_true',
                        help='eyes level, fixed face scale (landmarks)')
    parser.add_argument('--no-face-crop', dest='face_crop',
                        action='store_false',
                        help='the videos are face crops already: only '
                        'resize the short side to --size')
    args = parser.parse_args(argv)
    quiet_decoder_logs()  # failures are reported per video, in one line
    if args.size < 1 or args.every < 1 or args.margin <= 0:
        parser.error('--size and --every must be >= 1, --margin positive')
    if args.align and args.detector == 'haar':
        parser.error('--align needs landmarks: use --detector mtcnn or ssd')
    videos = videos_to_process(args)
    if videos is None:
        return 2  # hicmae.apis.exit_codes.USAGE
    opts = dict(size=args.size, every=args.every, margin=args.margin,
                smooth=args.smooth, quality=args.quality,
                face_crop=args.face_crop, detector=args.detector,
                policy=args.policy, align=args.align)
    pairs, outside = plan(videos, args.src_root, args.out_root)
    tasks = [(video, folder, opts) for video, folder in pairs]
    init = _single_threaded_cv2 if args.workers > 1 else None
    outcomes = outside + run_jobs(crop_one, tasks, args.workers, init)
    return report(outcomes, args.out_root, 'failed_faces.txt', 'faces')


if __name__ == '__main__':
    sys.exit(main())
