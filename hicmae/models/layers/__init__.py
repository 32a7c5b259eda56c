"""Building blocks shared by encoders, fusion and decoders."""
from .attention import Attention, explicit_attention
from .blocks import (Block, CrossSelfBlock, LayerScale, Mlp,
                     stochastic_depth_rates)
from .checkpointing import CheckpointMode, check_cp_mode, run_block
from .patch_embed import PatchEmbed2D, PatchEmbed3D
from .pos_embed import sincos_table

__all__ = [
    'Attention', 'explicit_attention', 'Block', 'CrossSelfBlock', 'LayerScale',
    'Mlp', 'CheckpointMode', 'check_cp_mode', 'run_block',
    'stochastic_depth_rates', 'PatchEmbed2D', 'PatchEmbed3D',
    'sincos_table'
]
