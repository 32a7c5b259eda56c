"""Engine extensions, grouped: runners/, fsdp/, optim_wrappers/,
optim_constructors/, hooks/ and launch/ (what the tools do before a runner
exists)."""
from .fsdp import HiCMAEFSDPStrategy, transformer_block_wrap_policy
from .hooks import BadSampleLogHook, ReconstructionVisHook, RNGStateHook
from .launch import ConfigError, check_train_config, prepare_cpu_distributed
from .optim_constructors import AVLayerDecayOptimWrapperConstructor
from .optim_wrappers import (BackwardStepOptimWrapper,
                             MixedPrecisionOptimWrapper, resolve_dtype)
from .runners import HiCMAEFlexibleRunner, HiCMAERunner

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
