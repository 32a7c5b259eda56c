"""Which modules FSDP shards as units."""
from torch import nn

from hicmae.models.layers import Block, CrossSelfBlock
from hicmae.registry import FUNCTIONS


@FUNCTIONS.register_module()
def transformer_block_wrap_policy(module: nn.Module, recurse: bool,
                                  nonwrapped_numel: int) -> bool:
    """Shard every transformer block (encoder, fusion, decoder) separately.

    A block is the unit whose parameters are gathered for its forward and
    freed after it, so peak memory holds one block's full weights at a time;
    everything else (embeddings, norms, heads) stays in the root unit.
    """
    if recurse:
        return True
    return isinstance(module, (Block, CrossSelfBlock))
