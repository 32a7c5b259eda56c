"""Every key of a merged config is read by something (issue 21)."""
from pathlib import Path

import pytest
from tool_loader import load_tool

from hicmae.engine.launch import ConfigError, load_checked_config
from hicmae.utils import register_all_modules

REPO_ROOT = Path(__file__).resolve().parents[2]
TENSOR = str(REPO_ROOT / 'configs/hicmae/hicmae_tiny_synthetic_tensor.py')
FINETUNE = str(REPO_ROOT / 'configs/hicmae/hicmae_tiny_synthetic_finetune.py')
VOX2 = str(REPO_ROOT / 'configs/hicmae/hicmae_base_vox2.py')


@pytest.fixture(scope='module', autouse=True)
def registered():
    register_all_modules(init_default_scope=False)


def _error(path, **options):
    with pytest.raises(ConfigError) as info:
        load_checked_config(path, options)
    return str(info.value)


@pytest.mark.parametrize('path', sorted(
    str(p) for p in (REPO_ROOT / 'configs/hicmae').glob('*.py')))
def test_every_shipped_config_passes(path):
    load_checked_config(path)


def test_misspelt_top_level_override_stops(tmp_path):
    msg = _error(TENSOR, **{'train_cfgg.max_epochs': 1})
    assert '`train_cfgg`' in msg and 'did you mean `train_cfg`' in msg


def test_misspelt_key_of_a_kwargs_hook_stops():
    # CheckpointHook takes **kwargs and hands them to save_checkpoint at
    # the end of the first epoch
    msg = _error(TENSOR, **{'default_hooks.checkpoint.intervall': 1})
    assert 'default_hooks.checkpoint.intervall' in msg
    assert '`interval`' in msg


def test_misspelt_model_argument_stops():
    msg = _error(FINETUNE, **{'model.head.num_clases': 3})
    assert 'model.head.num_clases' in msg and '`num_classes`' in msg


def test_misspelt_loop_and_loader_keys_stop():
    msg = _error(TENSOR, **{'train_cfg.max_epoch': 1,
                            'train_dataloader.batch_szie': 2})
    assert '`max_epochs`' in msg and '`batch_size`' in msg


def test_helper_variable_override_is_not_read():
    # the file used batch_size_per_gpu when it was read: setting it later
    # would change nothing
    msg = _error(VOX2, batch_size_per_gpu=4)
    assert 'batch_size_per_gpu' in msg


def test_valid_overrides_pass():
    cfg = load_checked_config(TENSOR, {
        'train_cfg.max_epochs': 1, 'default_hooks.checkpoint.interval': 2,
        'model.video_encoder.depth': 2, 'randomness.seed': 3,
        'env_cfg.mp_cfg.mp_start_method': 'spawn'})
    assert cfg.train_cfg.max_epochs == 1


def test_misspelt_section_in_a_file_stops(tmp_path):
    path = tmp_path / 'mine.py'
    path.write_text(f"_base_ = ['{TENSOR}']\n"
                    'my_size = 3\n'
                    'train_cfgg = dict(max_epochs=my_size)\n')
    msg = _error(str(path))
    assert '`train_cfgg`' in msg and 'my_size' not in msg


def test_train_tool_stops_before_building(monkeypatch, capsys):
    train = load_tool('train.py')

    def built(cfg):
        raise AssertionError('the runner was built')

    monkeypatch.setattr(train, 'build_runner', built)
    with pytest.raises(SystemExit) as info:
        train.main([TENSOR, '--cfg-options', 'train_cfgg.max_epochs=1'])
    assert 'did you mean `train_cfg`' in str(info.value)
