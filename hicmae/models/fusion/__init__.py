"""Cross-modal fusion of the two encoders' tokens."""
from .cross_modal_fusion import CrossModalFusionEncoder
from .iterative_correlation_fusion import IterativeCorrelationFusion

__all__ = ['CrossModalFusionEncoder', 'IterativeCorrelationFusion']
