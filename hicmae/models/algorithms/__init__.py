"""Algorithms: thin wiring of encoders, fusion, decoders and heads."""
from .av_recognizer import AVRecognizer
from .avf_recognizer import AVFRecognizer
from .dual_masked_hicmae import DualMaskedHiCMAE
from .hicmae import HiCMAE

__all__ = ['AVRecognizer', 'AVFRecognizer', 'DualMaskedHiCMAE', 'HiCMAE']
