"""Weight initialisation shared by the model components."""
from torch import nn


def init_xavier_(module: nn.Module) -> None:
    """Xavier-uniform Linear weights, zero biases, unit LayerNorms.

    The initialisation of the authors' pre-training model (MAE's recipe).
    """
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
