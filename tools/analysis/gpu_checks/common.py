"""What every check step shares: the repository root, the recipes the
steps run, and the tools' scripts as modules."""
import importlib.util
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

TINY_CFG = 'configs/hicmae/hicmae_tiny_synthetic_tensor.py'
BASE_CFG = 'configs/hicmae/hicmae_base_vox2.py'
FINETUNE_CFG = 'configs/hicmae/hicmae_tiny_synthetic_finetune.py'
FSDP_TINY_CFG = 'configs/hicmae/hicmae_tiny_synthetic_tensor_fsdp.py'


def _tool(path: str):
    """A tool script as a module, to call its ``main(argv)`` in-process."""
    name = 'gpu_check_' + osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
