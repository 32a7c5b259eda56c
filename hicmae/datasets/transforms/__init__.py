"""Data transforms (registered in hicmae's TRANSFORMS)."""
from .audio_features import KaldiFbank, NormalizeFbank
from .audio_gain import AudioGain
from .audio_loading import CropAudioSpan, LoadAudio, read_track, read_wav
from .face_crop import FaceCrop
from .fallbacks import note_fallback
from .formatting import PackAVInputs
from .rand_augment import VideoRandAugment
from .random_erasing import ClipRandomErasing
from .video_loading import (DecodeFrames, DecordVideoReader, FrameFolderReader,
                            OpenVideo, SampleClip, read_bytes)
from .video_ops import (CenterCrop, FixedCrop, Flip, MultiScaleCrop,
                        RandomResizedCrop, Resize, SpatialViewCrop)

__all__ = [
    'AudioGain', 'ClipRandomErasing', 'FixedCrop', 'VideoRandAugment',
    'note_fallback',
    'KaldiFbank', 'NormalizeFbank',
    'CropAudioSpan', 'LoadAudio', 'read_track', 'read_wav', 'FaceCrop',
    'PackAVInputs',
    'DecodeFrames', 'DecordVideoReader', 'FrameFolderReader', 'OpenVideo',
    'SampleClip', 'read_bytes', 'CenterCrop', 'Flip', 'MultiScaleCrop',
    'RandomResizedCrop', 'Resize', 'SpatialViewCrop'
]
