"""One class count (``model.head.num_classes``) and one regression test.

The mixup takes its class count from the head, the dataset's class names
are checked against it before anything is built, and whether a model
regresses is asked in one way (:func:`head_is_regression`).
"""
import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from hicmae.engine import ConfigError, check_train_config
from hicmae.models.heads import HFFClsHead, head_is_regression
from hicmae.registry import MODELS
from hicmae.structures import AVDataSample

REPO_ROOT = Path(__file__).resolve().parents[2]
RECIPES = REPO_ROOT / 'configs' / 'hicmae'
CREMA_D = RECIPES / 'hicmae_base_finetune_crema_d.py'
WEREWOLF = RECIPES / 'hicmae_base_finetune_werewolf_xl.py'
FINETUNE_RECIPES = sorted(p for p in RECIPES.glob('*finetune*.py'))


def _recognizer(head, batch_augments=None):
    return dict(
        type='AVRecognizer',
        data_preprocessor=dict(type='AVDataPreprocessor',
                               batch_augments=batch_augments),
        video_encoder=dict(type='VideoEncoder', img_size=32, num_frames=4,
                           embed_dims=32, depth=2, num_heads=2),
        audio_encoder=dict(type='AudioEncoder', input_size=(32, 32),
                           embed_dims=32, depth=2, num_heads=2),
        fusion=dict(type='CrossModalFusionEncoder', depth=1, num_heads=2),
        head=head)


def test_mixup_takes_the_class_count_of_the_head():
    model = MODELS.build(_recognizer(
        dict(type='HFFClsHead', num_classes=3),
        dict(type='AVMixup', mixup_alpha=0.8, cutmix_alpha=1.0)))
    assert model.data_preprocessor.batch_augments.num_classes == 3


def test_a_mixup_count_other_than_the_heads_fails_at_build():
    with pytest.raises(ValueError, match=r'num_classes=4.*'
                                         r'model\.head\.num_classes=3'):
        MODELS.build(_recognizer(dict(type='HFFClsHead', num_classes=3),
                                 dict(type='AVMixup', num_classes=4)))


def test_label_mixing_on_a_regression_model_fails_at_build():
    with pytest.raises(ValueError, match='regression'):
        MODELS.build(_recognizer(dict(type='HFFRegHead', num_targets=2),
                                 dict(type='AVMixup')))


@pytest.mark.parametrize('path', FINETUNE_RECIPES, ids=lambda p: p.name)
def test_recipes_state_the_class_count_once(path):
    cfg = Config.fromfile(str(path))
    augments = cfg.model.data_preprocessor.get('batch_augments') or {}
    assert 'num_classes' not in augments
    assert 'num_classes' not in cfg  # no top-level copy
    head = cfg.model.head
    key = 'num_targets' if head_is_regression(head) else 'num_classes'
    # stated in the leaf recipe itself, not inherited from the base model
    assert re.search(rf'\b{key}=', path.read_text()), path.name


def test_the_base_model_carries_no_class_count():
    cfg = Config.fromfile(str(REPO_ROOT / 'configs' / '_base_' / 'models' /
                              'hicmae_base_finetune.py'))
    assert 'num_classes' not in cfg.model.head
    assert 'num_classes' not in (cfg.model.data_preprocessor
                                 .get('batch_augments') or {})


def test_head_and_dataset_class_counts_must_agree(tmp_path):
    cfg = Config.fromfile(str(CREMA_D))
    cfg.merge_from_dict({'model.head.num_classes': 7})
    with pytest.raises(ConfigError) as err:
        check_train_config(cfg)
    message = str(err.value)
    assert 'hicmae_base_finetune_crema_d.py' in message
    assert 'model.head.num_classes=7' in message
    assert '6 class names' in message and 'train_dataloader' in message


def test_matching_counts_pass_the_class_check():
    # the recipe as written gets past the class check to the data check
    with pytest.raises(ConfigError, match='data_root'):
        check_train_config(Config.fromfile(str(CREMA_D)))


def test_regression_head_on_a_class_list_fails(tmp_path):
    cfg = Config.fromfile(str(CREMA_D))
    cfg.model.head = dict(type='HFFRegHead', num_targets=2)
    cfg.model.data_preprocessor.batch_augments = None
    with pytest.raises(ConfigError, match='regression head'):
        check_train_config(cfg)


def test_class_head_on_a_regression_list_fails():
    cfg = Config.fromfile(str(WEREWOLF))
    cfg.model.head = dict(type='HFFClsHead', num_classes=3)
    with pytest.raises(ConfigError, match="task='regression'"):
        check_train_config(cfg)
    cfg = Config.fromfile(str(WEREWOLF))
    cfg.merge_from_dict({'model.head.num_targets': 2})
    with pytest.raises(ConfigError, match=r'num_targets=3.*'
                                          r'model\.head\.num_targets=2'):
        check_train_config(cfg)


@MODELS.register_module(force=True)
class _MSEOnlyRegHead(HFFClsHead):
    """A regression head written without ``loss_type``."""

    is_regression = True

    def loss(self, pred, target):
        return dict(loss_reg=torch.nn.functional.mse_loss(pred, target))

    def predict(self, pred):
        return pred.float()


def test_one_regression_question_for_models_and_configs():
    head = dict(type='_MSEOnlyRegHead', num_classes=2)
    assert head_is_regression(head)
    assert not head_is_regression(dict(type='HFFClsHead', num_classes=2))
    assert head_is_regression(dict(type='HFFRegHead', num_targets=2))
    model = MODELS.build(_recognizer(head)).eval()
    assert model.is_regression and head_is_regression(model.head)
    with torch.no_grad():
        samples = model.predict(dict(video=torch.randn(2, 3, 4, 32, 32),
                                     audio=torch.randn(2, 1, 32, 32)),
                                [AVDataSample(), AVDataSample()])
    assert 'pred_value' in samples[0] and 'pred_label' not in samples[0]
