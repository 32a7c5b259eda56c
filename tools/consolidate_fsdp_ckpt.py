"""Turn an FSDP run's sharded checkpoint (a folder of rank*.pth) into one
checkpoint file that tools/test.py, init_model, fine-tuning
(model.init_cfg.checkpoint) and tools/convert_official_ckpt.py read.

    python tools/consolidate_fsdp_ckpt.py work_dirs/RUN/epoch_100.pth \
        OUT.pth [--config work_dirs/RUN/CONFIG.py]

Runs on the CPU, one process per rank file (no GPU needed).
"""
import argparse
import sys

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.engine.fsdp.consolidate import consolidate_fsdp_checkpoint


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('checkpoint', help='sharded checkpoint folder')
    parser.add_argument('out', help='single checkpoint file to write')
    parser.add_argument('--config', help="the run's config (default: the "
                        'one dumped into the work dir)')
    args = parser.parse_args(argv)
    try:
        out = consolidate_fsdp_checkpoint(args.checkpoint, args.out,
                                          args.config)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'error: {err}')
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
