"""Two "nodes" of one process each on this machine, launched the way a
cluster does (tools/dist_train.sh with NNODES=2, NODE_RANK, MASTER_ADDR),
each with its own node-local work dir: a killed pre-training resumes on
both nodes to the weights of an uninterrupted run, and a node that cannot
read rank 0's checkpoint stops the run with the reason."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARDS_CFG = 'configs/hicmae/hicmae_tiny_synthetic_shards_pretrain.py'
TENSOR_CFG = 'configs/hicmae/hicmae_tiny_synthetic_tensor.py'
# HiCMAE-Tiny's layout at a quarter of its width: seconds per epoch
SMALL = [f'model.{m}.{k}' for m in ('video_encoder', 'audio_encoder')
         for k in ('depth=2', 'embed_dims=64', 'num_heads=2')] + \
    [f'model.{m}.{k}' for m in ('video_decoder', 'audio_decoder')
     for k in ('depth=3', 'embed_dims=32', 'num_heads=2')] + \
    ['model.contrastive_layers=(0,1)', 'model.skip_layers=(0,1)',
     'model.fusion.num_heads=2',
     'default_hooks.logger.interval=1', 'default_hooks.checkpoint.interval=1']

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _start_nodes(config: str, works: list, options: list, *extra) -> list:
    """One ``dist_train.sh CONFIG 1`` per node, as on two machines."""
    port = str(_free_port())
    procs = []
    for node, work in enumerate(works):
        log = open(Path(work).parent / f'{Path(work).name}.log', 'a')
        procs.append(subprocess.Popen(
            ['bash', 'tools/dist_train.sh', config, '1', '--work-dir',
             str(work), *extra, '--cfg-options', *options],
            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # the node's whole process group
            env=dict(os.environ, NNODES='2', NODE_RANK=str(node),
                     MASTER_ADDR='127.0.0.1', PORT=port,
                     PYTHON=sys.executable, OMP_NUM_THREADS='1',
                     PYTHONWARNINGS='ignore')))
    return procs


def _descendants(pid: int) -> list:
    """Every process below ``pid`` (torchrun starts its workers in
    sessions of their own, out of reach of a process-group kill)."""
    parents = {}
    for entry in os.listdir('/proc'):
        try:
            with open(f'/proc/{entry}/stat') as f:
                stat = f.read()
        except (OSError, ValueError):
            continue
        if entry.isdigit():
            parents.setdefault(int(stat.rsplit(')', 1)[1].split()[1]),
                               []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def _kill(procs: list) -> None:
    """SIGKILL each node's launcher and its workers, as a node failure."""
    for proc in procs:
        for pid in [proc.pid, *_descendants(proc.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()


def _wait(procs: list, works: list, timeout: float = 300) -> list:
    deadline = time.monotonic() + timeout
    try:
        for proc in procs:
            proc.wait(max(1., deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        _kill(procs)
        pytest.fail(f'the nodes did not finish in {timeout} s (a hang):\n'
                    + _logs(works))
    return [p.returncode for p in procs]


def _logs(works: list) -> str:
    return '\n'.join(
        f'--- {w}\n' + (Path(w).parent / f'{Path(w).name}.log').read_text(
            errors='replace')[-3000:] for w in works)


def _weights(path: Path) -> dict:
    from hicmae.utils import checkpoint_safe_globals
    with checkpoint_safe_globals():
        return torch.load(path, map_location='cpu')['state_dict']


@pytest.fixture(scope='module')
def shards(synthetic, tmp_path_factory):
    from hicmae.data_prep.shard_packing import pack_shards
    from hicmae.datasets import AVPretrainDataset
    listed = AVPretrainDataset(ann_file='lists/pretrain_faces.txt',
                               data_root=str(synthetic))
    out = tmp_path_factory.mktemp('shards')
    pack_shards([listed.get_data_info(i) for i in range(len(listed))],
                str(out), clips_per_shard=4)
    return out / 'manifest.json'


def test_killed_two_node_run_resumes_on_both_nodes(shards, tmp_path):
    options = [f'train_dataloader.dataset.manifest={shards}',
               'train_dataloader.batch_size=2',
               'train_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False',
               'train_cfg.max_epochs=2', *SMALL]
    straight = [tmp_path / 'straight0', tmp_path / 'straight1']
    codes = _wait(_start_nodes(SHARDS_CFG, straight, options), straight)
    assert codes == [0, 0], _logs(straight)

    works = [tmp_path / 'node0', tmp_path / 'node1']
    procs = _start_nodes(SHARDS_CFG, works, options)
    deadline = time.monotonic() + 300
    # kill both nodes once every node holds epoch 1 (node 1 in its own dir)
    while not all((w / 'epoch_1.pth').is_file() for w in works):
        assert time.monotonic() < deadline and \
            all(p.poll() is None for p in procs), _logs(works)
        time.sleep(0.1)
    _kill(procs)
    assert not (works[0] / 'epoch_2.pth').exists(), 'killed too late'

    codes = _wait(_start_nodes(SHARDS_CFG, works, options, '--resume'),
                  works)
    assert codes == [0, 0], _logs(works)
    log = _logs(works)
    assert 'resumed epoch: 1' in log
    expected = _weights(straight[0] / 'epoch_2.pth')
    for work in works:
        got = _weights(work / 'epoch_2.pth')
        assert got.keys() == expected.keys()
        different = [k for k in expected if not torch.equal(got[k],
                                                            expected[k])]
        assert not different, (work, different[:5])


def test_node_without_the_checkpoint_stops_the_run(tmp_path):
    options = ['train_dataloader.dataset.num_samples=8',
               'train_dataloader.batch_size=2',
               'train_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False',
               'train_cfg.max_epochs=1', *SMALL]
    works = [tmp_path / 'node0', tmp_path / 'node1']
    assert _wait(_start_nodes(TENSOR_CFG, works, options), works) == [0, 0], \
        _logs(works)
    # node 1 lost its copy (or never had one)
    (works[1] / 'epoch_1.pth').unlink(missing_ok=True)
    codes = _wait(_start_nodes(TENSOR_CFG, works,
                               options[:-len(SMALL) - 1] +
                               ['train_cfg.max_epochs=2', *SMALL],
                               '--resume'), works, timeout=180)
    log = _logs(works)
    assert codes[0] != 0 and codes[1] != 0, log
    assert 'rank 0 resumes from epoch_1.pth, but rank 1' in log, log
    assert 'node-local work dirs' in log
