"""Evaluation metrics registered in ``hicmae.registry.METRICS``."""
from .av_cls_metric import AVClsMetric
from .av_reg_metric import AVRegMetric

__all__ = ['AVClsMetric', 'AVRegMetric']
