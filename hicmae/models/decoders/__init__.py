"""Decoders of the pre-training model."""
from .hierarchical_decoder import HierarchicalDecoder

__all__ = ['HierarchicalDecoder']
