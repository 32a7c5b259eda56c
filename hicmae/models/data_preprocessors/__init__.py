"""Batch preprocessing on the device."""
from .av_data_preprocessor import AVDataPreprocessor
from .av_mixup import AVMixup

__all__ = ['AVDataPreprocessor', 'AVMixup']
