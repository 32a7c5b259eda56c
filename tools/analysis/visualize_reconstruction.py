"""Picture what a pre-trained HiCMAE reconstructs from a few clips.

    python tools/analysis/visualize_reconstruction.py CONFIG CHECKPOINT
        [--num-samples 2] [--out DIR] [--split train|val] [--seed 0]
        [--max-frames 8] [--device cuda|cpu] [--cfg-options k=v ...]

Runs the first clips of the config's train (or val) set through its
pipeline and the pre-training model of CHECKPOINT (which draws the masks,
seeded by --seed), and writes one PNG per clip to DIR (default:
work_dirs/<config name>/reconstruction): rows input, masked input,
reconstruction and target, for a few video frames and the log-mel
filterbank. A clip that cannot be loaded is reported and the next one is
taken.
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
import torch
from mmengine.config import DictAction
from mmengine.dataset import default_collate

from hicmae.apis import init_model
from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.datasets import BadSampleError
from hicmae.registry import DATASETS
from hicmae.visualization import AVVisualizer, save_image


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('config', help='pre-training config')
    parser.add_argument('checkpoint', help='pre-training checkpoint')
    parser.add_argument('--num-samples', type=int, default=2)
    parser.add_argument('--out', help='output folder (default: '
                        'work_dirs/<config name>/reconstruction)')
    parser.add_argument('--split', choices=['train', 'val'], default='train')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the masks and random crops')
    parser.add_argument('--max-frames', type=int, default=8,
                        help='video frames shown per clip')
    parser.add_argument('--device', default=None,
                        help='default: cuda when available, else cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.num_samples < 1:
        parser.error('--num-samples must be positive')
    if args.device is None:
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    return args


def take_samples(dataset, num: int) -> list:
    """The first ``num`` loadable items; the others are reported."""
    items = []
    for idx in range(len(dataset)):
        if len(items) == num:
            break
        try:
            items.append(dataset[idx])
        except BadSampleError as err:
            print(f'sample {idx}: skipped: {err.reason} ({err.path})',
                  file=sys.stderr)
    return items


def main(argv=None) -> int:
    args = parse_args(argv)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    try:
        model = init_model(args.config, args.checkpoint, args.device,
                           args.cfg_options)
    except (FileNotFoundError, ValueError, KeyError) as err:
        sys.exit(f'error: {err}')
    except RuntimeError as err:  # e.g. weights of other shapes
        sys.exit(f'error: {args.checkpoint} does not fit {args.config}: '
                 f'{str(err).splitlines()[0]}')
    if not callable(getattr(model, 'reconstruct', None)):
        sys.exit(f'error: {args.config} builds {type(model).__name__}, not '
                 'a pre-training model with reconstruct() (use a '
                 'pre-training config)')
    loader = model.cfg.get(f'{args.split}_dataloader')
    if not loader:
        sys.exit(f'error: {args.config} has no {args.split}_dataloader')
    try:
        dataset = DATASETS.build(loader['dataset'])
    except (FileNotFoundError, ValueError, BadSampleError) as err:
        sys.exit(f'error: cannot build the {args.split} set of '
                 f'{args.config}: {err}')
    items = take_samples(dataset, args.num_samples)
    if not items:
        sys.exit(f'error: no usable sample in the {args.split} set')

    batch = default_collate(items)
    with torch.no_grad():
        data = model.data_preprocessor(batch, training=False)
        outputs = model.reconstruct(data['inputs'], data['data_samples'])
    out_dir = args.out or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0],
        'reconstruction')
    visualizer = AVVisualizer(name=f'reconstruction-{os.getpid()}')
    for k, sample in enumerate(data['data_samples']):
        source = sample.metainfo.get('filename')
        title = osp.basename(str(source)) if source else f'clip {k}'
        image = visualizer.draw_reconstruction(
            outputs, index=k, max_frames=args.max_frames, title=title)
        path = osp.join(out_dir, f'reconstruction_{k}.png')
        try:
            print(f'wrote {save_image(image, path)}')
        except OSError as err:
            sys.exit(f'error: {err}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
