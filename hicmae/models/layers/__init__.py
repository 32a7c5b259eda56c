"""Building blocks shared by encoders, fusion and decoders."""
from .attention import Attention, explicit_attention
from .blocks import (Block, CrossSelfBlock, LayerScale, Mlp, run_block,
                     stochastic_depth_rates)
from .patch_embed import PatchEmbed2D, PatchEmbed3D
from .pos_embed import interpolate_table, sincos_table

__all__ = [
    'Attention', 'explicit_attention', 'Block', 'CrossSelfBlock', 'LayerScale',
    'Mlp', 'run_block', 'stochastic_depth_rates', 'PatchEmbed2D',
    'PatchEmbed3D', 'interpolate_table', 'sincos_table'
]
