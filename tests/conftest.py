"""Shared helpers for the hicmae test suite: paths, tiny configs, batches."""
import copy
import os
import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# Keep the two CPU cores for the test process itself.
torch.set_num_threads(min(2, torch.get_num_threads()))

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Geometry of the tiny model: 4 frames of 64x64 -> 2x4x4 = 32 video tokens,
# a 64x64 filterbank -> 4x4 = 16 audio tokens.
TINY_FRAMES = 4
TINY_IMG = 64
TINY_AUDIO = (64, 64)
TINY_VIDEO_GRID = (TINY_FRAMES // 2, TINY_IMG // 16, TINY_IMG // 16)
TINY_AUDIO_TOKENS = (TINY_AUDIO[0] // 16) * (TINY_AUDIO[1] // 16)
TINY_VIDEO_RATIO = 0.75  # 12 of 16 tokens hidden per frame
TINY_AUDIO_RATIO = 0.5


def shared_dir() -> Path:
    """``shared/`` next to the repository, or ``$HICMAE_SHARED``."""
    env = os.environ.get('HICMAE_SHARED')
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / 'shared'


def tiny_model_cfg(**overrides) -> dict:
    """A HiCMAE config small enough for many CPU forward passes."""
    cfg = dict(
        type='HiCMAE',
        data_preprocessor=dict(type='AVDataPreprocessor'),
        video_encoder=dict(type='VideoEncoder', img_size=TINY_IMG,
                           num_frames=TINY_FRAMES, tubelet_size=2,
                           patch_size=16, embed_dims=32, depth=4,
                           num_heads=2),
        audio_encoder=dict(type='AudioEncoder', input_size=TINY_AUDIO,
                           patch_size=16, embed_dims=32, depth=4,
                           num_heads=2),
        fusion=dict(type='CrossModalFusionEncoder', depth=1, num_heads=2),
        video_decoder=dict(type='HierarchicalDecoder', embed_dims=16,
                           depth=4, num_heads=2),
        audio_decoder=dict(type='HierarchicalDecoder', embed_dims=16,
                           depth=4, num_heads=2),
        video_head=dict(type='ReconstructionHead', norm_pix=True,
                        frame_diff=True, unnormalize_mean=IMAGENET_MEAN,
                        unnormalize_std=IMAGENET_STD),
        audio_head=dict(type='ReconstructionHead', norm_pix=True),
        contrastive_head=dict(type='HierarchicalContrastiveHead',
                              loss=dict(type='InfoNCELoss',
                                        temperature=0.07),
                              loss_weight=0.0025),
        video_masking=dict(type='TubeMaskGenerator', ratio=TINY_VIDEO_RATIO),
        audio_masking=dict(type='RandomMaskGenerator',
                           ratio=TINY_AUDIO_RATIO),
        contrastive_layers=(1, 2, 3),
        skip_layers=(1, 2, 3),
    )
    cfg.update(copy.deepcopy(overrides))
    return cfg


def tiny_masks(batch_size: int, seed: int = 0) -> tuple:
    """Video tube and audio random masks of the tiny model (CPU)."""
    from hicmae.models.masking import RandomMaskGenerator, TubeMaskGenerator
    gen = torch.Generator().manual_seed(seed)
    video = TubeMaskGenerator(TINY_VIDEO_RATIO)(TINY_VIDEO_GRID, batch_size,
                                                'cpu', gen)
    audio = RandomMaskGenerator(TINY_AUDIO_RATIO)((TINY_AUDIO_TOKENS, ),
                                                  batch_size, 'cpu', gen)
    return video, audio


def tiny_batch(batch_size: int = 4, seed: int = 0,
               with_masks: bool = True) -> dict:
    """A collated batch as the dataloader delivers it (uint8 video); with
    fixed masks in the samples, or none (the model then draws them)."""
    from hicmae.structures import AVDataSample
    gen = torch.Generator().manual_seed(seed)
    video = torch.randint(0, 256, (batch_size, 3, TINY_FRAMES, TINY_IMG,
                                   TINY_IMG), generator=gen,
                          dtype=torch.uint8)
    audio = torch.randn((batch_size, 1, *TINY_AUDIO), generator=gen) * 0.5
    v_masks, a_masks = tiny_masks(batch_size, seed)
    samples = []
    for i in range(batch_size):
        sample = AVDataSample()
        if with_masks:
            sample.set_masks(v_masks[i], a_masks[i])
        sample.set_gt_label(i % 2)
        samples.append(sample)
    return dict(inputs=dict(video=video, audio=audio), data_samples=samples)


@pytest.fixture(scope='session', autouse=True)
def _registered():
    """Import every registered module and set the ``hicmae`` scope."""
    from hicmae.utils import register_all_modules
    register_all_modules()


@pytest.fixture(scope='session')
def shared() -> Path:
    path = shared_dir()
    if not (path / 'reference').is_dir():
        message = f'shared reference material not found at {path}'
        # CI has shared/ beside the checkout: there, missing means broken
        if os.environ.get('HICMAE_REQUIRE_SHARED'):
            pytest.fail(message)
        pytest.skip(message + ' (set HICMAE_SHARED to its path)')
    return path


@pytest.fixture
def make_tiny_cfg():
    return tiny_model_cfg


@pytest.fixture
def make_batch():
    return tiny_batch


@pytest.fixture
def build_tiny():
    """Build a tiny HiCMAE (seeded), optionally with config overrides."""
    from hicmae.registry import MODELS

    def _build(seed: int = 0, **overrides):
        torch.manual_seed(seed)
        return MODELS.build(tiny_model_cfg(**overrides))

    return _build


# The synthetic recognizer with 2-block encoders: for the inference, feature
# and face-crop tests, which need a fine-tuned-layout checkpoint, not a
# trained one.
SYNTHETIC_FT_CONFIG = str(
    REPO_ROOT / 'configs/hicmae/hicmae_tiny_synthetic_finetune.py')
SMALL_RECOGNIZER = {'model.video_encoder.depth': 2,
                    'model.audio_encoder.depth': 2}


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory) -> str:
    """A fine-tuned-layout checkpoint of the small synthetic recognizer."""
    from hicmae.apis import init_model
    torch.manual_seed(0)
    model = init_model(SYNTHETIC_FT_CONFIG, None,
                       cfg_options=SMALL_RECOGNIZER)
    path = tmp_path_factory.mktemp('ckpt') / 'ft.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


@pytest.fixture(scope='module')
def synthetic(tmp_path_factory) -> Path:
    """A tiny synthetic audio-visual set (3 clips per class, 64 px)."""
    from hicmae.data_prep.synthetic_av import make_synthetic_av
    root = tmp_path_factory.mktemp('synthetic')
    make_synthetic_av(str(root), num_per_class=3, size=64, duration=2.6,
                      seed=1, overwrite=True)
    return root
