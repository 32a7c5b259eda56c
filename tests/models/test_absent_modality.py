"""An audio-only (video-only) model: the absent modality is neither
decoded, nor uploaded, nor mixed, and mixed targets come with mixed
inputs (issue 19, item 3)."""
import numpy as np
import pytest
import torch
from mmengine.config import Config

from hicmae.datasets.transforms import drop_modalities
from hicmae.registry import MODELS
from hicmae.structures import AVDataSample

FT_CONFIG = 'configs/hicmae/hicmae_tiny_synthetic_finetune.py'


def _recognizer(video: bool, audio: bool):
    enc_v = dict(type='VideoEncoder', img_size=32, num_frames=2,
                 embed_dims=16, depth=1, num_heads=2)
    enc_a = dict(type='AudioEncoder', input_size=(32, 32), embed_dims=16,
                 depth=1, num_heads=2)
    return MODELS.build(dict(
        type='AVRecognizer',
        data_preprocessor=dict(
            type='AVDataPreprocessor',
            batch_augments=dict(type='AVMixup', num_classes=4,
                                mixup_alpha=0.8, cutmix_alpha=0.)),
        video_encoder=enc_v if video else None,
        audio_encoder=enc_a if audio else None,
        fusion=dict(type='CrossModalFusionEncoder', depth=1, num_heads=2),
        head=dict(type='HFFClsHead', num_classes=4)))


def _batch(b=4):
    fill = torch.arange(b, dtype=torch.float32)
    video = fill.view(b, 1, 1, 1, 1).expand(b, 3, 2, 32, 32).to(torch.uint8)
    audio = fill.view(b, 1, 1, 1).expand(b, 1, 32, 32).contiguous()
    samples = [AVDataSample().set_gt_label(i) for i in range(b)]
    return dict(inputs=dict(video=video, audio=audio), data_samples=samples)


@pytest.mark.parametrize('present', ['audio', 'video'])
def test_one_encoder_model_mixes_what_it_reads_and_drops_the_rest(present):
    model = _recognizer(video=present == 'video', audio=present == 'audio')
    np.random.seed(0)
    out = model.data_preprocessor(_batch(), training=True)
    absent = 'video' if present == 'audio' else 'audio'
    assert absent not in out['inputs']
    scores = torch.stack([s.gt_score for s in out['data_samples']])
    off, on = 0.1 / 4, 0.9 + 0.1 / 4  # AVMixup's default smoothing 0.1
    lam = ((scores[0, 0] - off) / (on - off)).item()
    assert scores.max() < 0.95  # the targets are mixed ...
    x = out['inputs'][present]
    # ... and so is the input: sample 0 (zeros) took in sample 3
    assert x[0].abs().sum() > 0
    assert 0 < lam < 1
    # the model trains on it
    wrapper_loss = model.loss(out['inputs'], out['data_samples'])
    assert torch.isfinite(sum(v for k, v in wrapper_loss.items()
                              if k.startswith('loss')))


def test_pipelines_leave_out_the_absent_modality():
    cfg = Config.fromfile(FT_CONFIG)
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    no_video = [t['type'] for t in drop_modalities(
        cfg.train_dataloader.dataset.pipeline, ('video', ))]
    no_audio = [t['type'] for t in drop_modalities(
        cfg.train_dataloader.dataset.pipeline, ('audio', ))]
    assert 'DecodeFrames' in types and 'LoadAudio' in types
    assert no_video == ['OpenVideo', 'SampleClip', 'LoadAudio',
                        'CropAudioSpan', 'KaldiFbank', 'NormalizeFbank',
                        'PackAVInputs']
    assert no_audio == [t for t in types if t not in (
        'LoadAudio', 'CropAudioSpan', 'KaldiFbank', 'NormalizeFbank')]


def test_runner_of_an_audio_only_recipe_never_decodes_video(synthetic,
                                                            tmp_path):
    """Through the runner as tools/train.py builds it: the clips of an
    audio-only fine-tuning recipe carry no frames, in every loader."""
    from hicmae.registry import RUNNERS
    cfg = Config.fromfile(FT_CONFIG)
    cfg.merge_from_dict({
        'model.video_encoder': None, 'model.init_cfg': None,
        'model.audio_encoder.depth': 1, 'work_dir': str(tmp_path),
        'train_dataloader.dataset.data_root': str(synthetic),
        'val_dataloader.dataset.data_root': str(synthetic),
        'test_dataloader.dataset.data_root': str(synthetic),
        'train_dataloader.num_workers': 0, 'val_dataloader.num_workers': 0,
        'test_dataloader.num_workers': 0})
    cfg.train_dataloader.persistent_workers = False
    cfg.val_dataloader.persistent_workers = False
    cfg.test_dataloader.persistent_workers = False
    runner = RUNNERS.build(cfg)  # as tools/train.py builds it
    for loader in (runner.train_dataloader, runner.test_dataloader):
        item = loader.dataset[0]
        assert set(item['inputs']) == {'audio'}
    assert runner.model.data_preprocessor.modalities == ('audio', )
