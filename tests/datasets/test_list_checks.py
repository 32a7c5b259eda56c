"""Training lists checked against the head before training (issue 21)."""
from pathlib import Path

import pytest
from av_files import frames, tone, write_frame_folder, write_wav
from mmengine.config import Config
from tool_loader import load_tool

from hicmae.engine import ConfigError, check_train_config
from hicmae.utils import register_all_modules

REPO_ROOT = Path(__file__).resolve().parents[2]
FINETUNE = str(REPO_ROOT / 'configs/hicmae/hicmae_tiny_synthetic_finetune.py')


@pytest.fixture(scope='module', autouse=True)
def registered():
    register_all_modules(init_default_scope=False)


def _root(tmp_path, labels, missing=()):
    """A data root with a frame folder and wav per label (except the
    entries in ``missing``) and train/val lists of them (the start-up
    probe decodes entries: they are real, if tiny)."""
    lines = []
    for i, label in enumerate(labels):
        if i not in missing:
            write_frame_folder(tmp_path / f'clip{i}', frames(8, seed=i))
            write_wav(tmp_path / f'clip{i}.wav', tone(1.0))
        lines.append(f'clip{i} clip{i}.wav {label}')
    (tmp_path / 'lists').mkdir()
    for name in ('train.txt', 'val.txt'):
        (tmp_path / 'lists' / name).write_text('\n'.join(lines) + '\n')
    return tmp_path


def _cfg(root, **extra):
    cfg = Config.fromfile(FINETUNE)
    options = {'model.init_cfg': None}
    for split in ('train', 'val'):
        options[f'{split}_dataloader.dataset.data_root'] = str(root)
        options[f'{split}_dataloader.dataset.ann_file'] = \
            f'lists/{split}.txt'
    options.update(extra)
    cfg.merge_from_dict(options)
    return cfg


def test_label_outside_the_head_stops_with_file_line_and_counts(tmp_path):
    root = _root(tmp_path, [0, 1, 2, 3, 4, 5, 6, 7])
    with pytest.raises(ConfigError) as info:
        check_train_config(_cfg(root))
    msg = str(info.value)
    assert 'train.txt:7' in msg and 'label 6' in msg
    assert 'the list has 8 classes' in msg
    assert 'num_classes is 6' in msg


def test_list_with_fewer_classes_than_the_head_stops(tmp_path):
    root = _root(tmp_path, [0, 1, 2, 3])
    with pytest.raises(ConfigError) as info:
        check_train_config(_cfg(root))
    msg = str(info.value)
    assert 'train.txt' in msg and 'the list has 4 classes' in msg
    assert 'num_classes is 6' in msg


def test_matching_list_passes(tmp_path):
    root = _root(tmp_path, [0, 1, 2, 3, 4, 5])
    assert check_train_config(_cfg(root)) is None


def test_list_with_every_entry_bad_is_one_line(tmp_path):
    root = _root(tmp_path, [0, 1, 2, 3, 4, 5], missing=range(6))
    with pytest.raises(ConfigError) as info:
        check_train_config(_cfg(root))
    msg = str(info.value)
    assert '\n' not in msg
    assert 'train.txt' in msg and 'all 6 entries checked are bad' in msg
    assert 'line 1: video' in msg and 'clip0 not found' in msg


def test_train_tool_stops_at_start(tmp_path, monkeypatch):
    root = _root(tmp_path, [0, 1, 2, 3, 4, 5, 6, 7])
    train = load_tool('train.py')

    def built(cfg):
        raise AssertionError('the runner was built')

    monkeypatch.setattr(train, 'build_runner', built)
    options = ['model.init_cfg=None']
    for split in ('train', 'val'):
        options += [f'{split}_dataloader.dataset.data_root={root}',
                    f'{split}_dataloader.dataset.ann_file=lists/{split}.txt']
    with pytest.raises(SystemExit) as info:
        train.main([FINETUNE, '--work-dir', str(tmp_path / 'w'),
                    '--cfg-options', *options])
    assert 'train.txt:7' in str(info.value)
