"""Parity with the authors' implementation through the reference fixtures."""
import importlib.util
import json
from pathlib import Path

import pytest
import torch

from hicmae.registry import MODELS
from hicmae.structures import AVDataSample
from hicmae.utils import (convert_official_state_dict, is_official_state_dict,
                          official_to_ours, safe_torch_load)
from hicmae.utils.official_config import pretrain_model_cfg

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def convert_tool():
    path = REPO_ROOT / 'tools' / 'convert_official_ckpt.py'
    spec = importlib.util.spec_from_file_location('convert_official_ckpt',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


IN_REPO = REPO_ROOT / 'tests' / 'data' / 'parity'


@pytest.fixture(scope='module')
def reference(request):
    """The fixtures shipped in ``tests/data/parity`` (every clone has
    them), else ``shared/reference``."""
    if (IN_REPO / 'pretrain_small.pt').is_file():
        return IN_REPO
    return request.getfixturevalue('shared') / 'reference'


def test_the_fixtures_ship_with_the_repository():
    for name in ('pretrain_small.pt', 'finetune_small.pt',
                 'official_state_dict_shapes.json'):
        assert (IN_REPO / name).is_file(), name


@pytest.fixture(scope='module')
def fixture_path(reference):
    return reference / 'pretrain_small.pt'


@pytest.fixture(scope='module')
def fixture(fixture_path):
    return torch.load(fixture_path, map_location='cpu', weights_only=True)


@pytest.fixture(scope='module')
def official_shapes(reference):
    with open(reference / 'official_state_dict_shapes.json') as f:
        return json.load(f)


@pytest.fixture(scope='module')
def base_model():
    from mmengine.config import Config
    cfg = Config.fromfile(str(REPO_ROOT / 'configs' / '_base_' / 'models' /
                              'hicmae_base.py'))
    return MODELS.build(cfg.model)


def test_verify_tool_passes(convert_tool, fixture_path, capsys):
    assert convert_tool.main(['--verify', str(fixture_path)]) == 0
    out = capsys.readouterr().out
    assert 'passed' in out and 'FAIL' not in out


def test_model_loss_matches_fixture(fixture):
    cfg = pretrain_model_cfg(fixture['config'], fixture['norm_eps'],
                             fixture['hcmcl_weight'])
    model = MODELS.build(cfg)
    model.load_state_dict(convert_official_state_dict(fixture['state_dict']),
                          strict=True)
    model.eval()
    samples = [AVDataSample().set_masks(v, a) for v, a in
               zip(fixture['mask_video'], fixture['mask_audio'])]
    inputs = dict(video=fixture['video'], audio=fixture['audio'])
    with torch.no_grad():
        losses = model.loss(inputs, samples)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert total.item() == pytest.approx(fixture['loss'].item(), abs=1e-4)
    assert losses['loss_rec_video'].item() == pytest.approx(
        fixture['loss_video'].item(), abs=1e-4)
    assert losses['loss_rec_audio'].item() == pytest.approx(
        fixture['loss_audio'].item(), abs=1e-4)
    hcmcl = sum(v for k, v in losses.items() if k.startswith('loss_con'))
    assert hcmcl.item() == pytest.approx(
        fixture['hcmcl_weight'] * fixture['loss_hcmcl'].item(), abs=1e-5)


def test_verify_tool_detects_a_corrupted_state_dict(convert_tool, fixture,
                                                    tmp_path, capsys):
    corrupted = dict(fixture)
    state = dict(fixture['state_dict'])
    key = 'decoder_audio.head.weight'
    assert key in state
    state[key] = state[key] + 0.05
    corrupted['state_dict'] = state
    path = tmp_path / 'corrupted.pt'
    torch.save(corrupted, path)
    assert convert_tool.main(['--verify', str(path)]) == 1
    out = capsys.readouterr().out
    assert 'FAILED' in out
    assert any(line.startswith('pred_audio') and 'FAIL' in line
               for line in out.splitlines())


def test_convert_tool_writes_a_loadable_checkpoint(convert_tool, fixture,
                                                   tmp_path):
    src, dst = tmp_path / 'official.pth', tmp_path / 'ours.pth'
    torch.save({'model': fixture['state_dict']}, src)
    assert convert_tool.main([str(src), str(dst)]) == 0
    converted = safe_torch_load(str(dst))
    expected = convert_official_state_dict(fixture['state_dict'])
    assert set(converted['state_dict']) == set(expected)
    assert converted['meta']['converted_from'] == 'official.pth'


def test_finetune_fixture_parity(convert_tool, reference, tmp_path):
    path = reference / 'finetune_small.pt'
    assert convert_tool.main(['--verify', str(path)]) == 0
    fixture = torch.load(path, weights_only=True)
    fixture['logits'] = fixture['logits'] + 1e-3
    bad = tmp_path / 'bad_ft.pt'
    torch.save(fixture, bad)
    assert convert_tool.main(['--verify', str(bad)]) == 1


def test_finetune_base_layout_loads_strictly(official_shapes):
    from hicmae.registry import MODELS
    from hicmae.utils.official_config import finetune_model_cfg
    shapes = official_shapes['finetune_base_6cls']
    cfg = finetune_model_cfg(dict(
        img_size=160, patch_size=16, num_classes=6, embed_dim=512, depth=10,
        num_heads=8, img_size_audio=(256, 128), patch_size_audio=16,
        embed_dim_audio=512, depth_audio=10, num_heads_audio=8,
        fusion_depth=2, fusion_num_heads=8))
    model = MODELS.build(cfg)
    official = {k: torch.zeros(shape) for k, shape in shapes.items()}
    result = model.load_state_dict(convert_official_state_dict(official),
                                   strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert sum(p.numel() for p in model.parameters()) == \
        official_shapes['finetune_base_6cls_params']


def test_base_model_loads_official_layout_strictly(base_model,
                                                   official_shapes):
    official = {k: torch.zeros(shape) for k, shape in
                official_shapes['pretrain_base'].items()}
    assert is_official_state_dict(official)
    converted = convert_official_state_dict(official)
    assert not is_official_state_dict(converted)
    result = base_model.load_state_dict(converted, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    ours = base_model.state_dict()
    for key, value in converted.items():
        assert ours[key].shape == value.shape, key


def test_base_model_parameter_count(base_model, official_shapes):
    count = sum(p.numel() for p in base_model.parameters())
    assert count == official_shapes['pretrain_base_params'] == 99609344
    official = sum(torch.Size(s).numel()
                   for s in official_shapes['pretrain_base'].values())
    assert count == official


def test_official_to_ours_mapping():
    assert official_to_ours('mask_token') == 'video_decoder.mask_token'
    assert official_to_ours('mask_token_audio') == 'audio_decoder.mask_token'
    assert official_to_ours('encoder_to_decoder_audio.weight') == \
        'audio_decoder.embed.weight'
    assert official_to_ours('encoder_to_decoder.weight') == \
        'video_decoder.embed.weight'
    assert official_to_ours('encoder_fusion.blocks_audio.1.norm1.weight') == \
        'fusion.audio_blocks.1.norm1.weight'
    assert official_to_ours('encoder_fusion.norm_audio.bias') == \
        'fusion.audio_norm.bias'
    assert official_to_ours('encoder.blocks.2.gamma_1') == \
        'video_encoder.blocks.2.ls1.gamma'
    assert official_to_ours('encoder_fusion.blocks.0.gamma_0') == \
        'fusion.video_blocks.0.ls0.gamma'
    assert official_to_ours('decoder_audio.head.bias') == \
        'audio_decoder.head.bias'


@pytest.mark.parametrize('key', ['foo.weight', 'encoderx.norm.weight',
                                 'mask_token_video'])
def test_official_to_ours_unknown_key_raises(key):
    with pytest.raises(KeyError, match='unknown key'):
        official_to_ours(key)
    with pytest.raises(KeyError):
        convert_official_state_dict({key: torch.zeros(1)})


def test_module_prefixed_and_nested_dicts_convert(fixture):
    plain = convert_official_state_dict(fixture['state_dict'])
    prefixed = {f'module.{k}': v for k, v in fixture['state_dict'].items()}
    assert is_official_state_dict(prefixed)
    converted = convert_official_state_dict(prefixed)
    assert converted.keys() == plain.keys()
    assert all(converted[k] is plain[k] for k in plain)
    nested = convert_official_state_dict({'model': fixture['state_dict']})
    assert nested.keys() == plain.keys()


def test_position_tables_are_dropped():
    sd = {'encoder.pos_embed': torch.zeros(1, 4, 2),
          'encoder_audio.pos_embed': torch.zeros(1, 4, 2),
          'decoder.pos_embed': torch.zeros(1, 4, 2),
          'encoder.norm.weight': torch.ones(2)}
    converted = convert_official_state_dict(sd)
    assert list(converted) == ['video_encoder.norm.weight']
    assert converted['video_encoder.norm.weight'] is sd['encoder.norm.weight']
