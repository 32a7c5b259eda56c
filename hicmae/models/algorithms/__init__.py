"""Algorithms: thin wiring of encoders, fusion, decoders and heads."""
from .hicmae import HiCMAE

__all__ = ['HiCMAE']
