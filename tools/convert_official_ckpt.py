"""Convert the authors' HiCMAE or AVF-MAE++ checkpoints, or verify against
a fixture.

    python tools/convert_official_ckpt.py SRC.pth DST.pth
    python tools/convert_official_ckpt.py --verify FIXTURE.pt [--atol 1e-4]

SRC is a released checkpoint (weights under ``checkpoint['model']``); DST is
written as ``{'state_dict': ..., 'meta': ...}`` for ``load_from`` or
``init_cfg``. ``--verify`` builds this package's model from a reference
fixture's ``config``, loads the converted ``state_dict``, runs the fixture's
inputs in eval mode and prints the largest absolute difference of every
output and loss term; it exits 1 if any exceeds ``--atol``. AVF-MAE++
checkpoints and fixtures (XuecWu/AVF-MAE) are told from HiCMAE's by their
keys; their fixtures are compared output by output, in train and eval mode
(see :mod:`hicmae.utils.avf_parity`).
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Tuple

import torch

from hicmae.cli_help import DefaultsHelpFormatter
from hicmae.registry import MODELS
from hicmae.utils import (convert_official_state_dict, register_all_modules,
                          safe_torch_load)
from hicmae.utils.avf_parity import avf_fixture_diffs, is_avf_fixture
from hicmae.utils.official_checkpoint_avf import is_avf_state_dict
from hicmae.utils.official_config import (finetune_model_cfg, fixture_kind,
                                          pretrain_model_cfg)


def convert(src: str, dst: str) -> int:
    ckpt = safe_torch_load(src)
    state = ckpt.get('model', ckpt.get('module', ckpt)) \
        if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not state:
        raise ValueError(f'{src}: no state dict under "model" or at the top')
    converted = convert_official_state_dict(state)
    layout = 'XuecWu/AVF-MAE' if is_avf_state_dict(state) else \
        'sunlicai/HiCMAE'
    torch.save(dict(state_dict=converted,
                    meta=dict(converted_from=osp.basename(src),
                              source_layout=layout)), dst)
    print(f'converted {len(converted)} tensors: {src} -> {dst}')
    return 0


def _pretrain_diffs(model, fx: dict) -> List[Tuple[str, float]]:
    video, audio = fx['video'], fx['audio']
    v_mask, a_mask = fx['mask_video'], fx['mask_audio']
    out = model.forward_outputs(video, audio, v_mask, a_mask)
    v_target = model.video_head.target(video, v_mask)
    a_target = model.audio_head.target(audio, a_mask)
    rows = [('pred_video', out['pred_video'], fx['pred_video']),
            ('pred_audio', out['pred_audio'], fx['pred_audio']),
            ('target_video', v_target, fx['target_video']),
            ('target_audio', a_target, fx['target_audio'])]
    con = model.contrastive_head
    hcmcl = torch.zeros(())
    for i, (v, a) in enumerate(zip(out['con_video'], out['con_audio'])):
        logits_v, logits_a, targets = con.logits(v, a)
        hcmcl = hcmcl + con.loss_module.from_logits(logits_v, logits_a,
                                                    targets)
        rows.append((f'logits_per_video[{i}]', logits_v,
                     fx['logits_per_video'][i]))
        rows.append((f'logits_per_audio[{i}]', logits_a,
                     fx['logits_per_audio'][i]))
    loss_video = model.video_head.loss(out['pred_video'], video, v_mask)
    loss_audio = model.audio_head.loss(out['pred_audio'], audio, a_mask)
    total = loss_video + loss_audio + con.loss_weight * hcmcl
    rows += [('loss_video', loss_video, fx['loss_video']),
             ('loss_audio', loss_audio, fx['loss_audio']),
             ('loss_hcmcl', hcmcl, fx['loss_hcmcl']),
             ('loss', total, fx['loss'])]
    return [(name, _max_diff(name, ours, ref)) for name, ours, ref in rows]


def _finetune_diffs(model, fx: dict) -> List[Tuple[str, float]]:
    feats = model.extract_feat(dict(video=fx['video'], audio=fx['audio']))
    feature = model.head.feature(feats)
    logits = model.head.fc(feature)
    return [('feature', _max_diff('feature', feature, fx['feature'])),
            ('logits', _max_diff('logits', logits, fx['logits']))]


def _max_diff(name: str, ours: torch.Tensor, ref: torch.Tensor) -> float:
    if ours.shape != ref.shape:
        raise ValueError(f'{name}: shape {tuple(ours.shape)} differs from '
                         f'the reference {tuple(ref.shape)}')
    return (ours.float() - ref.float()).abs().max().item()


def build_from_fixture(fx: dict) -> Tuple[torch.nn.Module, Dict]:
    kind = fixture_kind(fx)
    if kind == 'pretrain':
        cfg = pretrain_model_cfg(fx['config'], fx.get('norm_eps', 1e-6),
                                 fx.get('hcmcl_weight', 0.0025))
    elif kind == 'finetune':
        cfg = finetune_model_cfg(fx['config'], fx.get('norm_eps', 1e-6))
    else:
        raise ValueError('fixture has neither pre-training outputs '
                         '(pred_video) nor fine-tuning outputs (logits)')
    model = MODELS.build(cfg)
    result = model.load_state_dict(
        convert_official_state_dict(fx['state_dict']), strict=True)
    return model.eval(), result


def verify(path: str, atol: float) -> int:
    fx = safe_torch_load(path)
    if is_avf_fixture(fx):
        diffs = list(avf_fixture_diffs(fx).items())
    else:
        model, _ = build_from_fixture(fx)
        with torch.no_grad():
            diffs = _pretrain_diffs(model, fx) if fixture_kind(fx) == \
                'pretrain' else _finetune_diffs(model, fx)
    width = max(len(name) for name, _ in diffs)
    failed = [name for name, diff in diffs if not diff <= atol]
    for name, diff in diffs:
        flag = 'FAIL' if name in failed else 'ok'
        print(f'{name:<{width}}  max|diff| = {diff:.3e}  {flag}')
    print(f'{path}: {"FAILED" if failed else "passed"} '
          f'({len(diffs) - len(failed)}/{len(diffs)} within atol={atol:g})')
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=DefaultsHelpFormatter)
    parser.add_argument('src', nargs='?', help='official checkpoint')
    parser.add_argument('dst', nargs='?', help='converted checkpoint')
    parser.add_argument('--verify', metavar='FIXTURE',
                        help='reference fixture to check parity against')
    parser.add_argument('--atol', type=float, default=1e-4)
    args = parser.parse_args(argv)
    register_all_modules(init_default_scope=False)
    if args.verify:
        return verify(args.verify, args.atol)
    if not (args.src and args.dst):
        parser.error('give SRC and DST, or --verify FIXTURE')
    return convert(args.src, args.dst)


if __name__ == '__main__':
    sys.exit(main())
