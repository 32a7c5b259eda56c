"""Modality encoders (return final tokens and chosen intermediate layers)."""
from .audio_encoder import AudioEncoder
from .local_global_encoder import LGAudioEncoder, LGVideoEncoder
from .video_encoder import VideoEncoder
from .vit_encoder import ViTEncoder, keep_visible

__all__ = [
    'AudioEncoder', 'LGAudioEncoder', 'LGVideoEncoder', 'VideoEncoder',
    'ViTEncoder', 'keep_visible'
]
