"""Data structures passed between pipeline, model and metrics."""
from .av_data_sample import AVDataSample

__all__ = ['AVDataSample']
