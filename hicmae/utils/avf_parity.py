"""Compare this package's AVF-MAE++ models with a reference fixture made by
running the authors' code (``avf_mae_parity_v1``: ``pretrain_small.pt`` /
``finetune_small.pt``). Used by ``tools/convert_official_ckpt.py --verify``
and the parity tests."""
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F

from hicmae.registry import MODELS
from hicmae.structures import AVDataSample
from .official_checkpoint import convert_official_state_dict
from .official_checkpoint_avf import is_avf_state_dict
from .official_config_avf import avf_finetune_model_cfg, avf_pretrain_model_cfg

Rows = List[Tuple[str, torch.Tensor, torch.Tensor]]


def is_avf_fixture(fixture: dict) -> bool:
    """An AVF-MAE++ fixture, told by its weights' key layout."""
    return isinstance(fixture.get('state_dict'), dict) and \
        is_avf_state_dict(fixture['state_dict'])


def build_avf_model(fixture: dict) -> torch.nn.Module:
    """The fixture's model, built and loaded (strict) in this package."""
    if fixture.get('kind') == 'pretrain':
        cfg = avf_pretrain_model_cfg(
            fixture['config'], fixture.get('norm_eps', 1e-6),
            fixture['losses'].get('hcmcl_weight', 0.0025))
    elif fixture.get('kind') == 'finetune':
        cfg = avf_finetune_model_cfg(fixture['config'],
                                     fixture.get('norm_eps', 1e-6))
    else:
        raise ValueError('AVF-MAE++ fixture of unknown kind '
                         f'{fixture.get("kind")!r} (pretrain or finetune)')
    model = MODELS.build(cfg)
    model.load_state_dict(convert_official_state_dict(fixture['state_dict']),
                          strict=True)
    return model


class _Recorder:
    """Forward hooks collecting the fusion's per-layer outputs and global
    tokens."""

    def __init__(self, fusion) -> None:
        self.stages: List[Tuple[torch.Tensor, torch.Tensor]] = []
        self.overall: List[torch.Tensor] = []
        self.handles = [
            b.register_forward_hook(
                lambda m, i, o: self.stages.append(o)) for b in fusion.blocks
        ] + [fusion.refine.register_forward_hook(
            lambda m, i, o: self.overall.append(o))]

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def _samples(masks: dict) -> List[AVDataSample]:
    samples = []
    for i in range(masks['mask_video'].shape[0]):
        s = AVDataSample().set_masks(masks['mask_video'][i],
                                     masks['mask_audio'][i])
        for m in ('video', 'audio'):
            dec = masks[f'decode_mask_{m}'][i].bool()
            s.set_field(dec, f'{m}_decode_mask', dtype=torch.Tensor)
            s.set_metainfo({f'{m}_num_skipped': int(dec.sum())})
        samples.append(s)
    return samples


def _pretrain_pass(model, fixture: dict, train: bool, suffix: str) -> Rows:
    ref = fixture['outputs' if train else 'outputs_eval']
    ref_losses = fixture['losses' if train else 'losses_eval']
    model.train(train)
    inputs = dict(video=fixture['inputs']['video'],
                  audio=fixture['inputs']['audio'])
    samples = _samples(fixture['masks'])
    rec = _Recorder(model.fusion)
    try:
        with torch.no_grad():
            out = model(inputs, samples, mode='tensor')
            rec.stages.clear()
            rec.overall.clear()
            # the loss path again (BatchNorm statistics move twice in train
            # mode: restore them for the reference's single forward)
            losses = model.loss(inputs, samples)
    finally:
        rec.remove()
    rows: Rows = []
    for key, ours in (('pred_video', out['pred_video']),
                      ('pred_audio', out['pred_audio']),
                      ('encoder_video', out['enc_video']),
                      ('encoder_audio', out['enc_audio']),
                      ('fusion_video', out['fused_video']),
                      ('fusion_audio', out['fused_audio'])):
        if key in ref:
            rows.append((key + suffix, ours, ref[key]))
    for key, feats in (('encoder_video_intermediate', out['con_video']),
                       ('encoder_audio_intermediate', out['con_audio'])):
        for i, (o, r) in enumerate(zip(feats, ref.get(key, []))):
            rows.append((f'{key}[{i}]{suffix}', o, r))
    con = model.contrastive_head
    hcmcl = torch.zeros(())
    for i, (v, a) in enumerate(zip(out['con_video'], out['con_audio'])):
        logits_v, logits_a, targets = con.logits(v, a)
        hcmcl = hcmcl + con.loss_module.from_logits(logits_v, logits_a,
                                                    targets)
        rows.append((f'logits_per_video[{i}]{suffix}', logits_v,
                     ref['logits_per_video'][i]))
        rows.append((f'logits_per_audio[{i}]{suffix}', logits_a,
                     ref['logits_per_audio'][i]))
    for i, (v, a) in enumerate(rec.stages):
        for m, o in (('video', v), ('audio', a)):
            if f'fusion_stages_{m}' in ref:
                rows.append((f'fusion_stages_{m}[{i}]{suffix}', o,
                             ref[f'fusion_stages_{m}'][i]))
    for i, o in enumerate(rec.overall):
        rows.append((f'fusion_overall[{i}]{suffix}', o,
                     ref['fusion_overall'][i]))
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    rows += [('loss_video' + suffix, losses['loss_rec_video'],
              ref_losses['loss_video']),
             ('loss_audio' + suffix, losses['loss_rec_audio'],
              ref_losses['loss_audio']),
             ('loss_hcmcl' + suffix, hcmcl, ref_losses['loss_hcmcl']),
             ('loss' + suffix, total, ref_losses['loss'])]
    return rows


def pretrain_rows(model, fixture: dict) -> Rows:
    """Train-mode outputs, targets, losses and BatchNorm buffers, then the
    eval-mode outputs and losses, each beside the reference."""
    state = {k: v.clone() for k, v in model.state_dict().items()}
    rows = _pretrain_pass(model, fixture, True, '')
    # BatchNorm buffers after one train-mode forward: rerun once from the
    # loaded state (the pass above ran the model twice)
    model.load_state_dict(state)
    model.train()
    masks = fixture['masks']
    with torch.no_grad():
        model.forward_outputs(
            fixture['inputs']['video'], fixture['inputs']['audio'],
            masks['mask_video'], masks['mask_audio'], None, None,
            masks['decode_mask_video'], masks['decode_mask_audio'])
    ours = convert_official_state_dict(
        {k: v for k, v in fixture['bn_buffers_after_train_forward'].items()})
    now = model.state_dict()
    for key in sorted(ours):
        rows.append((f'bn:{key}', now[key].clone(), ours[key]))
    video = fixture['inputs']['video']
    rows.append(('target_video', model.video_head.target(
        video, ~masks['decode_mask_video']), fixture['targets']['video']))
    rows.append(('target_audio', model.audio_head.target(
        fixture['inputs']['audio'], ~masks['decode_mask_audio']),
        fixture['targets']['audio']))
    model.load_state_dict(state)
    rows += _pretrain_pass(model, fixture, False, ' (eval)')
    model.load_state_dict(state)
    return rows


def finetune_rows(model, fixture: dict) -> Rows:
    """Eval-mode encoder, fusion, feature, logits and loss."""
    model.eval()
    inputs = dict(video=fixture['inputs']['video'],
                  audio=fixture['inputs']['audio'])
    ref = fixture['outputs']
    rec = _Recorder(model.fusion)
    try:
        with torch.no_grad():
            v = model._layers(model.video_encoder, inputs['video'])
            a = model._layers(model.audio_encoder, inputs['audio'])
            fused = {}
            handle = model.fusion.register_forward_hook(
                lambda m, i, o: fused.update(video=o[0], audio=o[1]))
            try:
                feature = model.head.feature(model.extract_feat(inputs))
            finally:
                handle.remove()
            logits = model.head.fc(feature)
    finally:
        rec.remove()
    loss = F.cross_entropy(logits, fixture['inputs']['labels'])
    return [('encoder_video', v, ref['encoder_video']),
            ('encoder_audio', a, ref['encoder_audio']),
            ('fusion_video', fused['video'], ref['fusion_video']),
            ('fusion_audio', fused['audio'], ref['fusion_audio']),
            ('fusion_overall', rec.overall[-1], ref['fusion_overall']),
            ('feature', feature, ref['feature']),
            ('logits', logits, ref['logits']),
            ('cross_entropy', loss, fixture['losses']['cross_entropy'])]


def avf_fixture_diffs(fixture: dict) -> Dict[str, float]:
    """Largest absolute difference of every compared tensor, by name."""
    model = build_avf_model(fixture)
    rows = pretrain_rows(model, fixture) if fixture['kind'] == 'pretrain' \
        else finetune_rows(model, fixture)
    diffs = {}
    for name, ours, ref in rows:
        if tuple(ours.shape) != tuple(ref.shape):
            raise ValueError(f'{name}: shape {tuple(ours.shape)} differs '
                             f'from the reference {tuple(ref.shape)}')
        diffs[name] = (ours.float() - ref.float()).abs().max().item()
    return diffs
