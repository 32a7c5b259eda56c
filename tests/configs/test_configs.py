"""Every config parses, builds (tiny) and trains on consistent data."""
import copy
import math
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from hicmae.engine import ConfigError, check_train_config
from hicmae.models.heads import head_is_regression
from hicmae.registry import DATASETS, MODELS
from hicmae.structures import AVDataSample

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT / 'configs'
ALL_CONFIGS = sorted(CONFIG_DIR.rglob('*.py'))
VOX2 = CONFIG_DIR / 'hicmae' / 'hicmae_base_vox2.py'
TINY_SYNTH = CONFIG_DIR / 'hicmae' / 'hicmae_tiny_synthetic_tensor.py'


def _ids(paths):
    return [str(p.relative_to(CONFIG_DIR)) for p in paths]


def _load(path: Path) -> Config:
    return Config.fromfile(str(path))


def _configs_with(key):
    return [p for p in ALL_CONFIGS if key in _load(p)]


def _deep_update(base: dict, new: dict) -> dict:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = value
    return base


TINY_OVERRIDES = dict(
    video_encoder=dict(embed_dims=32, depth=4, num_heads=2, img_size=32),
    audio_encoder=dict(embed_dims=32, depth=4, num_heads=2,
                       input_size=(32, 32)),
    fusion=dict(num_heads=2),
    video_decoder=dict(embed_dims=16, num_heads=2),
    audio_decoder=dict(embed_dims=16, num_heads=2),
    contrastive_layers=(1, 2, 3),
    skip_layers=(1, 2, 3),
)


def test_config_tree_is_found():
    names = set(_ids(ALL_CONFIGS))
    assert {'hicmae/hicmae_base_vox2.py',
            'hicmae/hicmae_tiny_synthetic_tensor.py',
            '_base_/models/hicmae_base.py',
            '_base_/default_runtime.py'} <= names


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=_ids(ALL_CONFIGS))
def test_config_parses(path):
    cfg = _load(path)
    # every name the file itself assigns at top level is in the config
    import ast
    tree = ast.parse(path.read_text())
    names = {t.id for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    names = {n for n in names if not n.startswith('_')}
    assert names and names <= set(cfg.keys()), names - set(cfg.keys())
    if path.parent.name == 'hicmae':
        assert cfg.default_scope == 'hicmae'
        expected = 'AVRecognizer' if 'finetune' in path.name else 'HiCMAE'
        assert cfg.model.type == expected


MODEL_CONFIGS = _configs_with('model')

RECOGNIZER_TINY = dict(
    video_encoder=dict(embed_dims=32, depth=3, num_heads=2, img_size=32),
    audio_encoder=dict(embed_dims=32, depth=2, num_heads=2,
                       input_size=(32, 32)),
    fusion=dict(num_heads=2),
    init_cfg=None,  # the tests have no pre-trained checkpoint
)


# local-global encoders (AVF-MAE++): regions that tile the tiny grids
# (video 8x2x2 tokens, audio 2x2) and leave whole regions under the
# recipes' mask ratios; fine-tuning needs as many audio as video regions
LG_TINY = dict(video_encoder=dict(region_size=(2, 2, 2)),
               audio_encoder=dict(region_size=(2, 2)))
LG_TINY_FINETUNE = dict(video_encoder=dict(region_size=(2, 2, 2)),
                        audio_encoder=dict(region_size=(1, 1)))


def _tiny(model_cfg: dict, overrides: dict, lg: dict) -> dict:
    model_cfg = _deep_update(model_cfg, copy.deepcopy(overrides))
    if model_cfg['video_encoder']['type'].startswith('LG'):
        model_cfg = _deep_update(model_cfg, copy.deepcopy(lg))
    return model_cfg


def _tiny_inputs(model_cfg: dict) -> dict:
    frames = model_cfg['video_encoder'].get('num_frames', 16)
    return dict(video=torch.randn(2, 3, frames, 32, 32),
                audio=torch.randn(2, 1, 32, 32))


@pytest.mark.parametrize('path', MODEL_CONFIGS, ids=_ids(MODEL_CONFIGS))
def test_config_model_builds_tiny_and_runs(path):
    model_cfg = _load(path).model.to_dict()
    torch.manual_seed(0)
    if model_cfg['type'] in ('AVRecognizer', 'AVFRecognizer'):
        if not head_is_regression(model_cfg['head']):
            # the base models leave the class count to the leaf recipes
            model_cfg['head'].setdefault('num_classes', 3)
        model = MODELS.build(_tiny(model_cfg, RECOGNIZER_TINY,
                                   LG_TINY_FINETUNE))
        samples = [AVDataSample() for _ in range(2)]
        head = model_cfg['head']
        for i, s in enumerate(samples):
            if head_is_regression(head):
                s.set_gt_value(torch.rand(head['num_targets']))
            else:
                s.set_gt_label(i % head['num_classes'])
        model.train()
        data = model.data_preprocessor(
            dict(inputs=_tiny_inputs(model_cfg), data_samples=samples), True)
        losses = model.loss(**data)
        assert any(k.startswith('loss_') for k in losses)
        assert all(math.isfinite(v.item()) for v in losses.values())
        return
    model = MODELS.build(_tiny(model_cfg, TINY_OVERRIDES, LG_TINY))
    assert model.video_encoder.embed_dims == 32
    assert len(model.video_encoder.blocks) == 4
    # no masks in the samples: the recipe's model draws them
    samples = [AVDataSample() for _ in range(2)]
    losses = model.loss(_tiny_inputs(model_cfg), samples)
    assert {'loss_rec_video', 'loss_rec_audio'} <= set(losses)
    assert all(math.isfinite(v.item()) for v in losses.values())


LOADER_CONFIGS = _configs_with('train_dataloader')


@pytest.fixture(scope='module')
def fake_data_root(tmp_path_factory):
    """Two short mp4 clips with audio and a pre-training list of them."""
    from av_files import frames, tone, write_mp4
    root = tmp_path_factory.mktemp('data')
    names = []
    for i in range(2):
        write_mp4(root / 'clips' / f'c{i}.mp4', frames(48, seed=i),
                  audio=tone(2.0, freq=200 + 100 * i))
        names.append(f'clips/c{i}.mp4')
    (root / 'lists').mkdir()
    (root / 'lists' / 'pretrain.txt').write_text('\n'.join(names) + '\n')
    # emotion lists: every name a config may use, labels valid for any
    # benchmark (class 0/1, or three values in [0, 1] for regression)
    for task, tail in (('cls', ['0', '1']), ('reg', ['0.1 0.5 0.9'] * 2)):
        lines = [f'{n} {n} {t}' for n, t in zip(names, tail)]
        folder = root / task / 'lists'
        folder.mkdir(parents=True)
        for name in ('split01_train.csv', 'split01_val.csv',
                     'split01_test.csv', 'train.txt', 'val.txt', 'test.txt',
                     'train_faces.txt', 'val_faces.txt', 'test_faces.txt'):
            (folder / name).write_text('\n'.join(lines) + '\n')
        (root / task / 'clips').symlink_to(root / 'clips')
    return root


@pytest.mark.parametrize('path', LOADER_CONFIGS, ids=_ids(LOADER_CONFIGS))
def test_config_dataset_builds_and_packs(path, fake_data_root):
    cfg = _load(path)
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader:
            _check_split(cfg, loader.dataset, fake_data_root,
                         split == 'train')


def _packed_manifest(root) -> str:
    """The fake pre-training list packed into shards (once)."""
    from hicmae.data_prep.shard_packing import pack_shards
    from hicmae.datasets import AVPretrainDataset
    out = root / 'shards'
    if not (out / 'manifest.json').exists():
        listed = AVPretrainDataset(ann_file='lists/pretrain.txt',
                                   data_root=str(root))
        pack_shards([listed.get_data_info(i) for i in range(len(listed))],
                    str(out))
    return str(out / 'manifest.json')


def _check_split(cfg, ds_cfg, fake_data_root, train: bool) -> None:
    if ds_cfg.type == 'AVPretrainDataset':
        # recipes for real data: a small tree with their list layouts
        ds_cfg.data_root = str(fake_data_root)
        ds_cfg.ann_file = 'lists/pretrain.txt'
    elif ds_cfg.type == 'AVEmotionDataset':
        task = 'reg' if ds_cfg.get('task') == 'regression' else 'cls'
        ds_cfg.data_root = str(fake_data_root / task)
    elif ds_cfg.type == 'AVShardDataset':
        ds_cfg.manifest = _packed_manifest(fake_data_root)
    dataset = DATASETS.build(ds_cfg)
    assert len(dataset) > 0
    item = (next(iter(dataset)) if ds_cfg.type == 'AVShardDataset' else
            dataset[0])
    assert set(item) == {'inputs', 'data_samples'}
    video, audio = item['inputs']['video'], item['inputs']['audio']
    sample = item['data_samples']
    assert video.dtype == torch.uint8 and video.dim() == 4
    assert video.shape[0] == 3 and audio.shape[0] == 1
    if ds_cfg.type == 'AVEmotionDataset':
        # the target the task needs, and only that one
        want, other = (('gt_value', 'gt_label') if task == 'reg'
                       else ('gt_label', 'gt_value'))
        assert want in sample and other not in sample
        if 'model' not in cfg:
            return
        enc_v = cfg.model.video_encoder
        assert tuple(video.shape[1:]) == (enc_v.num_frames, enc_v.img_size,
                                          enc_v.img_size)
        assert tuple(audio.shape[1:]) == tuple(cfg.model.audio_encoder
                                               .input_size)
        return
    # pre-training: the model draws the masks, the pipeline makes none
    assert 'video_mask' not in sample and 'audio_mask' not in sample
    if 'model' not in cfg:
        return
    # the pipeline's inputs must fit the model of the same config
    enc_v, enc_a = cfg.model.video_encoder, cfg.model.audio_encoder
    img = enc_v.img_size
    assert tuple(video.shape[1:]) == (enc_v.num_frames, img, img)
    assert tuple(audio.shape[1:]) == tuple(enc_a.input_size)


def test_vox2_recipe_matches_the_paper():
    cfg = _load(VOX2)
    assert cfg.batch_size_per_gpu == 40
    if 'train_dataloader' in cfg:
        assert cfg.train_dataloader.batch_size == 40
    opt = cfg.optim_wrapper.optimizer
    assert opt.type == 'AdamW'
    assert tuple(opt.betas) == (0.9, 0.95)
    assert opt.weight_decay == 0.05
    assert opt.lr == pytest.approx(3e-4)
    assert cfg.optim_wrapper.type == 'MixedPrecisionOptimWrapper'
    assert cfg.auto_scale_lr.base_batch_size == 256
    assert cfg.train_cfg.max_epochs == 100
    warmup, cosine = cfg.param_scheduler
    assert warmup.type == 'LinearLR'
    assert (warmup.begin, warmup.end) == (0, 5)
    assert warmup.by_epoch and warmup.end_factor == 1.0
    # the authors warm up from 0 (MMEngine's LinearLR needs a factor > 0)
    assert warmup.start_factor == pytest.approx(0., abs=1e-8)
    assert cosine.type == 'CosineAnnealingLR'
    assert (cosine.begin, cosine.end) == (5, 100)
    assert cosine.T_max == 95
    assert cosine.eta_min_ratio == pytest.approx(1e-5 / 3e-4)
    assert cfg.model.contrastive_layers == (3, 6, 9)
    assert cfg.model.contrastive_head.loss_weight == 0.0025


def test_check_train_config_names_the_file_for_vox2(tmp_path):
    """Without VoxCeleb2 the recipe stops before training (pointed at a
    folder that does not exist, so a machine holding the set runs it too)."""
    cfg = _load(VOX2)
    cfg.train_dataloader.dataset.data_root = str(tmp_path / 'VoxCeleb2')
    with pytest.raises(ConfigError, match='hicmae_base_vox2.py') as err:
        check_train_config(cfg)
    root = cfg.train_dataloader.dataset.data_root
    assert f"data_root '{root}' does not exist" in str(err.value)
    assert 'train_dataloader.dataset.data_root=PATH' in str(err.value)
    with pytest.raises(ConfigError, match='my/name.py'):
        check_train_config(cfg, 'my/name.py')


def test_check_train_config_on_written_configs(tmp_path):
    no_loader = tmp_path / 'no_loader.py'
    no_loader.write_text("model = dict(type='HiCMAE')\n"
                         "train_cfg = dict(max_epochs=1)\n")
    with pytest.raises(ConfigError, match='no_loader.py') as err:
        check_train_config(Config.fromfile(str(no_loader)))
    assert 'no train_dataloader' in str(err.value)
    no_model = tmp_path / 'no_model.py'
    no_model.write_text('x = 1\n')
    with pytest.raises(ConfigError, match='no model section'):
        check_train_config(Config.fromfile(str(no_model)))
    assert check_train_config(_load(TINY_SYNTH)) is None
