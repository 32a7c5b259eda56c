"""Hooks."""
from .bad_sample_log_hook import BadSampleLogHook
from .data_wait_hook import DataWaitHook
from .deferred_runtime_info_hook import DeferredRuntimeInfoHook
from .iter_clock_hook import IterClockHook
from .rank_seed_hook import RankSeedHook
from .reconstruction_vis_hook import ReconstructionVisHook
from .rng_state_hook import RNGStateHook

__all__ = ['BadSampleLogHook', 'DataWaitHook', 'DeferredRuntimeInfoHook',
           'IterClockHook', 'RankSeedHook',
           'ReconstructionVisHook', 'RNGStateHook']
