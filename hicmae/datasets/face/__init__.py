"""Face detection (registered in ``FACE_DETECTORS``) and clip cropping."""
from .cropping import (ClipCrops, ClipFaceCropper, crop_square, fill_nearest,
                       largest_face, moving_median, resize_square)
from .detectors import (FaceBoxes, FaceDetector, HaarFaceDetector,
                        build_face_detector, haar_cascade_path)

__all__ = [
    'ClipCrops', 'ClipFaceCropper', 'crop_square', 'fill_nearest',
    'largest_face', 'moving_median', 'resize_square', 'FaceBoxes',
    'FaceDetector', 'HaarFaceDetector', 'build_face_detector',
    'haar_cascade_path'
]
