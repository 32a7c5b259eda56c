"""FSDP's own mixed precision, written per device like the AMP dtype."""
import copy
from typing import Optional

from ..optim_wrappers.mixed_precision_optim_wrapper import resolve_dtype

_FIELDS = ('param_dtype', 'reduce_dtype', 'buffer_dtype')


def resolve_fsdp_mixed_precision(wrapper: Optional[dict],
                                 device_type: str) -> Optional[dict]:
    """``wrapper`` (an FSDP ``model_wrapper`` config) with each dtype of its
    ``mixed_precision`` resolved for ``device_type``.

    A dtype may be one name for every device or, like
    ``optim_wrapper.dtype``, a dict from device type to name (``dict(
    cuda='float16', cpu='bfloat16')``): one recipe then gathers fp16
    weights on GPUs and bf16 ones in CPU runs, and reduces gradients in
    whatever its ``reduce_dtype`` says. A copy is returned (MMEngine's
    wrapper turns the names into dtypes in place).
    """
    if not wrapper or not wrapper.get('mixed_precision'):
        return wrapper
    wrapper = copy.deepcopy(dict(wrapper))
    precision = dict(wrapper['mixed_precision'])
    for field in _FIELDS:
        value = precision.get(field)
        if value is None:
            continue
        try:
            dtype = resolve_dtype(value, device_type)
        except ValueError as err:
            raise ValueError(
                f'model_wrapper.mixed_precision.{field}: {err}') from None
        precision[field] = str(dtype).replace('torch.', '')  # MMEngine's
    wrapper['mixed_precision'] = precision
    return wrapper
