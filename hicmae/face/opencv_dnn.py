"""Files shipped inside installed packages and OpenCV DNN placement, shared by
the face detectors and the landmark network."""
import importlib.util
import os.path as osp

import cv2


def package_file(package: str, name: str) -> str:
    """Path of the data file ``name`` shipped inside the installed
    ``package``, found without importing the package's code."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f'{name} comes with the {package} package, which '
                          f'is not installed (pip install {package})')
    path = osp.join(list(spec.submodule_search_locations)[0], name)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} is missing from the installed '
                                f'{package} package')
    return path


def has_package(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def dnn_on_gpu(net: cv2.dnn.Net) -> bool:
    """Run ``net`` on CUDA when this OpenCV build has it and a GPU is
    there (the PyPI wheels do not: they run on the CPU)."""
    try:
        if cv2.cuda.getCudaEnabledDeviceCount() > 0:
            net.setPreferableBackend(cv2.dnn.DNN_BACKEND_CUDA)
            net.setPreferableTarget(cv2.dnn.DNN_TARGET_CUDA)
            return True
    except cv2.error:
        pass
    return False
