"""Token-mask generators (``True`` = hidden / not decoded)."""
from .decoder_masks import RunningCellMaskGenerator

__all__ = ['RunningCellMaskGenerator']
