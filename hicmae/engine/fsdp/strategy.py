"""MMEngine's FSDPStrategy with a resume that works."""
from mmengine._strategy import FSDPStrategy
from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

from hicmae.registry import STRATEGIES

# keys an optim wrapper adds to its optimizer's state dict
_WRAPPER_KEYS = ('loss_scaler', 'base_param_settings')


@STRATEGIES.register_module()
class HiCMAEFSDPStrategy(FSDPStrategy):
    """``FSDPStrategy`` whose optimizer state loads on ``--resume``.

    MMEngine 0.10.7 calls ``FSDP.optim_state_dict_to_load(state_dict,
    model, optimizer)``, but torch's signature is ``(model, optim,
    optim_state_dict)``: the state dict lands in the ``model`` argument and
    the load fails with ``TypeError: unhashable type: 'dict'``. This passes
    the arguments in torch's order, and keeps the optim wrapper's own
    entries (the loss scaler's state) out of FSDP's conversion, which only
    knows optimizer state.
    """

    def load_optim_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        extras = {k: state_dict.pop(k) for k in _WRAPPER_KEYS
                  if k in state_dict}
        optim_state = FSDP.optim_state_dict_to_load(
            self.model, self.optim_wrapper.optimizer, state_dict)
        self.optim_wrapper.load_state_dict({**optim_state, **extras})
