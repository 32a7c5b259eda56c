"""Lists whose files exist but do not decode (issue 21): the start-up
probe, and the dataset's own error once refetching is exhausted, name the
list, how many entries were tried and the first reasons."""
import pytest
from corrupt_lists import (CORRUPT_KINDS, corrupt_root, write_corrupt,
                           write_good, write_list)
from mmengine.config import Config
from mmengine.registry import DefaultScope
from tool_loader import REPO_ROOT
from torch.utils.data import DataLoader

from hicmae.datasets import BadSampleError, NoUsableSampleError
from hicmae.datasets.errors import data_error_line
from hicmae.datasets.list_checks import ListFileError
from hicmae.datasets.list_probe import probe_indices, probe_list_file
from hicmae.registry import DATASETS
from hicmae.utils import register_all_modules

FINETUNE = str(REPO_ROOT / 'configs/hicmae/hicmae_tiny_synthetic_finetune.py')


@pytest.fixture(scope='module', autouse=True)
def registered():
    register_all_modules(init_default_scope=False)


def _dataset_cfg(root, ann_file='lists/all_bad.txt', **extra):
    cfg = Config.fromfile(FINETUNE).train_dataloader.dataset.to_dict()
    cfg.update(data_root=str(root), ann_file=ann_file, **extra)
    return cfg


def _build(cfg):
    with DefaultScope.overwrite_default_scope('hicmae'):
        return DATASETS.build(cfg)


def test_probe_names_list_count_and_reasons(tmp_path):
    root = corrupt_root(tmp_path, count=4)
    with pytest.raises(ListFileError) as info:
        probe_list_file(_dataset_cfg(root))
    msg = str(info.value)
    assert '\n' not in msg
    assert msg.startswith(f'{root}/lists/all_bad.txt: ')
    assert 'none of the 4 entries tried (of 4) loads' in msg
    # the first three reasons, each with its file
    assert f'{root}/bad0.mp4: cannot decode video' in msg
    assert f'{root}/bad1/img_00001.jpg: cannot decode image' in msg
    assert f'{root}/bad2.wav: ' in msg
    assert 'bad3' not in msg


@pytest.mark.parametrize('kind', CORRUPT_KINDS)
def test_each_corrupt_kind_is_a_bad_entry(tmp_path, kind):
    write_list(tmp_path / 'l.txt', [write_corrupt(tmp_path, kind, 'c')])
    with pytest.raises(ListFileError, match='none of the 1 entries tried'):
        probe_list_file(_dataset_cfg(tmp_path, 'l.txt'))


def test_probe_passes_a_list_with_one_good_entry(tmp_path):
    entries = [write_corrupt(tmp_path, kind, f'bad{i}')
               for i, kind in enumerate(CORRUPT_KINDS)]
    entries.append(write_good(tmp_path, 'good'))
    write_list(tmp_path / 'l.txt', entries)
    assert probe_list_file(_dataset_cfg(tmp_path, 'l.txt')) is None


def test_probe_spreads_its_entries_over_the_list():
    assert probe_indices(3, 32) == [0, 1, 2]
    picked = probe_indices(1000, 5)
    assert picked[0] == 0 and picked[-1] == 999 and len(picked) == 5
    assert picked == sorted(set(picked))


def test_exhausted_refetch_names_list_draws_and_reasons(tmp_path):
    root = corrupt_root(tmp_path, count=3)
    dataset = _build(_dataset_cfg(root, on_bad_sample='skip'))
    with pytest.raises(NoUsableSampleError) as info:
        dataset[0]
    msg = str(info.value)
    assert '\n' not in msg
    assert msg.startswith(f'{root}/lists/all_bad.txt: no usable sample in ')
    # it stops once every entry has failed, well before max_refetch
    assert '(3 distinct entries of 3 failed)' in msg
    draws = int(msg.split('no usable sample in ')[1].split()[0])
    assert 3 <= draws <= dataset.max_refetch + 1
    assert f'{root}/bad0.mp4: cannot decode video' in msg


def test_worker_errors_come_back_as_one_line(tmp_path):
    root = corrupt_root(tmp_path, count=2)
    skip = _build(_dataset_cfg(root, on_bad_sample='skip'))
    loader = DataLoader(skip, batch_size=1, num_workers=1,
                        collate_fn=lambda batch: batch)
    with pytest.raises(NoUsableSampleError) as info:
        next(iter(loader))
    assert 'DataLoader worker' in str(info.value)  # the wrapped traceback
    line = data_error_line(info.value)
    assert line.startswith(f'{root}/lists/all_bad.txt: no usable sample')
    assert '\n' not in line and 'Traceback' not in line
    # raise mode: the sample's own error (torch re-wraps it in a
    # RuntimeError: BadSampleError takes two arguments)
    strict = _build(_dataset_cfg(root, on_bad_sample='raise'))
    loader = DataLoader(strict, batch_size=1, num_workers=1,
                        collate_fn=lambda batch: batch)
    with pytest.raises(RuntimeError) as info:
        next(iter(loader))
    line = data_error_line(info.value)
    assert line.startswith(f'{root}/bad0.mp4: cannot decode video')
    assert data_error_line(BadSampleError('a.mp4', 'why')) == 'a.mp4: why'
    assert data_error_line(ValueError('other')) is None
    assert data_error_line(RuntimeError('Caught X in DataLoader worker '
                                        'process 0.\nValueError: x')) is None


def test_undecodable_jpg_is_a_bad_sample_not_a_cv2_error(tmp_path):
    # mmcv's cv2 backend raised cv2.error (colour conversion of an empty
    # image), which skip mode does not catch: training stopped on it
    from hicmae.datasets.transforms.video_loading import FrameFolderReader
    write_corrupt(tmp_path, 'unreadable jpgs', 'clip')
    reader = FrameFolderReader(str(tmp_path / 'clip'))
    with pytest.raises(BadSampleError) as info:
        reader.get_batch([0])
    assert info.value.path == str(tmp_path / 'clip' / 'img_00001.jpg')
    assert info.value.reason == 'cannot decode image'


def test_probe_leaves_malformed_lines_to_the_training_dataset(tmp_path,
                                                              capfd):
    # the dataset built for training warns about each once; the probe
    # reading the same list must not add a second warning per line
    entries = [write_corrupt(tmp_path, 'garbage mp4', 'bad'),
               write_good(tmp_path, 'good')]
    path = write_list(tmp_path / 'l.txt', entries)
    path.write_text(path.read_text() + 'only_one_field\n')
    assert probe_list_file(_dataset_cfg(tmp_path, 'l.txt')) is None
    out = capfd.readouterr()
    assert 'skipping bad sample' not in out.out + out.err
