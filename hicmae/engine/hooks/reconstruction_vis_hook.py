"""Pictures of the pre-training model's reconstructions during training."""
from typing import Optional, Sequence

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from hicmae.registry import HOOKS
from hicmae.visualization import draw_reconstruction, reconstruction_panels


def slice_batch(data_batch: dict, num: int) -> dict:
    """The first ``num`` samples of a collated batch, detached copies (so
    a kept batch does not pin the loader's buffers)."""
    def cut(value):
        if isinstance(value, torch.Tensor):
            return value[:num].detach().clone()
        if isinstance(value, dict):
            return {k: cut(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [v.clone() if hasattr(v, 'clone') else v
                    for v in value[:num]]
        return value

    return {key: cut(value) for key, value in data_batch.items()}


@HOOKS.register_module()
class ReconstructionVisHook(Hook):
    """Every ``interval`` training iterations, picture what the model
    reconstructs: input, masked input, reconstruction and target of the
    first ``num_samples`` clips, recorded with the runner's visualizer as
    ``reconstruction_<k>`` at the iteration (``LocalVisBackend``:
    ``<log dir>/vis_data/vis_image/reconstruction_<k>_<iter>.png``).

    The model runs in eval mode without gradients on the main process
    only and goes back to train mode afterwards; it must have a
    ``reconstruct(inputs, data_samples)`` method (:class:`HiCMAE`), else
    the hook says so once and stays idle. Models sharded with FSDP are
    skipped (their forward needs every rank).

    Args:
        interval: iterations between pictures.
        num_samples: clips pictured (at most the batch size).
        fixed_batch: picture the first iteration's clips every time (the
            same clips and masks, so pictures show progress); with
            ``False`` the current batch's. Clips without masks get masks
            drawn once by the model's generators from a private seeded
            generator (the training stream is left alone).
        max_frames: video frames shown per clip.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 500, num_samples: int = 2,
                 fixed_batch: bool = True, max_frames: int = 8) -> None:
        if interval < 1 or num_samples < 1:
            raise ValueError('interval and num_samples must be positive, '
                             f'got {interval} and {num_samples}')
        self.interval = interval
        self.num_samples = num_samples
        self.fixed_batch = fixed_batch
        self.max_frames = max_frames
        self._kept: Optional[dict] = None
        self._disabled = False

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if self._disabled or data_batch is None or not is_main_process():
            return
        due = self.every_n_train_iters(runner, self.interval)
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        if self._kept is None or (due and not self.fixed_batch):
            self._kept = slice_batch(data_batch, self.num_samples)
            if callable(getattr(model, 'attach_masks', None)):
                model.attach_masks(self._kept['data_samples'],
                                   torch.Generator().manual_seed(0))
        if not due:
            return
        if not self._usable(runner, model):
            return
        self.draw(runner, model, self._kept, step=runner.iter + 1)

    def _usable(self, runner, model) -> bool:
        reason = None
        if not callable(getattr(model, 'reconstruct', None)):
            reason = f'{type(model).__name__} has no reconstruct() method'
        elif 'FullyShardedDataParallel' in type(runner.model).__name__:
            reason = 'the model is sharded with FSDP'
        if reason is not None:
            runner.logger.warning(f'ReconstructionVisHook: {reason}; no '
                                  'reconstruction pictures')
            self._disabled = True
        return reason is None

    def draw(self, runner, model, data_batch: dict, step: int) -> None:
        """Run ``model`` on ``data_batch`` and record one picture per clip."""
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                data = model.data_preprocessor(data_batch, training=False)
                outputs = model.reconstruct(data['inputs'],
                                            data['data_samples'])
        finally:
            model.train(was_training)
        panels = {key: reconstruction_panels(outputs[key])
                  for key in ('video', 'audio') if outputs.get(key)}
        count = min(self.num_samples, _batch_size(outputs))
        for k in range(count):
            image = draw_reconstruction(
                panels.get('video'), panels.get('audio'), index=k,
                max_frames=self.max_frames,
                title=f'iteration {step}, clip {k}')
            # add_image reaches every backend (files, TensorBoard, ...)
            runner.visualizer.add_image(f'reconstruction_{k}', image,
                                        step=step)


def _batch_size(outputs: dict) -> int:
    sizes: Sequence[int] = [len(view['mask']) for view in outputs.values()
                            if view]
    return min(sizes) if sizes else 0
