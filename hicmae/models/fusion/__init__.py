"""Cross-modal fusion of the two encoders' tokens."""
from .cross_modal_fusion import CrossModalFusionEncoder

__all__ = ['CrossModalFusionEncoder']
