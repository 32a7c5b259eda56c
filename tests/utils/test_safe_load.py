"""Checkpoint loading that never executes code from the file."""
import argparse
import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from torch.distributed._shard.metadata import ShardMetadata
from torch.distributed._shard.sharded_tensor import ShardedTensor

from hicmae.utils import UnsafeCheckpointError, safe_torch_load


class _SystemCall:
    """Unpickles as ``os.system(command)``."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command, ))


class _GetAttr:
    """Unpickles as ``getattr(obj, name)``."""

    def __init__(self, obj, name):
        self.obj, self.name = obj, name

    def __reduce__(self):
        return (getattr, (self.obj, self.name))


def test_loads_history_buffers_and_numpy_arrays(tmp_path):
    buf = HistoryBuffer()
    for value in (1.0, 2.0, 6.0):
        buf.update(value)
    path = tmp_path / 'ckpt.pth'
    torch.save(dict(state_dict={'w': torch.arange(3.)},
                    hub=buf,
                    arrays=[np.arange(4, dtype=np.int64),
                            np.ones((2, 2), dtype=np.float16)],
                    scalar=np.float32(2.5),
                    args=argparse.Namespace(lr=0.1, name='x')), path)
    ckpt = safe_torch_load(str(path))
    assert torch.equal(ckpt['state_dict']['w'], torch.arange(3.))
    loaded = ckpt['hub']
    assert isinstance(loaded, HistoryBuffer)
    assert loaded.mean() == pytest.approx(3.0)
    assert loaded.max() == 6.0 and loaded.current() == 6.0
    np.testing.assert_array_equal(ckpt['arrays'][0], np.arange(4))
    assert ckpt['arrays'][1].dtype == np.float16
    assert float(ckpt['scalar']) == 2.5
    assert ckpt['args'].lr == 0.1 and ckpt['args'].name == 'x'


def test_loads_an_mmengine_message_hub_state(tmp_path):
    hub = MessageHub.get_instance('hicmae_safe_load_test')
    for i in range(3):
        hub.update_scalar('train/loss', float(i))
    hub.update_info('iter', 3)
    path = tmp_path / 'epoch_1.pth'
    torch.save(dict(meta=dict(epoch=1, iter=3),
                    state_dict={'layer.weight': torch.ones(2, 2)},
                    message_hub=hub.state_dict()), path)
    ckpt = safe_torch_load(str(path), map_location='cpu')
    scalars = ckpt['message_hub']['log_scalars']
    assert scalars['train/loss'].mean() == pytest.approx(1.0)
    assert ckpt['message_hub']['runtime_info']['iter'] == 3
    assert ckpt['meta'] == dict(epoch=1, iter=3)


def test_malicious_pickle_is_refused_without_side_effect(tmp_path):
    marker = tmp_path / 'pwned.txt'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': _SystemCall(
        f'echo pwned > {marker}')}, path)
    with pytest.raises(UnsafeCheckpointError) as err:
        safe_torch_load(str(path))
    assert str(path) in str(err.value)
    assert not marker.exists()


def test_unsafe_error_is_a_runtime_error(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save([_SystemCall('true')], path)
    with pytest.raises(RuntimeError):
        safe_torch_load(str(path))


def test_refusal_names_the_refused_type(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save([_SystemCall('true')], path)
    with pytest.raises(UnsafeCheckpointError, match='system'):
        safe_torch_load(str(path))


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / 'nowhere' / 'epoch_9.pth'
    with pytest.raises(FileNotFoundError, match='epoch_9.pth') as err:
        safe_torch_load(str(path))
    assert str(path) in str(err.value)


@pytest.mark.parametrize('name', ['mean', 'min', 'max', 'current'])
def test_restricted_getattr_allows_history_buffer_statistics(tmp_path, name):
    path = tmp_path / 'ok.pth'
    torch.save({'fn': _GetAttr(HistoryBuffer, name)}, path)
    assert safe_torch_load(str(path))['fn'] is getattr(HistoryBuffer, name)


@pytest.mark.parametrize('obj,name', [
    (HistoryBuffer, '__init__'),
    (HistoryBuffer, 'update'),
    (HistoryBuffer, '__class__'),
    (HistoryBuffer, '__reduce_ex__'),
    (argparse.Namespace, '__init__'),
    (np.ndarray, 'tofile'),
    (ShardedTensor, '__setstate__'),
    (ShardedTensor, '_init_from_local_shards'),
    (HistoryBuffer, 'ProcessGroupState'),
])
def test_restricted_getattr_refuses_everything_else(tmp_path, obj, name):
    path = tmp_path / 'bad.pth'
    torch.save({'fn': _GetAttr(obj, name)}, path)
    with pytest.raises(UnsafeCheckpointError):
        safe_torch_load(str(path))


def test_sharded_tensor_state_classes_load(tmp_path):
    """The per-rank files of FSDP's local state dicts name ShardedTensor's
    nested ``ProcessGroupState`` through getattr, and its metadata types."""
    path = tmp_path / 'rank0.pth'
    state = ShardedTensor.ProcessGroupState(0, 0, 2, 2)
    torch.save({'pg': state, 'meta': ShardMetadata([0], [4], 'rank:0/cpu')},
               path)
    loaded = safe_torch_load(str(path))
    assert loaded['pg'] == state
    assert loaded['meta'].shard_sizes == [4]


def test_getattr_cannot_reach_code_through_an_allowed_object(tmp_path):
    """``getattr(HistoryBuffer, '__init__')(...)``-style chains stop early."""
    marker = tmp_path / 'pwned.txt'

    class _Chain:
        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__globals__'))

    path = tmp_path / 'chain.pth'
    torch.save({'g': _Chain(), 'x': _SystemCall(f'touch {marker}')}, path)
    with pytest.raises(UnsafeCheckpointError):
        safe_torch_load(str(path))
    assert not marker.exists()


def test_allow_list_is_scoped_to_our_loads(tmp_path):
    from hicmae.utils import register_all_modules
    register_all_modules()
    names = [g[1] if isinstance(g, tuple) else g
             for g in torch.serialization.get_safe_globals()]
    assert 'builtins.getattr' not in names  # torch's list untouched
    assert HistoryBuffer not in names
    path = tmp_path / 'hub.pth'
    buf = HistoryBuffer()
    buf.update(1.0)
    torch.save(dict(hub=buf), path)
    with pytest.raises(Exception):  # a user's own load: torch's rules
        torch.load(path, weights_only=True)
    assert safe_torch_load(str(path))['hub'].current() == 1.0


def test_candidate_checkpoints_are_checked_without_reading_tensors(
        tmp_path, monkeypatch):
    from hicmae.engine.runners import runner as runner_module
    path = tmp_path / 'epoch_1.pth'
    torch.save(dict(state_dict={'w': torch.ones(3)}), path)
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get('mmap', False))
        return real_load(*args, **kwargs)
    monkeypatch.setattr(torch, 'load', spy)
    assert runner_module._loads(str(path))
    assert calls == [True]
    path.write_bytes(path.read_bytes()[:100])  # killed mid-save
    assert not runner_module._loads(str(path))


def test_a_sharded_checkpoint_folder_says_how_to_consolidate(tmp_path):
    folder = tmp_path / 'epoch_1.pth'
    folder.mkdir()
    (folder / 'rank0.pth').write_bytes(b'')
    with pytest.raises(IsADirectoryError, match='consolidate_fsdp_ckpt'):
        safe_torch_load(str(folder))
