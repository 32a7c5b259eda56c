"""Hooks."""
from .bad_sample_log_hook import BadSampleLogHook

__all__ = ['BadSampleLogHook']
