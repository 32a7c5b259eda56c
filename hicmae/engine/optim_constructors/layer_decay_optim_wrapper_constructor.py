"""Layer-wise learning-rate decay over two encoders, fusion and heads."""
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Tuple

from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from hicmae.registry import OPTIM_WRAPPER_CONSTRUCTORS

# attributes of HiCMAE / AVRecognizer whose blocks share depth ids
ENCODER_ATTRS = ('video_encoder', 'audio_encoder')
# the stage stacked on top of the encoders
FUSION_ATTR = 'fusion'
DEFAULT_NO_DECAY_NAMES = ('mask_token', 'pos_embed', 'cls_token')


def _num_layers(module: nn.Module) -> int:
    """``num_layers`` as the module's ``get_layer_depth`` reports it."""
    name = next((n for n, _ in module.named_parameters()), '')
    return module.get_layer_depth(name)[1]


def _stage(model: nn.Module, attr: str) -> Optional[nn.Module]:
    module = getattr(model, attr, None)
    if module is None or not hasattr(module, 'get_layer_depth'):
        return None
    return module


def build_layer_id_fn(model: nn.Module) -> Tuple[Callable[[str], int], int]:
    """``(layer_id(param_name), N)``; ids run from 0 to ``N + 1``.

    With ``M`` the deepest encoder and ``F`` the fusion depth, ``N = M + F``.
    Encoder ids come from the encoders' ``get_layer_depth`` (0 = patch
    embedding, ``1..depth`` = blocks, equal indices of both modalities share
    an id), fusion block ``i`` is ``M + 1 + i``; the encoders' and fusion's
    last buckets (final norms) and every other parameter (heads, decoders)
    get the top id ``N + 1``, i.e. the full learning rate.
    """
    encoders = {a: m for a in ENCODER_ATTRS
                if (m := _stage(model, a)) is not None}
    fusion = _stage(model, FUSION_ATTR)
    # an encoder's num_layers is depth + 2 (patch embed, blocks, norm)
    enc_layers = {a: _num_layers(m) for a, m in encoders.items()}
    max_depth = max((n - 2 for n in enc_layers.values()), default=0)
    # the fusion's num_layers is depth + 1 (blocks, norms)
    fusion_depth = _num_layers(fusion) - 1 if fusion is not None else 0
    n = max_depth + fusion_depth
    top = n + 1

    def layer_id(name: str) -> int:
        attr, _, rest = name.partition('.')
        if attr in encoders:
            lid, num = encoders[attr].get_layer_depth(rest)
            return top if lid >= num - 1 else lid
        if fusion is not None and attr == FUSION_ATTR:
            lid, num = fusion.get_layer_depth(rest)
            return top if lid >= num - 1 else max_depth + 1 + lid
        return top

    return layer_id, n


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class AVLayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Parameter groups with layer-wise lr decay and no-decay rules.

    A parameter of layer id ``i`` (see :func:`build_layer_id_fn`) gets
    ``lr = base_lr * layer_decay_rate ** (N + 1 - i)``. Weight decay is 0
    for 1-D parameters (biases, norms, q/v biases, layer weights, layer-scale
    gammas) and for names ending in one of ``no_decay_names``; otherwise the
    optimizer's ``weight_decay``. Frozen parameters are left out, as in the
    authors' recipe. Every group also records ``layer_id`` and ``lr_scale``;
    MMEngine's schedulers rescale every group's ``lr`` by the same factor,
    so the per-layer ratios hold through warm-up and cosine decay.

    paramwise_cfg:
        layer_decay_rate (float, required): e.g. 0.75; 1.0 turns decay off.
        no_decay_names (tuple of str): name suffixes without weight decay;
            default ``('mask_token', 'pos_embed', 'cls_token')``.
        no_decay_1d (bool): 1-D parameters without weight decay; default
            True.
    """

    KNOWN_KEYS = ('layer_decay_rate', 'no_decay_names', 'no_decay_1d')

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        super().__init__(optim_wrapper_cfg, paramwise_cfg)
        unknown = set(self.paramwise_cfg) - set(self.KNOWN_KEYS)
        if unknown:
            # the default constructor's keys would be silently ignored here
            raise ValueError(f'{type(self).__name__} does not support '
                             f'paramwise_cfg keys {sorted(unknown)}; known: '
                             f'{list(self.KNOWN_KEYS)}')
        if 'layer_decay_rate' not in self.paramwise_cfg:
            raise ValueError(f'{type(self).__name__} needs paramwise_cfg='
                             'dict(layer_decay_rate=...)')
        self.decay_rate = float(self.paramwise_cfg['layer_decay_rate'])
        if not 0 < self.decay_rate <= 1:
            raise ValueError('layer_decay_rate must be in (0, 1], got '
                             f'{self.decay_rate}')
        if self.base_lr is None:
            raise ValueError('the optimizer config needs an lr')
        self.no_decay_names = tuple(self.paramwise_cfg.get(
            'no_decay_names', DEFAULT_NO_DECAY_NAMES))
        self.no_decay_1d = bool(self.paramwise_cfg.get('no_decay_1d', True))

    def _no_decay(self, name: str, ndim: int) -> bool:
        return (self.no_decay_1d and ndim <= 1) or \
            name.endswith(self.no_decay_names)

    def add_params(self, params: List[dict], module: nn.Module,
                   prefix: str = '', is_dcn_module=None) -> None:
        """Append one group per (layer id, decay or not) to ``params``."""
        layer_id, n = build_layer_id_fn(module)
        base_wd = self.base_wd or 0.
        groups: Dict[Tuple[int, bool], dict] = {}
        frozen = 0
        for name, param in module.named_parameters():
            if not param.requires_grad:
                frozen += 1
                continue
            lid = layer_id(name)
            no_decay = self._no_decay(name, param.ndim)
            key = (lid, no_decay)
            if key not in groups:
                scale = self.decay_rate ** (n + 1 - lid)
                groups[key] = dict(params=[], lr=self.base_lr * scale,
                                   weight_decay=0. if no_decay else base_wd,
                                   layer_id=lid, lr_scale=scale)
            groups[key]['params'].append(param)
        params.extend(groups[k] for k in sorted(groups))
        self._log_summary(groups, n, frozen)

    def _log_summary(self, groups: Dict[Tuple[int, bool], dict], n: int,
                     frozen: int) -> None:
        counts: Dict[int, int] = defaultdict(int)
        for (lid, _), group in groups.items():
            counts[lid] += len(group['params'])
        scales = ', '.join(
            f'{lid}:{self.decay_rate ** (n + 1 - lid):.4g}({counts[lid]})'
            for lid in sorted(counts))
        print_log(f'layer-wise lr decay {self.decay_rate}: {len(groups)} '
                  f'param groups, layer ids 0..{n + 1}; id:lr_scale'
                  f'(params) {scales}'
                  + (f'; {frozen} frozen params left out' if frozen else ''),
                  logger='current')
