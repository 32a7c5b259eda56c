"""Crop the face out of a clip's decoded frames (for raw videos)."""
from typing import Optional, Union

from mmcv.transforms import BaseTransform

from hicmae.face import ClipFaceCropper, FaceDetector
from hicmae.registry import TRANSFORMS


@TRANSFORMS.register_module()
class FaceCrop(BaseTransform):
    """Replace every frame by a square crop of the clip's largest face.

    Place it right after ``DecodeFrames``: detection runs on the sampled
    frames only. See :class:`hicmae.face.ClipFaceCropper` for the
    steps (detect every ``every``-th frame, median-smooth, fill, enlarge by
    ``margin``, square). A clip with no face in any searched frame raises
    :class:`hicmae.datasets.BadSampleError` naming ``results['filename']``.

    Required keys: ``imgs``. Modified: ``imgs``, ``img_shape``. Added:
    ``face_boxes`` (float32 ``(T, 4)`` crop squares in the decoded frames).
    ``original_shape`` keeps the decoded size.

    Args:
        detector: a ``FACE_DETECTORS`` config or a detector instance;
            default: ``default_face_detector()`` (MTCNN when installed).
        every: detect on every ``every``-th sampled frame.
        margin: crop side / detected face side.
        smooth: moving-median window, in detections.
        size: crop side in pixels; ``None``: the clip's median crop side
            (the pipeline's ``Resize`` follows anyway).
        policy: which face when there are several (``'track'``: the
            clip's main person, followed; ``'largest'``: each frame's).
        align: eyes level, fixed scale, from five landmarks.
    """

    modality = 'video'  # dropped when the model has no video

    def __init__(self, detector: Union[dict, FaceDetector, None] = None,
                 every: int = 1, margin: float = 1.25, smooth: int = 5,
                 size: Optional[int] = None, policy: str = 'track',
                 align: bool = False) -> None:
        self.cropper = ClipFaceCropper(detector, every=every, margin=margin,
                                       smooth=smooth, size=size,
                                       policy=policy, align=align)

    def transform(self, results: dict) -> dict:
        crops = self.cropper(results['imgs'], results.get('filename', '?'))
        results['imgs'] = crops.imgs
        results['img_shape'] = crops.imgs[0].shape[:2]
        results['face_boxes'] = crops.boxes
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.cropper!r})'
