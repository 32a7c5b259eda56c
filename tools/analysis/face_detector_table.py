"""Measure the registered face detectors on clips made from real portraits.

    python tools/analysis/face_detector_table.py [--frames 4]
        [--detectors HaarFaceDetector SSDFaceDetector MTCNNFaceDetector]

Builds every case of the test portraits (``tests/face/portraits.py``: both
portraits) and
prints a Markdown table: per case, the frames where the detector found the
true face (for ``two_faces``: where the largest box found is the larger
face; for ``no_face``: frames with a false face), the mean box-centre
error over the true face width, and the time per frame. The "Face
detectors" table of docs/data_preparation.md is this output.
"""
import argparse
import importlib.util
import os.path as osp
import sys
import time

import numpy as np

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.face import build_face_detector
from hicmae.face.cropping import largest_index


def _load_portraits():
    """The portrait cases live with the tests (``tests/face/portraits.py``
    in the repository), not in the package."""
    path = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(
        __file__)))), 'tests', 'face', 'portraits.py')
    spec = importlib.util.spec_from_file_location('hicmae_test_portraits',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


_portraits = _load_portraits()
ALL_CASES, FACE_BOXES = _portraits.ALL_CASES, _portraits.FACE_BOXES
box_error, make_case, matches = (_portraits.box_error, _portraits.make_case,
                                 _portraits.matches)

DEFAULT = ('HaarFaceDetector', 'SSDFaceDetector', 'MTCNNFaceDetector')


def score_case(detector, clip, case):
    """(frames right, frames, centre errors of the right ones, seconds)."""
    right, errors, seconds = 0, [], 0.
    for frame, truth in zip(clip.frames, clip.faces):
        start = time.perf_counter()
        faces = detector(frame)
        seconds += time.perf_counter() - start
        if case == 'no_face':
            right += len(faces) > 0  # counts false faces
            continue
        if case == 'two_faces':
            index = largest_index(faces)
            if index is not None and matches(faces.boxes[index], truth[0]):
                right += 1
                errors.append(box_error(faces.boxes[index], truth[0]))
            continue
        hits = [box_error(b, truth[0]) for b in faces.boxes
                if matches(b, truth[0])]
        if hits:
            right += 1
            errors.append(min(hits))
    return right, len(clip.frames), errors, seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('--frames', type=int, default=4)
    parser.add_argument('--detectors', nargs='+', default=list(DEFAULT))
    args = parser.parse_args(argv)
    rows = {case: [] for case in ALL_CASES}
    totals = []
    for name in args.detectors:
        detector = build_face_detector(dict(type=name))
        found = frames = 0
        errors, seconds = [], 0.
        for case in ALL_CASES:
            cell = []
            for who in FACE_BOXES:
                clip = make_case(who, case, args.frames)
                r, n, e, s = score_case(detector, clip, case)
                cell.append(r)
                seconds += s
                if case not in ('no_face', ):
                    found, frames = found + r, frames + n
                    errors += e
            rows[case].append(f'{sum(cell)}/{2 * args.frames}')
        err = f'{np.mean(errors):.3f}' if errors else '-'
        ms = 1000 * seconds / (len(ALL_CASES) * len(FACE_BOXES) * args.frames)
        totals.append((f'{found}/{frames}', err, f'{ms:.0f}'))
    print('| case | ' + ' | '.join(args.detectors) + ' |')
    print('| --- ' * (len(args.detectors) + 1) + '|')
    for case in ALL_CASES:
        label = ('no_face (false faces)' if case == 'no_face' else case)
        print(f'| {label} | ' + ' | '.join(rows[case]) + ' |')
    for i, title in enumerate(('faces found (all but no_face)',
                               'mean centre error / face width',
                               'ms per 640x480 frame (CPU)')):
        print(f'| {title} | ' + ' | '.join(t[i] for t in totals) + ' |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
