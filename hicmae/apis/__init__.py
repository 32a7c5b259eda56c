"""User-facing Python API."""
from .feature_extraction import extract_dataset_features
from .inference import (extract_features, inference_recognizer, init_model,
                        top_k)

__all__ = [
    'extract_dataset_features', 'extract_features', 'inference_recognizer',
    'init_model', 'top_k'
]
