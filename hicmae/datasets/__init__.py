"""Datasets and their transforms."""
from .synthetic_tensor_dataset import SyntheticTensorDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['SyntheticTensorDataset']
