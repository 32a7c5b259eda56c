"""Every data-pipeline and model setting of the paper's recipes, resolved
from the configs, against the authors' values (sunlicai/HiCMAE at cdd28d4;
/work/shared/reference/authors_recipes.md lists where each comes from).

A whole resolved transform list is compared, so a changed argument, an
added or dropped transform or a new order fails here by name. The
optimisation settings are in test_recipes.py and test_configs.py; the
masking ratios belong to the model (``model.video_masking``)."""
from pathlib import Path

import pytest
from mmengine.config import Config

ROOT = Path(__file__).resolve().parents[2]
CFG = ROOT / 'configs' / 'hicmae'
FINETUNE = ('crema_d', 'mafw', 'werewolf_xl', 'dfew', 'iemocap',
            'msp_improv', 'ravdess')
STRIDE = dict(werewolf_xl=3)  # their Werewolf-XL script: sr 3

# the authors' run_class_finetuning_av.py / kinetics_av.py, mode 'train':
# 16 frames, random end, squash to 160 x 160, rand-m7-n4-mstd0.5-inc1,
# random resized crop (0.08-1, 3/4-4/3), flip 0.5, random erasing
# (p 0.25, pixel, 0.02-1/3, 0.3-3.3, one box per clip); audio gain
# Beta(10, 10) + 0.5; 128-bin Kaldi fbank over 256 frames
AUDIO_FEATURES = [
    dict(type='KaldiFbank', num_mel_bins=128, target_length=256),
    dict(type='NormalizeFbank'),
    dict(type='PackAVInputs'),
]


def finetune_train(stride):
    return [
        dict(type='OpenVideo'),
        dict(type='SampleClip', clip_len=16, frame_interval=stride),
        dict(type='DecodeFrames'),
        dict(type='Resize', scale=(160, 160), backend='pillow'),
        dict(type='VideoRandAugment', policy='rand-m7-n4-mstd0.5-inc1',
             interpolation='bicubic', fill=128),
        dict(type='RandomResizedCrop', output_size=160,
             area_range=(0.08, 1.0), aspect_range=(0.75, 1.3333)),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='ClipRandomErasing', prob=0.25, mode='pixel',
             area_range=(0.02, 1 / 3), aspect_range=(0.3, 1 / 0.3)),
        dict(type='LoadAudio', sample_rate=16000),
        dict(type='CropAudioSpan'),
        dict(type='AudioGain'),
        *AUDIO_FEATURES,
    ]


# mode 'test': every sr-th frame, 2 temporal x 2 spatial views, the same
# squash, the audio gain seeded per sample; silent or short clips scored
def finetune_test(stride):
    return [
        dict(type='OpenVideo'),
        dict(type='SampleClip', clip_len=16, frame_interval=stride,
             num_segments=2, test_mode=True),
        dict(type='DecodeFrames'),
        dict(type='Resize', scale=(160, 160), backend='pillow'),
        dict(type='SpatialViewCrop', num_crops=2),
        dict(type='LoadAudio', sample_rate=16000, on_silent='keep'),
        dict(type='CropAudioSpan'),
        dict(type='AudioGain', test_mode=True, seed=0),
        *AUDIO_FEATURES,
    ]


# pretrain_base.sh: random start, exact stride 4, the VoxCeleb2 face cut
# (rows 0:160, cols 32:192 of 224), GroupMultiScaleCrop(160,
# [1, .875, .75, .66]), audio gain, the same fbank
VOX2_TRAIN = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=16, frame_interval=4,
         train_sampling='stride'),
    dict(type='DecodeFrames'),
    dict(type='FixedCrop', box=(32, 0, 160, 160), frame_size=(224, 224)),
    dict(type='MultiScaleCrop', output_size=160,
         scales=(1, .875, .75, .66)),
    dict(type='LoadAudio', sample_rate=16000),
    dict(type='CropAudioSpan'),
    dict(type='AudioGain'),
    *AUDIO_FEATURES,
]

IMAGENET = dict(mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375))


def _plain(value):
    """Config values as plain Python (tuples for sequences)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value


def assert_same_pipeline(got, want, where):
    got = [_plain(dict(t)) for t in got
           # the masks are the model's (helper single_source's change)
           if not t['type'].startswith('Generate')]
    want = [_plain(t) for t in want]
    assert [t['type'] for t in got] == [t['type'] for t in want], where
    for g, w in zip(got, want):
        assert g.keys() == w.keys(), f'{where}: {g["type"]} {g} != {w}'
        for key in w:
            same = g[key] == w[key] if isinstance(w[key], str) else \
                g[key] == pytest.approx(w[key], rel=1e-9)
            assert same, \
                f'{where}: {g["type"]}.{key} = {g[key]!r}, not {w[key]!r}'


@pytest.mark.parametrize('name', FINETUNE)
def test_finetuning_pipelines(name):
    cfg = Config.fromfile(str(CFG / f'hicmae_base_finetune_{name}.py'))
    stride = STRIDE.get(name, 4)
    assert_same_pipeline(cfg.train_dataloader.dataset.pipeline,
                         finetune_train(stride), f'{name} train')
    for split in ('val', 'test'):
        loader = cfg[f'{split}_dataloader']
        assert_same_pipeline(loader.dataset.pipeline, finetune_test(stride),
                             f'{name} {split}')
        assert tuple(loader.dataset.num_views) == (2, 2)


@pytest.mark.parametrize('name', FINETUNE)
def test_finetuning_model_inputs_and_head(name):
    cfg = Config.fromfile(str(CFG / f'hicmae_base_finetune_{name}.py'))
    model = cfg.model
    pre = model.data_preprocessor
    assert (tuple(pre.mean), tuple(pre.std)) == (IMAGENET['mean'],
                                                 IMAGENET['std'])
    video, audio = model.video_encoder, model.audio_encoder
    assert (video.img_size, video.num_frames, video.tubelet_size,
            video.patch_size) == (160, 16, 2, 16)
    assert (tuple(audio.input_size), audio.patch_size) == ((256, 128), 16)
    for part in (video, audio, model.fusion):
        assert part.drop_path_rate == 0.1
    if name == 'werewolf_xl':
        assert model.head.type == 'HFFRegHead'
    else:
        assert model.head.type == 'HFFClsHead'
        assert model.head.label_smoothing == 0.1


def test_vox2_pretraining_pipeline_and_model():
    cfg = Config.fromfile(str(CFG / 'hicmae_base_vox2.py'))
    assert_same_pipeline(cfg.train_dataloader.dataset.pipeline, VOX2_TRAIN,
                         'vox2 train')
    model = cfg.model
    pre = model.data_preprocessor
    assert (tuple(pre.mean), tuple(pre.std)) == (IMAGENET['mean'],
                                                 IMAGENET['std'])
    # norm-pix targets on both modalities, frame-difference video target
    assert model.video_head.norm_pix and model.video_head.frame_diff
    assert model.audio_head.norm_pix
    assert not model.audio_head.get('frame_diff', False)
    contrast = model.contrastive_head
    assert contrast.loss.temperature == 0.07
    assert contrast.loss.gather_across_ranks is False  # per-GPU batch
    assert contrast.loss_weight == 0.0025
    assert tuple(model.contrastive_layers) == (3, 6, 9)
    for key in ('video_encoder', 'audio_encoder'):
        assert model[key].drop_path_rate == 0.
