"""Keep random-number generator states in checkpoints."""
import random

import numpy as np
import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook

from hicmae.registry import HOOKS


def host_byte_tensor(state) -> torch.Tensor:
    """A generator state as ``torch.set_rng_state`` takes it.

    MMEngine loads a resume checkpoint onto the run's device, so on a GPU
    the saved states come back as CUDA tensors; the setters accept only a
    CPU ``ByteTensor``.
    """
    return state.to(device='cpu', dtype=torch.uint8)


def current_rng_state() -> dict:
    """This process's Python, NumPy, torch (and CUDA) generator states."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save Python's, NumPy's and torch's RNG states; restore on resume.

    MMEngine restores the weights, optimizer, schedulers, loss scaler and
    data order, but not the generators, so masks drawn in the main process
    and dropout / drop path would differ after a resume. With these states
    (and ``num_workers=0`` or non-persistent workers, whose seeds derive from
    the epoch) a resumed single-process run continues the very same random
    sequence as an uninterrupted one. In distributed runs the runner
    gathers every rank's states at each save (``runner.rank_rng_states``)
    and each rank restores its own, when the world size is unchanged;
    otherwise each rank keeps its own generator, and says so. States are
    restored from CPU copies, whatever device the checkpoint was loaded
    onto; CUDA states go back to their own devices.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.setdefault('meta', {})
        meta['rng_state'] = current_rng_state()
        per_rank = getattr(runner, 'rank_rng_states', None)
        if per_rank and len(per_rank) == get_world_size() > 1:
            meta['rank_rng_states'] = per_rank

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.get('meta', {})
        state = meta.get('rng_state')
        if get_world_size() > 1:
            per_rank = meta.get('rank_rng_states') or []
            if len(per_rank) != get_world_size():
                runner.logger.info(
                    'RNG states not restored: the checkpoint holds '
                    f'{len(per_rank)} ranks\' states, this run has '
                    f'{get_world_size()} ranks')
                return
            state = per_rank[get_rank()]
        if state is None:
            return
        # RankSeedHook must not reseed over the states restored here
        runner.rng_states_restored = True
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
