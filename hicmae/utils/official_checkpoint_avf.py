"""The authors' AVF-MAE++ checkpoint layout (XuecWu/AVF-MAE).

Their model is a fork of HiCMAE's, so the top-level prefixes are the same
(``encoder.``, ``encoder_audio.``, ``decoder.``, ...); the local-global
encoder blocks and the iterative correlation fusion have their own names,
renamed here segment by segment. Conversion stays a pure rename.
"""
import re
from typing import Dict, List, Tuple

import torch

_PREFIXES: List[Tuple[str, str]] = [
    ('encoder_to_decoder_audio.', 'audio_decoder.embed.'),
    ('encoder_to_decoder.', 'video_decoder.embed.'),
    ('encoder_fusion.', 'fusion.'),
    ('encoder_audio.', 'audio_encoder.'),
    ('decoder_audio.', 'audio_decoder.'),
    ('encoder.', 'video_encoder.'),
    ('decoder.', 'video_decoder.'),
    ('fc_norm.', 'head.norm.'),
    ('head.', 'head.fc.'),
]
_EXACT = {
    'mask_token': 'video_decoder.mask_token',
    'mask_token_audio': 'audio_decoder.mask_token',
    'layer_weights_video': 'video_layer_weights',
    'layer_weights_audio': 'audio_layer_weights',
}
# local-global block: the four attention steps by what they do
_LG_BLOCK = {
    'first_attn_norm0': 'local_norm', 'first_attn': 'local_attn',
    'second_attn_norm0': 'region_norm', 'second_attn': 'region_attn',
    'third_attn_norm0': 'inject_norm', 'third_attn_norm1': 'inject_ctx_norm',
    'third_attn': 'inject_attn', 'fourth_attn_norm0': 'gather_norm',
    'fourth_attn_norm1': 'gather_ctx_norm', 'fourth_attn': 'gather_attn',
    'norm2': 'norm2', 'mlp': 'mlp',
}
# gated fusion block (CSBlock_new_no_Mask): branch per modality and kind
_FUSION_BLOCK = {
    'norm1': 'video_self.norm', 'attn': 'video_self.attn',
    'norm_vsa': 'video_self.mlp_norm', 'mlp_vsa': 'video_self.mlp',
    'norm_new': 'audio_self.norm', 'attn_new': 'audio_self.attn',
    'norm_asa': 'audio_self.mlp_norm', 'mlp_asa': 'audio_self.mlp',
    'cross_norm1': 'video_cross.norm', 'cross_norm2': 'video_cross.ctx_norm',
    'cross_attn': 'video_cross.attn', 'norm_vcma': 'video_cross.mlp_norm',
    'mlp_vcma': 'video_cross.mlp',
    'cross_norm1_a': 'audio_cross.norm',
    'cross_norm2_a': 'audio_cross.ctx_norm',
    'cross_attn_a': 'audio_cross.attn', 'norm_acma': 'audio_cross.mlp_norm',
    'mlp_acma': 'audio_cross.mlp',
    'lv1': 'video_gate.self_gate', 'lv2': 'video_gate.cross_gate',
    'norm3': 'video_gate.norm', 'la1': 'audio_gate.self_gate',
    'la2': 'audio_gate.cross_gate', 'norm3_1': 'audio_gate.norm',
}
# fusion module after the blocks
_FUSION_TOP = {
    'Iterative_Refinement_Module': 'refine',
    'norm': 'video_merge.norm', 'vadaptiveinteraction': 'video_merge.attn',
    'norm_att_v': 'video_merge.mlp_norm', 'mlp_att_v': 'video_merge.mlp',
    'vselectfusion': 'video_merge.score',
    'norm_audio': 'audio_merge.norm', 'aadaptiveinteraction':
    'audio_merge.attn', 'norm_att_a': 'audio_merge.mlp_norm',
    'mlp_att_a': 'audio_merge.mlp', 'aselectfusion': 'audio_merge.score',
    'cross_attn': 'global_attn', 'cross_norm_1': 'video_global_norm',
    'cross_norm_3': 'audio_global_norm', 'cross_norm_2': 'global_ctx_norm',
    'norm_att_v_IR': 'video_out_norm', 'mlp_att_video_IR': 'video_out_mlp',
    'norm_att_a_IR': 'audio_out_norm', 'mlp_att_audio_IR': 'audio_out_mlp',
}
_REFINE = {'layer_norm': 'norm', 'post_extract_proj': 'in_proj',
           'conv_audio': 'audio_branch', 'conv_video': 'video_branch'}
_IGNORED = re.compile(r'(^|\.)pos_embed(_audio)?$')
_MARKERS = ('lg_region_tokens', 'Iterative_Refinement_Module')


def _rename(parts: List[str], at: int, table: Dict[str, str]) -> List[str]:
    if parts[at] not in table:
        raise KeyError(f'unknown AVF-MAE++ key segment {parts[at]!r} in '
                       f'{".".join(parts)!r}')
    return parts[:at] + table[parts[at]].split('.') + parts[at + 1:]


def avf_official_to_ours(key: str) -> str:
    """Map one AVF-MAE++ parameter name to this package's name."""
    if key in _EXACT:
        return _EXACT[key]
    for src, dst in _PREFIXES:
        if key.startswith(src):
            key = dst + key[len(src):]
            break
    else:
        raise KeyError(f'unknown key in AVF-MAE++ checkpoint: {key!r}')
    parts = key.split('.')
    if parts[0] in ('video_encoder', 'audio_encoder'):
        if parts[1] == 'lg_region_tokens':
            parts[1] = 'region_tokens'
        elif parts[1] == 'blocks':
            parts = _rename(parts, 3, _LG_BLOCK)
    elif parts[0] == 'fusion':
        if parts[1] == 'blocks':
            parts = _rename(parts, 3, _FUSION_BLOCK)
        else:
            parts = _rename(parts, 1, _FUSION_TOP)
            if parts[1] == 'refine':
                parts = _rename(parts, 2, _REFINE)
    return '.'.join(parts)


def is_avf_state_dict(state_dict: Dict[str, torch.Tensor]) -> bool:
    """Whether an official state dict is AVF-MAE++'s (not HiCMAE's)."""
    return any(m in k for k in state_dict for m in _MARKERS)


def convert_avf_state_dict(state_dict: Dict[str, torch.Tensor]
                           ) -> Dict[str, torch.Tensor]:
    """Rename an AVF-MAE++ state dict; raises on keys it does not know."""
    out = {}
    for key, value in state_dict.items():
        if key.startswith('module.'):
            key = key[len('module.'):]
        if _IGNORED.search(key):
            continue
        out[avf_official_to_ours(key)] = value
    return out
