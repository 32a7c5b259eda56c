"""Evaluation: NumPy metric functions and MMEngine metrics."""
from . import functional
from .functional import (ccc, confusion_matrix, f1_scores, mse, pcc,
                         per_class_recall, uar, war)
from .metrics import AVClsMetric, AVRegMetric

__all__ = [
    'functional', 'war', 'uar', 'f1_scores', 'per_class_recall',
    'confusion_matrix', 'ccc', 'pcc', 'mse', 'AVClsMetric', 'AVRegMetric'
]
