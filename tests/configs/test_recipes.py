"""The paper's recipes, resolved from our configs, against the authors'
scripts (sunlicai/HiCMAE at cdd28d4: scripts/.../{cream-d,mafw,werewolf-xl}/
finetune_170.sh, run_class_finetuning_av.py defaults, pretrain_base.sh)."""
import logging
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from tool_loader import load_tool

from hicmae.registry import DATASETS

ROOT = Path(__file__).resolve().parents[2]
CFG = ROOT / 'configs' / 'hicmae'

# what the authors' scripts and argument defaults resolve to
COMMON = dict(lr_per_256=1e-3, min_lr_per_256=1e-6, warmup_epochs=5,
              layer_decay=0.75, drop_path=0.1, weight_decay=0.05,
              betas=(0.9, 0.999), views=(2, 2), num_frames=16,
              policy='rand-m7-n4-mstd0.5-inc1', erase_prob=0.25,
              erase_mode='pixel', erase_area=(0.02, 1 / 3),
              erase_aspect=(0.3, 1 / 0.3), resize=(160, 160))
AUTHORS = dict(
    crema_d=dict(COMMON, batch=14, epochs=50, stride=4, metric='WAR',
                 mixup=(0.8, 1.0, 1.0, 0.5), smoothing=0.1),
    mafw=dict(COMMON, batch=14, epochs=100, stride=4, metric='WAR',
              mixup=(0.8, 1.0, 1.0, 0.5), smoothing=0.1),
    werewolf_xl=dict(COMMON, batch=32, epochs=30, stride=3, metric='CCC',
                     mixup=None, smoothing=None),
)


def _load(name: str) -> Config:
    return Config.fromfile(str(CFG / f'hicmae_base_finetune_{name}.py'))


def _find(pipeline, type_):
    found = [t for t in pipeline if t['type'] == type_]
    assert len(found) == 1, f'{type_} in {[t["type"] for t in pipeline]}'
    return found[0]


@pytest.mark.parametrize('name', sorted(AUTHORS))
def test_resolved_recipe_equals_the_authors_script(name):
    cfg, want = _load(name), AUTHORS[name]
    opt = cfg.optim_wrapper
    assert opt.optimizer.lr == pytest.approx(want['lr_per_256'])
    assert cfg.auto_scale_lr == dict(base_batch_size=256, enable=True)
    assert tuple(opt.optimizer.betas) == want['betas']
    assert opt.optimizer.weight_decay == want['weight_decay']
    assert opt.paramwise_cfg.layer_decay_rate == want['layer_decay']
    assert cfg.train_dataloader.batch_size == want['batch']
    assert cfg.train_dataloader.drop_last is True
    assert cfg.train_cfg.max_epochs == want['epochs']
    warmup, cosine = cfg.param_scheduler
    assert warmup.type == 'LinearLR' and warmup.convert_to_iter_based
    assert (warmup.begin, warmup.end) == (0, want['warmup_epochs'])
    assert warmup.start_factor == pytest.approx(0., abs=1e-8)  # from 0
    assert (cosine.begin, cosine.end) == (want['warmup_epochs'],
                                          want['epochs'])
    assert cosine.T_max == want['epochs'] - want['warmup_epochs']
    assert cosine.eta_min_ratio * want['lr_per_256'] == pytest.approx(
        want['min_lr_per_256'])
    for key in ('video_encoder', 'audio_encoder', 'fusion'):
        assert cfg.model[key].drop_path_rate == want['drop_path']
    mix = cfg.model.data_preprocessor.batch_augments
    if want['mixup'] is None:
        assert mix is None
        assert cfg.model.head.loss_type == 'mse'
    else:
        assert (mix.mixup_alpha, mix.cutmix_alpha, mix.prob,
                mix.switch_prob) == want['mixup']
        assert mix.label_smoothing == want['smoothing']
        assert cfg.model.head.label_smoothing == want['smoothing']
        assert mix.mix_audio is False  # the video only, as the authors
    assert cfg.default_hooks.checkpoint.save_best == want['metric']
    assert cfg.default_hooks.checkpoint.rule == 'greater'
    assert tuple(cfg.test_dataloader.dataset.num_views) == want['views']
    assert tuple(cfg.val_dataloader.dataset.num_views) == want['views']
    train = cfg.train_dataloader.dataset.pipeline
    test = cfg.test_dataloader.dataset.pipeline
    for pipeline in (train, test):
        sample = _find(pipeline, 'SampleClip')
        assert (sample.clip_len, sample.frame_interval) == (
            want['num_frames'], want['stride'])
        resize = _find(pipeline, 'Resize')
        assert tuple(resize.scale) == want['resize']
        assert resize.backend == 'pillow'
    # RandAugment before the crop, erasing after the flip, as the authors
    types = [t['type'] for t in train]
    assert types.index('Resize') < types.index('VideoRandAugment') < \
        types.index('RandomResizedCrop') < types.index('Flip') < \
        types.index('ClipRandomErasing')
    ra = _find(train, 'VideoRandAugment')
    assert (ra.policy, ra.interpolation, ra.fill) == (want['policy'],
                                                      'bicubic', 128)
    er = _find(train, 'ClipRandomErasing')
    assert (er.prob, er.mode) == (want['erase_prob'], want['erase_mode'])
    assert tuple(er.area_range) == pytest.approx(want['erase_area'])
    assert tuple(er.aspect_range) == pytest.approx(want['erase_aspect'])
    # audio gain in training and (seeded) at validation and test
    assert 'AudioGain' in types
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        gain = loader.dataset.pipeline[7]
        assert gain.type == 'AudioGain' and gain.test_mode
        assert _find(loader.dataset.pipeline, 'LoadAudio').on_silent == \
            'keep'


def test_test_time_gain_switch_documented_in_the_config():
    cfg = _load('crema_d')
    cfg.merge_from_dict({
        'test_dataloader.dataset.pipeline.7.enabled': False})
    gain = cfg.test_dataloader.dataset.pipeline[7]
    assert gain.type == 'AudioGain' and gain.enabled is False


def test_total_batch_and_lr_on_four_gpus():
    """The authors' 4 x 14 = 56 clips: lr 1e-3 x 56 / 256."""
    cfg = _load('crema_d')
    total = 4 * cfg.train_dataloader.batch_size
    assert cfg.optim_wrapper.optimizer.lr * total / \
        cfg.auto_scale_lr.base_batch_size == pytest.approx(2.1875e-4)


def test_vox2_recipe_crop_sampler_gain():
    cfg = Config.fromfile(str(CFG / 'hicmae_base_vox2.py'))
    pipeline = cfg.train_dataloader.dataset.pipeline
    types = [t['type'] for t in pipeline]
    assert types.index('FixedCrop') < types.index('MultiScaleCrop')
    crop = _find(pipeline, 'FixedCrop')
    assert tuple(crop.box) == (32, 0, 160, 160)  # rows 0:160, cols 32:192
    assert _find(pipeline, 'SampleClip').train_sampling == 'stride'
    assert 'AudioGain' in types
    assert cfg.train_dataloader.batch_size == 40


def test_pretraining_decays_only_the_audio_decoders_mask_token(build_tiny):
    """The authors exempt the exact names pos_embed, cls_token, mask_token:
    their audio decoder's mask_token_audio is decayed."""
    cfg = Config.fromfile(
        str(ROOT / 'configs/_base_/schedules/pretrain_adamw_100e.py'))
    model = build_tiny()
    opt = dict(cfg.optim_wrapper)
    opt['optimizer'] = dict(opt['optimizer'], fused=False)
    with DefaultScope.overwrite_default_scope('hicmae'):
        wrapper = build_optim_wrapper(model, opt)
    ids = {id(p): n for n, p in model.named_parameters()}
    decay = {ids[id(p)]: g['weight_decay']
             for g in wrapper.optimizer.param_groups for p in g['params']}
    assert decay['video_decoder.mask_token'] == 0.
    assert decay['audio_decoder.mask_token'] == pytest.approx(0.05)
    assert decay['video_encoder.blocks.0.attn.qkv.weight'] == \
        pytest.approx(0.05)
    assert decay['video_encoder.blocks.0.norm1.weight'] == 0.


def test_classification_head_uses_linear_default_init():
    from hicmae.models.heads import HFFClsHead
    torch.manual_seed(0)
    head = HFFClsHead(num_classes=6, video_dims=512, audio_dims=512,
                      video_layers=2, audio_layers=2)
    bound = 1 / np.sqrt(2048)
    w, b = head.fc.weight.detach(), head.fc.bias.detach()
    assert w.abs().max() <= bound and b.abs().max() <= bound
    # uniform on [-bound, bound]: std bound / sqrt(3), a non-zero bias
    assert w.std().item() == pytest.approx(bound / np.sqrt(3), rel=0.05)
    assert b.abs().sum() > 0


def _load_cross_validate():
    return load_tool('cross_validate.py')


def test_cross_validate_picks_best_by_epoch_number(tmp_path):
    cv = _load_cross_validate()
    for epoch in (9, 10, 2):
        (tmp_path / f'best_WAR_epoch_{epoch}.pth').write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text(
        str(tmp_path / 'epoch_12.pth'))
    ckpts = cv.checkpoints(str(tmp_path))
    assert ckpts['best'].endswith('best_WAR_epoch_10.pth')
    assert ckpts['last'].endswith('epoch_12.pth')
    with pytest.raises(FileNotFoundError):
        cv.checkpoints(str(tmp_path / 'empty'))


def test_cross_validate_reports_best_and_last(tmp_path, monkeypatch):
    cv = _load_cross_validate()
    monkeypatch.setattr(cv.subprocess, 'run', _fake_run)
    out = tmp_path / 'cv'
    assert cv.main(['cfg.py', '--folds', '1', '2', '--work-dir',
                    str(out)]) == 0
    import json
    summary = json.loads((out / 'cross_validation.json').read_text())
    # best: the epoch-3 checkpoint's numbers; last: epoch 4's
    assert summary['folds']['1']['WAR'] == 30.
    assert summary['last']['folds']['1']['WAR'] == 40.
    assert summary['mean_std']['WAR'] == [31., 1.]
    assert summary['last']['mean_std']['WAR'] == [41., 1.]


def _fake_run(cmd, check):
    """train.py writes best epoch 3 and last epoch 4; test.py writes
    WAR = 10 x epoch + 2 (fold - 1)."""
    import json
    work = Path(cmd[cmd.index('--work-dir') + 1])
    work.mkdir(parents=True, exist_ok=True)
    fold = int(cmd[-1].split('=')[-1])
    if any(c.endswith('train.py') for c in cmd):
        (work / 'best_WAR_epoch_3.pth').write_bytes(b'x')
        (work / 'epoch_4.pth').write_bytes(b'x')
        (work / 'last_checkpoint').write_text(str(work / 'epoch_4.pth'))
    else:
        epoch = int(cmd[3].rsplit('_', 1)[-1].split('.')[0])
        (work / 'test_metrics.json').write_text(
            json.dumps(dict(WAR=10. * epoch + 2. * (fold - 1))))


def _av_clip(root: Path, name: str, n_frames: int, wave: np.ndarray):
    from av_files import frames, write_frame_folder, write_wav
    write_frame_folder(root / name, frames(n_frames, size=48))
    write_wav(root / f'{name}.wav', wave)
    return f'{name} {name}.wav 0'


def test_silent_and_short_test_clips_are_scored(tmp_path, caplog):
    """The authors score them (zero-energy fbank, padded frames): a test
    run must not stop on them; each is logged."""
    from av_files import tone
    lines = [_av_clip(tmp_path, 'silent', 30, np.zeros(32000, np.float32)),
             _av_clip(tmp_path, 'short', 5, tone(2.0)),
             _av_clip(tmp_path, 'ok', 30, tone(2.0))]
    (tmp_path / 'test.csv').write_text('\n'.join(lines) + '\n')
    cfg = _load('crema_d')
    ds_cfg = cfg.test_dataloader.dataset
    ds_cfg.update(data_root=str(tmp_path), ann_file='test.csv', fold=None)
    dataset = DATASETS.build(ds_cfg)
    assert len(dataset) == 3 * 4  # 2 x 2 views each
    with caplog.at_level(logging.WARNING):
        items = [dataset[i] for i in range(len(dataset))]
    for item in items:
        assert item['inputs']['video'].shape == (3, 16, 160, 160)
        audio = item['inputs']['audio']
        assert audio.shape == (1, 256, 128) and torch.isfinite(audio).all()
    notes = [item['data_samples'].metainfo.get('fallbacks') for item in items]
    assert all('silent audio' in n[0] for n in notes[:4])
    assert all('only 5 frames' in n[0] for n in notes[4:8])
    assert all(n is None for n in notes[8:])
    # the silent clip's fbank: the constant log floor, then zero padding
    assert len(torch.unique(items[0]['inputs']['audio'])) <= 2
    assert dataset.num_fallbacks == 2  # distinct clips, logged once each
    # in training both remain bad samples
    train = cfg.train_dataloader.dataset
    assert _find(train.pipeline, 'LoadAudio').get('on_silent',
                                                  'raise') == 'raise'


def test_benchmark_data_finetune_reports_each_augmentation_case():
    import argparse
    bench = load_tool('analysis/benchmark.py')
    rows = bench.finetune_cases(argparse.Namespace(
        clips_per_class=1, iters=1, size_px=32))
    assert [r['augment'] for r in rows] == ['randaug+erasing',
                                            'erasing only', 'none']
    assert all(r['clips_per_s'] > 0 and r['pipeline'] == 'finetune'
               for r in rows)


def test_authors_validation_view_available_to_a_leaf_config(tmp_path):
    leaf = tmp_path / 'crema_d_authors_val.py'
    leaf.write_text(
        f"_base_ = ['{CFG / 'hicmae_base_finetune_crema_d.py'}']\n"
        'val_dataloader = dict(dataset=dict(\n'
        '    num_views=(1, 1), pipeline={{_base_.authors_val_pipeline}}))\n')
    cfg = Config.fromfile(str(leaf))
    val = cfg.val_dataloader.dataset
    assert tuple(val.num_views) == (1, 1)
    assert [t['type'] for t in val.pipeline][:5] == [
        'OpenVideo', 'SampleClip', 'DecodeFrames', 'Resize', 'CenterCrop']
    assert not _find(val.pipeline, 'SampleClip').get('test_mode', False)
    # the test protocol is untouched
    assert tuple(cfg.test_dataloader.dataset.num_views) == (2, 2)
    from av_files import tone
    (tmp_path / 'val.csv').write_text(
        _av_clip(tmp_path, 'clip', 80, tone(3.2)) + '\n')
    val.update(data_root=str(tmp_path), ann_file='val.csv', fold=None)
    dataset = DATASETS.build(val)
    assert len(dataset) == 1
    item = dataset[0]
    assert item['inputs']['video'].shape == (3, 16, 160, 160)
    assert item['inputs']['audio'].shape == (1, 256, 128)


def test_small_data_recipe_uses_the_measured_lr():
    """The Tiny synthetic recipe fine-tunes at 5e-4: at 2e-3 the video
    branch fits and transfers worse (docs/results.md, "Why the Tiny
    recipes read face crops"); the second set's recipe inherits it."""
    for name in ('hicmae_tiny_synthetic_finetune.py',
                 'hicmae_tiny_synthetic_va_finetune.py'):
        cfg = Config.fromfile(str(ROOT / 'configs/hicmae' / name))
        assert cfg.optim_wrapper.optimizer.lr == pytest.approx(5e-4)
        assert cfg.auto_scale_lr.enable is False
        assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 1.0
