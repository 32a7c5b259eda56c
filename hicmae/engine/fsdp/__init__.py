"""FSDP: the strategy (resume fix), the wrap policy and checkpoint
consolidation."""
from .strategy import HiCMAEFSDPStrategy
from .wrap_policy import transformer_block_wrap_policy

__all__ = ['HiCMAEFSDPStrategy', 'transformer_block_wrap_policy']
