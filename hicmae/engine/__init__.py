"""Engine extensions: config checks, CPU distributed set-up, AMP wrapper."""
from .amp_optim_wrapper import AmpOptimWrapper
from .config_checks import ConfigError, check_train_config
from .cpu_distributed import prepare_cpu_distributed

__all__ = [
    'AmpOptimWrapper', 'ConfigError', 'check_train_config',
    'prepare_cpu_distributed'
]
