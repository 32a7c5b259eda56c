"""Optimizer wrappers: mixed precision (fp16 + loss scaling, bf16) and the
optimizer step fused into the backward pass."""
from .backward_step_optim_wrapper import BackwardStepOptimWrapper
from .mixed_precision_optim_wrapper import (MixedPrecisionOptimWrapper,
                                            resolve_dtype)

__all__ = ['BackwardStepOptimWrapper', 'MixedPrecisionOptimWrapper',
           'resolve_dtype']
