"""Datasets and their transforms."""
from .av_base_dataset import AVBaseDataset
from .av_emotion_dataset import AVEmotionDataset
from .av_pretrain_dataset import AVPretrainDataset
from .errors import BadSampleError, NoUsableSampleError, data_error_line
from .samplers import RepeatedClipSampler
from .shards import AVShardDataset
from .synthetic_tensor_dataset import SyntheticTensorDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'AVBaseDataset', 'AVEmotionDataset', 'AVPretrainDataset',
    'AVShardDataset', 'BadSampleError', 'NoUsableSampleError',
    'RepeatedClipSampler', 'data_error_line',
    'SyntheticTensorDataset'
]
