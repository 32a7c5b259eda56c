"""Engine extensions: config checks, CPU distributed set-up, AMP wrapper, hooks."""
from .amp_optim_wrapper import AmpOptimWrapper
from .config_checks import ConfigError, check_train_config
from .cpu_distributed import prepare_cpu_distributed
from .fsdp_wrap_policy import transformer_block_wrap_policy
from .hooks import BadSampleLogHook
from .optim_constructors import AVLayerDecayOptimWrapperConstructor

__all__ = [
    'AVLayerDecayOptimWrapperConstructor',
    'AmpOptimWrapper', 'BadSampleLogHook', 'ConfigError', 'check_train_config',
    'prepare_cpu_distributed', 'transformer_block_wrap_policy'
]
