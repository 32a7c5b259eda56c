"""Hooks."""
from .bad_sample_log_hook import BadSampleLogHook
from .rng_state_hook import RNGStateHook

__all__ = ['BadSampleLogHook', 'RNGStateHook']
