"""Pack a pre-training list into webdataset shards for fast loading.

    python tools/data/pack_pretrain_shards.py LIST OUT [--data-root ROOT]
        [--clips-per-shard 256] [--workers 4] [--crop 0:160,32:192]
        [--quality 90] [--sample-rate 16000] [--shuffle-seed 0]

LIST is a pre-training list (one mp4 or frame folder per line, an optional
wav), read as ``AVPretrainDataset`` reads it. OUT gets ``shards/*.tar``,
``manifest.json`` (counts, bytes, SHA-256 per shard) and ``failures.txt``
(``file<TAB>reason`` per clip that could not be packed). Each clip holds all
its frames as JPEG (a frame folder's files verbatim; video frames decoded,
optionally cropped, re-encoded at ``--quality``) and its 16 kHz waveform.
Re-running after an interruption keeps finished shards and rewrites the
rest byte for byte. Point ``AVShardDataset(manifest=OUT/manifest.json)`` at
the result (configs/hicmae/hicmae_base_vox2_shards.py).
"""
import argparse
import os.path as osp
import sys
import time

from hicmae.cli_help import DefaultsHelpFormatter


def parse_crop(text):
    """``'y0:y1,x0:x1'`` -> ``(y0, y1, x0, x1)``."""
    try:
        rows, cols = text.split(',')
        crop = tuple(int(v) for part in (rows, cols)
                     for v in part.split(':'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'--crop wants rows and columns as y0:y1,x0:x1, got {text!r}') \
            from None
    if len(crop) != 4 or crop[0] >= crop[1] or crop[2] >= crop[3] or \
            min(crop) < 0:
        raise argparse.ArgumentTypeError(f'--crop {text!r} is empty')
    return crop


def main(argv=None) -> int:
    from mmengine.logging import print_log
    from mmengine.utils import ProgressBar

    from hicmae.data_prep.shard_packing import pack_shards
    from hicmae.datasets import AVPretrainDataset
    from hicmae.utils import register_all_modules
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('list', help='pre-training list (one clip per '
                        'line)')
    parser.add_argument('out', help='output folder (shards/, '
                        'manifest.json, failures.txt)')
    parser.add_argument('--data-root', default='')
    parser.add_argument('--clips-per-shard', type=int, default=256)
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--crop', type=parse_crop,
                        help='fixed crop y0:y1,x0:x1 applied before JPEG '
                        'encoding (VoxCeleb2 faces: 0:160,32:192)')
    parser.add_argument('--quality', type=int, default=90)
    parser.add_argument('--sample-rate', type=int, default=16000)
    parser.add_argument('--shuffle-seed', type=int, default=0,
                        help='order of the clips across shards; -1 keeps '
                        'the list order')
    args = parser.parse_args(argv)
    if args.clips_per_shard < 1 or args.workers < 1:
        parser.error('--clips-per-shard and --workers must be >= 1')
    register_all_modules()
    listed = AVPretrainDataset(ann_file=args.list, data_root=args.data_root,
                               on_bad_sample='skip')
    infos = [listed.get_data_info(i) for i in range(len(listed))]
    num_shards = -(-len(infos) // args.clips_per_shard)
    bar = ProgressBar(num_shards)
    start = time.perf_counter()
    manifest = pack_shards(
        infos, args.out, clips_per_shard=args.clips_per_shard,
        workers=args.workers, crop=args.crop, quality=args.quality,
        sample_rate=args.sample_rate,
        shuffle_seed=None if args.shuffle_seed < 0 else args.shuffle_seed,
        progress=lambda rec: bar.update(), source=args.list)
    seconds = time.perf_counter() - start
    print_log(f'\n{manifest["num_clips"]} clips in {len(manifest["shards"])}'
              f' shard(s), {manifest["num_failed"]} failed '
              f'({osp.join(args.out, "failures.txt")}); '
              f'{manifest["bytes"] / max(manifest["num_clips"], 1) / 1e6:.2f}'
              f' MB per clip; {seconds:.1f} s', logger='current')
    return 0


if __name__ == '__main__':
    sys.exit(main())
