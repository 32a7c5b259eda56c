"""A model whose settings do not fit together stops the launch tools with
one line naming the config, before the runner, the log or the data."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

from hicmae.engine.launch import ConfigError, check_model_builds
from hicmae.utils import register_all_modules

REPO_ROOT = Path(__file__).resolve().parents[2]
PRETRAIN = 'configs/hicmae/hicmae_tiny_synthetic_pretrain.py'
# three skip connections need a decoder of four blocks; two do not fit
MISFIT = ['model.skip_layers=(0,1)', 'model.contrastive_layers=(0,1)']


def test_a_fitting_model_passes_without_allocating():
    register_all_modules()
    cfg = Config.fromfile(
        str(REPO_ROOT / 'configs/hicmae/hicmae_base_vox2.py'))
    check_model_builds(cfg, 'base')  # meta device: no 400 MB of weights


def test_a_misfit_names_the_config_and_the_models_own_reason():
    register_all_modules()
    cfg = Config.fromfile(str(REPO_ROOT / PRETRAIN))
    cfg.merge_from_dict(dict(model=dict(skip_layers=(0, 1))))
    with pytest.raises(ConfigError) as err:
        check_model_builds(cfg, 'tiny.py')
    text = str(err.value)
    assert text.startswith('tiny.py: the model cannot be built')
    assert 'skip connections' in text and '\n' not in text


def test_an_unknown_model_type_is_a_config_error():
    register_all_modules()
    cfg = Config(dict(model=dict(type='NoSuchModel')))
    with pytest.raises(ConfigError, match='NoSuchModel'):
        check_model_builds(cfg, 'x.py')


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_the_tools_print_one_line(tool, synthetic, tmp_path):
    args = [sys.executable, f'tools/{tool}.py', PRETRAIN]
    if tool == 'test':
        args += [str(tmp_path / 'none.pth')]
    args += ['--work-dir', str(tmp_path / 'work'), '--cfg-options',
             f'train_dataloader.dataset.data_root={synthetic}', *MISFIT]
    proc = subprocess.run(args, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300,
                          env=dict(os.environ, PYTHONWARNINGS='ignore'))
    assert proc.returncode != 0
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) == 1, lines[-20:]
    assert lines[0].startswith(f'error: {PRETRAIN}: the model cannot be')
    assert 'Traceback' not in proc.stderr
