"""A tiny fine-tuning model and runner config (HiCMAE's recognizer on
generated tensors), shared by the engine tests that run whole runner
iterations or single training steps."""
from typing import Optional

from mmengine.config import Config


def tiny_recognizer_cfg(size: int = 32, frames: int = 2, dims: int = 16,
                        depth: int = 1, num_classes: int = 4,
                        mixup: bool = True,
                        drop_path_rate: float = 0.) -> dict:
    """AVRecognizer with ``size``-px video of ``frames`` frames and a
    ``size`` x ``size`` spectrogram, both encoders ``depth`` blocks of
    ``dims`` channels; AVMixup in its preprocessor when ``mixup``."""
    model = dict(
        type='AVRecognizer',
        video_encoder=dict(type='VideoEncoder', img_size=size,
                           num_frames=frames, embed_dims=dims, depth=depth,
                           num_heads=2),
        audio_encoder=dict(type='AudioEncoder', input_size=(size, size),
                           embed_dims=dims, depth=depth, num_heads=2),
        fusion=dict(type='CrossModalFusionEncoder', depth=1, num_heads=2),
        head=dict(type='HFFClsHead', num_classes=num_classes))
    if mixup:
        model['data_preprocessor'] = dict(
            type='AVDataPreprocessor',
            batch_augments=dict(type='AVMixup', num_classes=num_classes))
    if drop_path_rate:
        for key in ('video_encoder', 'audio_encoder'):
            model[key]['drop_path_rate'] = drop_path_rate
    return model


def tiny_finetune_runner_cfg(work_dir: str, num_samples: int,
                             model: Optional[dict] = None,
                             **overrides) -> Config:
    """The fine-tuning runtime with :func:`tiny_recognizer_cfg` (or
    ``model``) trained for one epoch, batch 2, on ``num_samples``
    generated samples shuffled by MMEngine's sampler; no checkpoints.
    ``overrides`` are merged last (optimizer, hooks, launcher)."""
    cfg = Config.fromfile('configs/_base_/finetune_runtime.py')
    cfg.merge_from_dict(dict(
        work_dir=work_dir,
        model=model or tiny_recognizer_cfg(),
        train_dataloader=dict(
            batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate'),
            dataset=dict(type='SyntheticTensorDataset',
                         num_samples=num_samples, num_frames=2,
                         img_size=32, audio_size=(32, 32),
                         pipeline=[dict(type='PackAVInputs')])),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        **overrides))
    cfg.default_hooks.checkpoint = None
    return cfg
