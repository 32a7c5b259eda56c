"""Keep random-number generator states in checkpoints."""
import random

import numpy as np
import torch
from mmengine.dist import get_world_size
from mmengine.hooks import Hook

from hicmae.registry import HOOKS


def host_byte_tensor(state) -> torch.Tensor:
    """A generator state as ``torch.set_rng_state`` takes it.

    MMEngine loads a resume checkpoint onto the run's device, so on a GPU
    the saved states come back as CUDA tensors; the setters accept only a
    CPU ``ByteTensor``.
    """
    return state.to(device='cpu', dtype=torch.uint8)


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save Python's, NumPy's and torch's RNG states; restore on resume.

    MMEngine restores the weights, optimizer, schedulers, loss scaler and
    data order, but not the generators, so masks drawn in the main process
    and dropout / drop path would differ after a resume. With these states
    (and ``num_workers=0`` or non-persistent workers, whose seeds derive from
    the epoch) a resumed single-process run continues the very same random
    sequence as an uninterrupted one. Distributed runs keep each rank's own
    generator (one rank's state in the checkpoint cannot serve all), and
    say so. States are restored from CPU copies, whatever device the
    checkpoint was loaded onto; CUDA states go back to their own devices.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(python=random.getstate(), numpy=np.random.get_state(),
                     torch=torch.get_rng_state())
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint.setdefault('meta', {})['rng_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('meta', {}).get('rng_state')
        if state is None:
            return
        if get_world_size() > 1:
            runner.logger.info('RNG states not restored: each rank keeps '
                               'its own generator in distributed runs')
            return
        py = state['python']
        random.setstate((py[0], tuple(py[1]), py[2]))
        np_state = state['numpy']
        np.random.set_state((np_state[0], np.asarray(np_state[1]),
                             *np_state[2:]))
        torch.set_rng_state(host_byte_tensor(state['torch']))
        cuda_states = state.get('cuda') or []
        if cuda_states and not torch.cuda.is_available():
            runner.logger.info('CUDA RNG states in the checkpoint not '
                               'restored: no CUDA device in this run')
            return
        count = min(len(cuda_states), torch.cuda.device_count()) \
            if cuda_states else 0
        for device in range(count):
            torch.cuda.set_rng_state(host_byte_tensor(cuda_states[device]),
                                     device)
