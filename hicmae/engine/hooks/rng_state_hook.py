"""Keep random-number generator states in checkpoints."""
import random

import numpy as np
import torch
from mmengine.dist import get_world_size
from mmengine.hooks import Hook

from hicmae.registry import HOOKS


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
    say so.
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
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
