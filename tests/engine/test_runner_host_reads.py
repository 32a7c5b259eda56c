"""Whole runner iterations, hooks included, read nothing back from the
device except on the logger's iterations (issue 19, item 8)."""
import torch
from tiny_finetune import tiny_finetune_runner_cfg

from hicmae.registry import RUNNERS
from hicmae.utils.host_reads import HostReads

INTERVAL = 3


def _runner(tmp_path):
    cfg = tiny_finetune_runner_cfg(
        str(tmp_path), num_samples=16,
        optim_wrapper=dict(type='MixedPrecisionOptimWrapper',
                           dtype='float32',
                           optimizer=dict(type='AdamW', lr=1e-4,
                                          fused=True)),
        default_hooks=dict(logger=dict(interval=INTERVAL)))
    torch.manual_seed(0)
    return RUNNERS.build(cfg)


def test_steady_state_iterations_read_nothing_back(tmp_path):
    runner = _runner(tmp_path)
    loop = runner.train_loop
    reads = {}
    run_iter = loop.run_iter

    def counted(idx, data_batch):
        with HostReads() as mode:
            run_iter(idx, data_batch)
        reads[idx] = mode.reads

    loop.run_iter = counted
    runner.train()
    assert len(reads) == 8
    logging = {i for i in reads if (i + 1) % INTERVAL == 0 or i == 7}
    quiet = {i: r for i, r in reads.items() if i not in logging}
    assert quiet and not any(quiet.values()), quiet
    # the logged values still reach the message hub, every step's
    hub = runner.message_hub.get_scalar('train/loss')
    assert len(hub.data[0]) == 8
