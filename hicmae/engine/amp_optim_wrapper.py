"""Mixed precision that also runs on the CPU."""
import warnings
from typing import Union

import torch
from mmengine.optim import AmpOptimWrapper as MMEngineAmpOptimWrapper
from mmengine.optim import OptimWrapper

from hicmae.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AmpOptimWrapper(MMEngineAmpOptimWrapper):
    """MMEngine's ``AmpOptimWrapper``, extended to CPU-only machines.

    With an accelerator it is MMEngine's wrapper unchanged (fp16 with
    dynamic loss scaling, or bf16). Without one, MMEngine refuses to build;
    this wrapper autocasts to bfloat16 instead (CPU autocast has no fp16
    path in MMEngine, and bf16 needs no loss scaling), so AMP configs and
    ``--amp`` run on a laptop and in CI. A requested fp16 becomes bf16 with
    a warning.
    """

    def __init__(self, loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Union[str, torch.dtype, None] = None,
                 use_fsdp: bool = False, **kwargs) -> None:
        if torch.cuda.is_available():
            super().__init__(loss_scale=loss_scale, dtype=dtype,
                             use_fsdp=use_fsdp, **kwargs)
            return
        if dtype not in (None, 'bfloat16', torch.bfloat16):
            warnings.warn(f'AMP dtype {dtype} is not available on the CPU; '
                          'using bfloat16')
        OptimWrapper.__init__(self, **kwargs)
        self._scale_update_param = None
        # bf16 keeps fp32's exponent range: no loss scaling, a pass-through
        self.loss_scaler = torch.amp.GradScaler('cpu', enabled=False)
        self.cast_dtype = torch.bfloat16
