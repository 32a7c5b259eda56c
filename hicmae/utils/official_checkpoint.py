"""The one place that knows the authors' checkpoint layout.

``convert_official_state_dict`` renames the keys of a released checkpoint
(``checkpoint['model']`` of sunlicai/HiCMAE) to this package's modules.
Every official parameter has exactly one counterpart, so conversion is a
pure rename. The only tensors that exist on one side only are not
parameters: the fixed sine-cosine position tables (rebuilt from the input
size, not stored by either side) and the attention's zero k-bias (a
non-persistent buffer here, a ``zeros_like`` in the authors' forward).
"""
import re
from typing import Dict, List, Tuple

import torch

from .official_checkpoint_avf import convert_avf_state_dict, is_avf_state_dict

# (official prefix, our prefix); longest official prefixes first so that
# 'encoder_to_decoder_audio.' wins over 'encoder_to_decoder.' and 'encoder.'.
_PREFIXES: List[Tuple[str, str]] = [
    ('encoder_to_decoder_audio.', 'audio_decoder.embed.'),
    ('encoder_to_decoder.', 'video_decoder.embed.'),
    ('encoder_fusion.blocks_audio.', 'fusion.audio_blocks.'),
    ('encoder_fusion.blocks.', 'fusion.video_blocks.'),
    ('encoder_fusion.norm_audio.', 'fusion.audio_norm.'),
    ('encoder_fusion.norm.', 'fusion.video_norm.'),
    ('encoder_audio.', 'audio_encoder.'),
    ('decoder_audio.', 'audio_decoder.'),
    ('encoder.', 'video_encoder.'),
    ('decoder.', 'video_decoder.'),
    # fine-tuning model: hierarchical feature fusion head
    ('video_layer_weights', 'head.video_layer_weights'),
    ('audio_layer_weights', 'head.audio_layer_weights'),
    ('fc_norm.', 'head.norm.'),
    ('head.', 'head.fc.'),
]
_EXACT = {
    'mask_token': 'video_decoder.mask_token',
    'mask_token_audio': 'audio_decoder.mask_token',
}
# layer scale: gamma_0 (cross-attention), gamma_1 (attention), gamma_2 (MLP)
_GAMMA = re.compile(r'\.gamma_([012])$')
# tensors of the authors' modules that hold nothing to learn
_IGNORED = re.compile(r'(^|\.)pos_embed(_audio)?$')


def official_to_ours(key: str) -> str:
    """Map one official parameter name to this package's name."""
    if key in _EXACT:
        return _EXACT[key]
    for src, dst in _PREFIXES:
        if key.startswith(src):
            key = dst + key[len(src):]
            break
    else:
        raise KeyError(f'unknown key in official checkpoint: {key!r}')
    return _GAMMA.sub(lambda m: f'.ls{m.group(1)}.gamma', key)


def convert_official_state_dict(state_dict: Dict[str, torch.Tensor]
                                ) -> Dict[str, torch.Tensor]:
    """Rename an official state dict (HiCMAE's, or AVF-MAE++'s, told by
    its keys); raises on keys it does not know."""
    if 'model' in state_dict and isinstance(state_dict['model'], dict):
        state_dict = state_dict['model']
    if is_avf_state_dict(state_dict):
        return convert_avf_state_dict(state_dict)
    out = {}
    for key, value in state_dict.items():
        if key.startswith('module.'):  # saved from a DDP wrapper
            key = key[len('module.'):]
        if _IGNORED.search(key):
            continue
        out[official_to_ours(key)] = value
    return out


def is_official_state_dict(state_dict: Dict[str, torch.Tensor]) -> bool:
    """Whether a state dict is in the authors' layout (not this package's)."""
    keys = [k[len('module.'):] if k.startswith('module.') else k
            for k in state_dict]
    return any(k.startswith(('encoder.', 'encoder_audio.', 'encoder_fusion.'))
               for k in keys)
