"""Optimizer wrapper constructors."""
from .layer_decay_optim_wrapper_constructor import \
    AVLayerDecayOptimWrapperConstructor

__all__ = ['AVLayerDecayOptimWrapperConstructor']
