"""Token-mask generators the pre-training algorithms build from their
``*_masking`` configs (``True`` = hidden)."""
from .token_masks import RandomMaskGenerator, TubeMaskGenerator

__all__ = ['RandomMaskGenerator', 'TubeMaskGenerator']
