"""hicmae: HiCMAE audio-visual pre-training and emotion recognition."""
__version__ = '0.1.0'
