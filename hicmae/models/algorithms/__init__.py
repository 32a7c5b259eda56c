"""Algorithms: thin wiring of encoders, fusion, decoders and heads."""
from .av_recognizer import AVRecognizer
from .hicmae import HiCMAE

__all__ = ['AVRecognizer', 'HiCMAE']
