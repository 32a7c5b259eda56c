"""Heads: reconstruction targets, hierarchical contrastive learning."""
from .contrastive_head import HierarchicalContrastiveHead
from .reconstruction_head import ReconstructionHead, patchify

__all__ = ['HierarchicalContrastiveHead', 'ReconstructionHead', 'patchify']
