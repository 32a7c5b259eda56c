"""Engine extensions: runner, hooks, optimizer constructors, AMP wrapper,
FSDP wrap policy, config checks and CPU distributed set-up."""
from .amp_optim_wrapper import AmpOptimWrapper
from .backward_step_optim_wrapper import BackwardStepOptimWrapper
from .config_checks import ConfigError, check_train_config
from .cpu_distributed import prepare_cpu_distributed
from .flexible_runner import HiCMAEFlexibleRunner
from .fsdp_wrap_policy import transformer_block_wrap_policy
from .hooks import BadSampleLogHook, ReconstructionVisHook, RNGStateHook
from .optim_constructors import AVLayerDecayOptimWrapperConstructor
from .runner import HiCMAERunner

__all__ = [
    'AmpOptimWrapper', 'AVLayerDecayOptimWrapperConstructor',
    'BackwardStepOptimWrapper',
    'BadSampleLogHook', 'ConfigError', 'HiCMAEFlexibleRunner',
    'HiCMAERunner',
    'ReconstructionVisHook', 'RNGStateHook',
    'check_train_config', 'prepare_cpu_distributed',
    'transformer_block_wrap_policy'
]
