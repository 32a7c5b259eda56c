"""Token-mask generators the pre-training algorithms build from their
``*_masking`` configs (``True`` = hidden; for the decoder masks of dual
masking, ``True`` = not decoded)."""
from .decoder_masks import RunningCellMaskGenerator
from .token_masks import RandomMaskGenerator, TubeMaskGenerator

__all__ = ['RandomMaskGenerator', 'RunningCellMaskGenerator',
           'TubeMaskGenerator']
