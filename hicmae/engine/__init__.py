"""Engine extensions: runner, hooks, optimizer constructors, mixed-precision
wrapper, FSDP wrap policy, config checks and CPU distributed set-up."""
from .backward_step_optim_wrapper import BackwardStepOptimWrapper
from .config_checks import ConfigError, check_train_config
from .cpu_distributed import prepare_cpu_distributed
from .flexible_runner import HiCMAEFlexibleRunner
from .fsdp_strategy import HiCMAEFSDPStrategy
from .fsdp_wrap_policy import transformer_block_wrap_policy
from .mixed_precision_optim_wrapper import (MixedPrecisionOptimWrapper,
                                            resolve_dtype)
from .hooks import BadSampleLogHook, ReconstructionVisHook, RNGStateHook
from .optim_constructors import AVLayerDecayOptimWrapperConstructor
from .runner import HiCMAERunner

__all__ = [
    'AVLayerDecayOptimWrapperConstructor',
    'BackwardStepOptimWrapper',
    'BadSampleLogHook', 'ConfigError', 'HiCMAEFlexibleRunner',
    'HiCMAEFSDPStrategy',
    'HiCMAERunner', 'MixedPrecisionOptimWrapper',
    'ReconstructionVisHook', 'RNGStateHook',
    'check_train_config', 'prepare_cpu_distributed',
    'resolve_dtype', 'transformer_block_wrap_policy'
]
