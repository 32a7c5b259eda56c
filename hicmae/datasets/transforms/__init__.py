"""Data transforms (registered in hicmae's TRANSFORMS)."""
from .audio_features import (KaldiFbank, NormalizeFbank, RollMagAugment,
                             SpecAugment)
from .audio_loading import CropAudioSpan, LoadAudio, read_track, read_wav
from .face_crop import FaceCrop
from .formatting import PackAVInputs
from .masking import (GenerateRandomMask, GenerateTubeMask, random_mask,
                      tube_mask)
from .video_loading import (DecodeFrames, DecordVideoReader,
                            FrameFolderReader, OpenVideo, SampleClip,
                            read_bytes)
from .video_ops import (CenterCrop, Flip, MultiScaleCrop, RandomResizedCrop,
                        Resize, SpatialViewCrop)

__all__ = [
    'KaldiFbank', 'NormalizeFbank', 'RollMagAugment', 'SpecAugment',
    'CropAudioSpan', 'LoadAudio', 'read_track', 'read_wav', 'FaceCrop',
    'PackAVInputs',
    'GenerateRandomMask', 'GenerateTubeMask', 'random_mask', 'tube_mask',
    'DecodeFrames', 'DecordVideoReader', 'FrameFolderReader', 'OpenVideo',
    'SampleClip', 'read_bytes', 'CenterCrop', 'Flip', 'MultiScaleCrop',
    'RandomResizedCrop', 'Resize', 'SpatialViewCrop'
]
