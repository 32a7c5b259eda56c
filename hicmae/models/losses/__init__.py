"""Loss functions."""
from .infonce import InfoNCELoss, gather_with_grad

__all__ = ['InfoNCELoss', 'gather_with_grad']
