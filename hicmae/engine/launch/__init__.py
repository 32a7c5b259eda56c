"""What the launch tools (tools/train.py, tools/test.py) do before the
runner exists: config checks and the CPU form of distributed set-up."""
from .config_checks import ConfigError, check_train_config
from .config_keys import check_config_keys, load_checked_config
from .cpu_distributed import prepare_cpu_distributed
from .model_build_check import check_model_builds

__all__ = ['ConfigError', 'check_train_config', 'check_config_keys',
           'load_checked_config', 'prepare_cpu_distributed',
           'check_model_builds']
