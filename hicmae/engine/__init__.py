"""Engine extensions: config checks, CPU distributed set-up, AMP wrapper, hooks."""
from .amp_optim_wrapper import AmpOptimWrapper
from .config_checks import ConfigError, check_train_config
from .cpu_distributed import prepare_cpu_distributed
from .runner import HiCMAERunner
from .fsdp_wrap_policy import transformer_block_wrap_policy
from .hooks import BadSampleLogHook, RNGStateHook
from .optim_constructors import AVLayerDecayOptimWrapperConstructor

__all__ = [
    'AVLayerDecayOptimWrapperConstructor',
    'AmpOptimWrapper', 'BadSampleLogHook', 'RNGStateHook', 'ConfigError', 'HiCMAERunner', 'check_train_config',
    'prepare_cpu_distributed', 'transformer_block_wrap_policy'
]
