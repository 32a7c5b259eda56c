"""Heads: reconstruction, hierarchical contrastive learning, HFF."""
from .contrastive_head import HierarchicalContrastiveHead
from .fused_token_head import FusedTokenClsHead
from .hff_head import HFFClsHead, HFFRegHead, concordance
from .reconstruction_head import ReconstructionHead, patchify
from .task import head_is_regression

__all__ = [
    'HierarchicalContrastiveHead', 'FusedTokenClsHead', 'HFFClsHead',
    'HFFRegHead', 'concordance', 'ReconstructionHead', 'patchify',
    'head_is_regression'
]
