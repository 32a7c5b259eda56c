"""Parity of the AVF-MAE++ parts with the authors' code (XuecWu/AVF-MAE at
c061171) through the fixtures in ``tests/data/avf_mae``."""
import json
from pathlib import Path

import pytest
import torch
from tool_loader import load_tool

from hicmae.registry import MODELS
from hicmae.utils import convert_official_state_dict
from hicmae.utils.avf_parity import (avf_fixture_diffs, build_avf_model,
                                     pretrain_rows)
from hicmae.utils.official_checkpoint_avf import avf_official_to_ours

DATA = Path(__file__).resolve().parents[1] / 'data' / 'avf_mae'
ATOL = 1e-4


@pytest.fixture(scope='module')
def convert_tool():
    return load_tool('convert_official_ckpt.py')


def _load(name: str) -> dict:
    return torch.load(DATA / name, map_location='cpu', weights_only=True)


@pytest.fixture(scope='module')
def pretrain_fx():
    return _load('pretrain_small.pt')


@pytest.fixture(scope='module')
def finetune_fx():
    return _load('finetune_small.pt')


def test_the_fixtures_ship_with_the_repository():
    for name in ('pretrain_small.pt', 'finetune_small.pt',
                 'official_state_dict_shapes.json'):
        assert (DATA / name).is_file(), name


def test_finetune_model_matches_every_output(finetune_fx):
    diffs = avf_fixture_diffs(finetune_fx)
    assert {'logits', 'feature', 'encoder_video', 'encoder_audio',
            'fusion_video', 'fusion_audio', 'fusion_overall',
            'cross_entropy'} <= set(diffs)
    assert max(diffs.values()) <= ATOL, diffs


def test_pretrain_model_matches_train_and_eval_mode(pretrain_fx):
    diffs = avf_fixture_diffs(pretrain_fx)
    for name in ('pred_video', 'pred_audio', 'loss', 'loss (eval)',
                 'pred_audio (eval)', 'fusion_overall[1]',
                 'bn:fusion.refine.video_branch.1.running_var',
                 'target_video', 'encoder_video_intermediate[2]'):
        assert name in diffs
    assert max(diffs.values()) <= ATOL, {
        k: v for k, v in diffs.items() if v > ATOL}


@pytest.mark.parametrize('name', ['pretrain_small.pt', 'finetune_small.pt'])
def test_verify_tool_recognises_the_fixtures(convert_tool, name, capsys):
    assert convert_tool.main(['--verify', str(DATA / name)]) == 0
    out = capsys.readouterr().out
    assert 'passed' in out and 'FAIL' not in out


@pytest.mark.parametrize('name,key,row', [
    # a fusion query weight that has no effect in pre-training (one global
    # token) is checked by the fine-tuning fixture
    ('finetune_small.pt', 'encoder_fusion.cross_attn.q.weight', 'logits'),
    # AVF-MAE++'s fourth local-global step matters in pre-training
    ('pretrain_small.pt', 'encoder.blocks.0.fourth_attn.proj.weight',
     'pred_video'),
])
def test_verify_tool_detects_a_corrupted_weight(convert_tool, name, key, row,
                                                tmp_path, capsys):
    fx = _load(name)
    state = dict(fx['state_dict'])
    # random, not uniform: a uniform shift of a projection moves every
    # channel alike and the next LayerNorm removes it
    noise = torch.randn(state[key].shape,
                        generator=torch.Generator().manual_seed(0))
    state[key] = state[key] + 0.1 * noise
    fx['state_dict'] = state
    path = tmp_path / name
    torch.save(fx, path)
    assert convert_tool.main(['--verify', str(path)]) == 1
    out = capsys.readouterr().out
    assert any(line.startswith(row) and 'FAIL' in line
               for line in out.splitlines())


def test_raster_token_order_changes_only_the_decoder_positions(pretrain_fx):
    """The authors' encoder returns region-grouped tokens and their decoder
    adds raster-order positions; 'raster' restores the order. The fixture
    has regions spanning two frames and two parts of a frame, so the
    predictions move while everything before the decoder stays."""
    model = build_avf_model(pretrain_fx)
    for enc in (model.video_encoder, model.audio_encoder):
        enc.token_order = 'raster'
    diffs = {n: (o.float() - r.float()).abs().max().item()
             for n, o, r in pretrain_rows(model, pretrain_fx)}
    assert diffs['pred_video'] > 1e-2
    # audio regions are runs of whole rows: no reordering
    assert diffs['pred_audio'] <= ATOL
    for name in ('logits_per_video[2]', 'fusion_overall[1]',
                 'loss_hcmcl', 'pred_audio (eval)'):
        assert diffs[name] <= ATOL, name


@pytest.fixture(scope='module')
def official_shapes():
    with open(DATA / 'official_state_dict_shapes.json') as f:
        return json.load(f)


def _preset(name: str) -> dict:
    from mmengine.config import Config
    root = Path(__file__).resolve().parents[2]
    return Config.fromfile(str(root / 'configs' / '_base_' / 'models' /
                               f'{name}.py')).model.to_dict()


@pytest.mark.parametrize('preset,layout', [
    ('avf_mae_base', 'pretrain_base'),
    ('avf_mae_huge', 'pretrain_huge'),
    ('avf_mae_base_finetune', 'finetune_base_6cls'),
    ('avf_mae_huge_finetune', 'finetune_huge_6cls'),
])
def test_presets_have_the_official_layout(official_shapes, preset, layout):
    """Every official Base / Huge key converts to one of the preset's
    tensors with the same shape, and nothing is left over."""
    cfg = _preset(preset)
    cfg.pop('init_cfg', None)
    with torch.device('meta'):
        model = MODELS.build(cfg)
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    theirs = {avf_official_to_ours(k): tuple(v)
              for k, v in official_shapes[layout].items()}
    assert ours == theirs
    params = sum(p.numel() for p in model.parameters())
    assert params == official_shapes[f'{layout}_params']


def test_converter_refuses_unknown_avf_keys():
    with pytest.raises(KeyError, match='fifth_attn'):
        convert_official_state_dict(
            {'encoder.lg_region_tokens': torch.zeros(1),
             'encoder.blocks.0.fifth_attn.q_bias': torch.zeros(1)})
