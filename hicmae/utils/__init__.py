"""Utilities: registration, safe checkpoint loading, official layouts."""
from .cpu_malloc import keep_freed_memory
from .official_checkpoint import (convert_official_state_dict,
                                  is_official_state_dict, official_to_ours)
from .safe_load import (UnsafeCheckpointError, checkpoint_safe_globals,
                        register_safe_globals, safe_torch_load)
from .setup_env import register_all_modules

__all__ = [
    'keep_freed_memory', 'convert_official_state_dict',
    'is_official_state_dict', 'official_to_ours', 'UnsafeCheckpointError',
    'checkpoint_safe_globals',
    'register_safe_globals', 'safe_torch_load', 'register_all_modules'
]
