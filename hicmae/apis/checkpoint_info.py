"""What a checkpoint is, told from its weights and metadata."""
import re
from typing import Mapping, Optional

PRETRAIN_PARTS = ('video_decoder.', 'audio_decoder.')
FINETUNE_PARTS = ('head.',)
# a training config whose data root is the generated set
SYNTHETIC_ROOT = re.compile(r"data_root\s*=\s*['\"][^'\"]*synthetic")


def checkpoint_stage(state: Mapping) -> str:
    """``'pretrain'`` (reconstruction decoders), ``'finetune'`` (a
    classifier or regression head) or ``'unknown'``."""
    keys = list(state)
    if any(k.startswith(PRETRAIN_PARTS) for k in keys):
        return 'pretrain'
    if any(k.startswith(FINETUNE_PARTS) for k in keys):
        return 'finetune'
    return 'unknown'


def model_stage(model) -> str:
    """The same for a built model."""
    return checkpoint_stage(dict.fromkeys(model.state_dict()))


def stage_mismatch(checkpoint: str, config: str, state: Mapping,
                   model) -> Optional[str]:
    """One line when the checkpoint and the config are of different
    stages (pre-training vs fine-tuning), the right way round."""
    ckpt, cfg = checkpoint_stage(state), model_stage(model)
    if ckpt == 'finetune' and cfg == 'pretrain':
        return (f'{checkpoint} is a fine-tuned checkpoint (it has a '
                f'classifier head) but {config} is a pre-training config: '
                'give the fine-tuning config it was trained with')
    if ckpt == 'pretrain' and cfg == 'finetune':
        return (f'{checkpoint} is a pre-training checkpoint (it has no '
                f'classifier head) and {config} a fine-tuning config: '
                'fine-tune it first (tools/train.py with this config and '
                'model.init_cfg.checkpoint pointing at it)')
    return None


def synthetic_note(meta: Optional[Mapping]) -> Optional[str]:
    """A one-line warning when a checkpoint's metadata says it was trained
    on the generated synthetic set (drawn faces, synthetic voices)."""
    if not meta:
        return None
    text = meta.get('cfg') or ''
    if not isinstance(text, str):
        text = str(text)
    if SYNTHETIC_ROOT.search(text) or meta.get('synthetic'):
        return ('note: this checkpoint was trained on the generated '
                'synthetic set (drawn faces, synthetic voices): its labels '
                "on real people mean nothing; for real faces use the "
                "authors' released checkpoints converted with "
                'tools/convert_official_ckpt.py (docs/inference.md)')
    return None


def checkpoint_meta(path: str) -> dict:
    """The ``meta`` dictionary of a checkpoint file ({} if none)."""
    from hicmae.utils import safe_torch_load
    ckpt = safe_torch_load(path, map_location='cpu')
    meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
    return dict(meta) if isinstance(meta, Mapping) else {}
