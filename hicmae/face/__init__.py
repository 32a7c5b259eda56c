"""Face detection (registered in ``FACE_DETECTORS``) and clip cropping."""
from .cropping import (FACE_TEMPLATE, ClipCrops, ClipFaceCropper, crop_square,
                       fill_nearest, fit_face, largest_face, moving_median,
                       resize_square, track_faces, warp_square)
from .detectors import (FaceBoxes, FaceDetector, HaarFaceDetector,
                        MTCNNFaceDetector, SSDFaceDetector,
                        build_face_detector, default_face_detector,
                        haar_cascade_path)

__all__ = [
    'FACE_TEMPLATE', 'ClipCrops', 'ClipFaceCropper', 'crop_square',
    'fill_nearest', 'fit_face', 'largest_face', 'moving_median',
    'resize_square', 'track_faces', 'warp_square', 'FaceBoxes',
    'FaceDetector', 'HaarFaceDetector', 'MTCNNFaceDetector',
    'SSDFaceDetector',
    'build_face_detector', 'default_face_detector', 'haar_cascade_path'
]
