"""User-facing Python API."""
from .inference import extract_features, inference_recognizer, init_model, top_k

__all__ = ['extract_features', 'inference_recognizer', 'init_model', 'top_k']
