"""Data transforms (registered in hicmae's TRANSFORMS)."""
from .formatting import PackAVInputs
from .masking import (GenerateRandomMask, GenerateTubeMask, random_mask,
                      tube_mask)

__all__ = [
    'PackAVInputs', 'GenerateRandomMask', 'GenerateTubeMask', 'random_mask',
    'tube_mask'
]
