"""Write a benchmark's list files from its original folder layout.

    python tools/data/build_lists.py DATASET SRC_ROOT --out DIR \
        [--frames-root F] [--audio-root A] [--data-root D] [--folds K] \
        [--no-check] [--write-sources FILE] \
        [--clips-root C [--cut-clips]]     # IEMOCAP
        [--subdir dev/mp4]                 # VoxCeleb2

DATASET is one of crema_d, ravdess, mafw, dfew, msp_improv, iemocap,
voxceleb2. SRC_ROOT is the dataset as downloaded (file names and label
files give the samples, labels and folds). F and A are the outputs of
``crop_faces.py`` and ``extract_audio.py`` run on SRC_ROOT (on the clips
root for IEMOCAP): a sample's entries are ``F/<rel>/<name>`` and
``A/<rel>/<name>.wav``; without them the source videos themselves are
listed (their own audio track as audio).

Emotion datasets get ``DIR/split{fold:02d}_{train,test[,val]}.csv``, the
names the configs read from ``<data_root>/lists/``, so ``--out`` is usually
``data/<dataset>/lists``; VoxCeleb2 gets ``DIR/pretrain_list.txt``. Paths
inside ``--data-root`` (default: the parent of DIR, or DIR for VoxCeleb2)
are written relative to it, as the configs expect; others stay absolute.

A sample whose frame folder, wav or video is missing is left out and
reported (``--no-check`` lists everything); files that do not fit the
layout are reported and skipped (all of them in
``DIR/build_lists_skipped.txt``); the run fails (exit 2), naming the path,
when a label file is missing or nothing usable is found.
``--write-sources FILE`` instead writes the source videos the lists need,
for the preparation tools' ``--list`` (no ``--out`` needed). IEMOCAP has no
per-utterance videos: ``--cut-clips`` (no ``--out`` needed) first cuts them
from the dialogue videos into ``--clips-root``.
"""
import argparse
import os
import os.path as osp
import sys

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.data_prep.list_builders import (BUILDERS, LayoutError, MediaPaths,
                                            Report, count_table,
                                            keep_available, write_fold_lists)
from hicmae.data_prep.list_builders.common import write_atomic

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

SHOW = 20  # skipped files printed; all go to the skipped file


def config_data_root(builder) -> str:
    from mmengine.config import Config
    return Config.fromfile(osp.join(REPO, builder.config)).data_root


def print_report(report: Report, out_dir: str) -> None:
    for reason, count in sorted(report.ignored.items()):
        print(f'ignored {count} {reason}')
    if not report.skipped:
        return
    path = osp.join(out_dir, 'build_lists_skipped.txt')
    write_atomic(path, [f'{p}\t{r}\n' for p, r in report.skipped])
    print(f'skipped {len(report.skipped)} (all in {path}):',
          file=sys.stderr)
    for p, r in report.skipped[:SHOW]:
        print(f'  {p}: {r}', file=sys.stderr)
    if len(report.skipped) > SHOW:
        print(f'  ... {len(report.skipped) - SHOW} more', file=sys.stderr)


def cut_iemocap(args, builder) -> int:
    from hicmae.data_prep.list_builders.iemocap import read_utterances, usable
    from hicmae.data_prep.list_builders.iemocap_clips import cut_clips
    report = Report()
    utts = usable(read_utterances(args.src_root, report), builder.classes,
                  report)
    failures = cut_clips(args.src_root, args.clips_root, utts)
    for name, reason in failures:
        print(f'\n{name}: {reason}', file=sys.stderr)
    print(f'\n{len(utts) - len(failures)} of {len(utts)} utterance clips in '
          f'{args.clips_root}; next: extract_audio.py / crop_faces.py on it')
    return 1 if utts and len(failures) == len(utts) else 0


def write_sources(path: str, samples) -> None:
    write_atomic(path, [v + '\n' for v in sorted({s.video for s in samples})])
    print(f'{len({s.video for s in samples})} source videos -> {path}')


def build_pretrain(args, builder, paths: MediaPaths) -> int:
    report = Report()
    samples = builder.collect(args.src_root, args.subdir)
    if args.write_sources:
        write_sources(args.write_sources, samples)
        return 0
    lines = builder.lines(samples, paths, report, check=not args.no_check)
    os.makedirs(args.out, exist_ok=True)
    out = write_atomic(osp.join(args.out, builder.list_file), lines)
    print(f'{len(lines)} clips -> {out}')
    print_report(report, args.out)
    return 0


def build_emotion(args, builder, paths: MediaPaths) -> int:
    report = Report()
    folds = builder.build(args.src_root, args.folds, report)
    if args.write_sources:
        write_sources(args.write_sources, [
            s for splits in folds.values() for ss in splits.values()
            for s in ss])
        print_report(report, osp.dirname(osp.abspath(args.write_sources)))
        return 0
    if not args.no_check:
        folds = keep_available(folds, paths, report)
    files = write_fold_lists(folds, args.out, paths)
    print(count_table(folds, builder.classes))
    print(f'{len(files)} lists -> {args.out}')
    for fold, splits in sorted(folds.items()):
        for split, samples in splits.items():
            if not samples:
                print(f'warning: fold {fold} has an empty {split} list',
                      file=sys.stderr)
    print_report(report, args.out)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('dataset', choices=sorted(BUILDERS),
                        help='which benchmark\'s layout to read')
    parser.add_argument('src_root', help='the dataset as downloaded')
    parser.add_argument('--out', help='folder for the list files')
    parser.add_argument('--frames-root', help="crop_faces.py's output")
    parser.add_argument('--audio-root', help="extract_audio.py's output")
    parser.add_argument('--data-root', help='write paths relative to this '
                        '(default: parent of --out; --out for voxceleb2)')
    parser.add_argument('--folds', type=int,
                        help="number of folds (default: the authors')")
    parser.add_argument('--no-check', action='store_true',
                        help='list samples even if their files are missing')
    parser.add_argument('--write-sources', metavar='FILE',
                        help='only write the source videos the lists need')
    parser.add_argument('--clips-root', help='IEMOCAP utterance clips')
    parser.add_argument('--cut-clips', action='store_true',
                        help='IEMOCAP: cut the clips into --clips-root')
    parser.add_argument('--subdir', help='VoxCeleb2: folder of the clips '
                        'below SRC_ROOT (default dev/mp4)')
    args = parser.parse_args(argv)
    builder = BUILDERS[args.dataset]
    pretrain = args.dataset == 'voxceleb2'
    if args.cut_clips and (args.dataset != 'iemocap' or not args.clips_root):
        parser.error('--cut-clips is for iemocap and needs --clips-root')
    if pretrain and args.folds:
        parser.error('voxceleb2 is a pre-training list: no folds')
    if not args.out and not (args.cut_clips or args.write_sources):
        parser.error('give --out, the folder for the list files')
    out = args.out or '.'
    data_root = args.data_root or (
        out if pretrain else osp.dirname(osp.abspath(out)))
    try:
        if args.cut_clips:
            return cut_iemocap(args, builder)
        media_root = (args.src_root if pretrain else
                      builder.media_root(args.src_root, args.clips_root))
        paths = MediaPaths(media_root, args.frames_root, args.audio_root,
                           data_root)
        run = build_pretrain if pretrain else build_emotion
        status = run(args, builder, paths)
    except (LayoutError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if status == 0 and not args.write_sources:
        expected = config_data_root(builder)
        if osp.abspath(expected) != osp.abspath(data_root):
            loaders = ('train',) if pretrain else ('train', 'val', 'test')
            options = ' '.join(f'{k}_dataloader.dataset.data_root={data_root}'
                               for k in loaders)
            print(f'note: {builder.config} reads data_root={expected!r} '
                  f'(from the current folder), these lists are relative to '
                  f'{data_root}: train from the folder that makes them '
                  f'agree, or with --cfg-options {options}')
    return status


if __name__ == '__main__':
    sys.exit(main())
