"""Long runs survive kills, bad checkpoints and non-finite losses."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from tiny_finetune import tiny_recognizer_cfg

from hicmae.models.algorithms.base_av_model import NonFiniteLossError
from hicmae.utils import safe_torch_load

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = 'configs/hicmae/hicmae_tiny_synthetic_tensor.py'
# a small, deterministic run: 3 epochs of 4 iterations, no data workers
OPTIONS = ['train_dataloader.dataset.num_samples=16',
           'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
           'train_dataloader.persistent_workers=False',
           'train_cfg.max_epochs=3', 'model.video_encoder.depth=2',
           'model.audio_encoder.depth=2', 'model.contrastive_layers=(0,1)',
           'model.skip_layers=(0,1)', 'model.video_decoder.depth=3',
           'model.audio_decoder.depth=3', 'randomness.deterministic=True',
           'model.video_encoder.drop_path_rate=0.1',
           'default_hooks.logger.interval=1']


def _cmd(work_dir, *extra):
    return [sys.executable, 'tools/train.py', CONFIG, '--work-dir',
            str(work_dir), *extra, '--cfg-options', *OPTIONS]


def _env():
    return dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')


def _weights(path):
    return safe_torch_load(str(path))['state_dict']


@pytest.mark.slow
def test_resume_after_kill_9_equals_an_uninterrupted_run(tmp_path):
    straight = tmp_path / 'straight'
    proc = subprocess.run(_cmd(straight), cwd=REPO_ROOT, env=_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]

    broken = tmp_path / 'killed'
    log = tmp_path / 'killed.log'
    with open(log, 'w') as out:
        run = subprocess.Popen(_cmd(broken), cwd=REPO_ROOT, env=_env(),
                               stdout=out, stderr=subprocess.STDOUT)
    # kill on a condition, whatever the machine's speed: the first
    # iteration of epoch 2 is logged, after epoch_1.pth was written
    deadline = time.time() + 300
    while run.poll() is None and time.time() < deadline and \
            'Epoch(train) [2][1/4]' not in log.read_text():
        time.sleep(0.02)
    assert run.poll() is None, 'the run ended before it could be killed'
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert (broken / 'epoch_1.pth').exists()
    assert not (broken / 'epoch_3.pth').exists(), 'killed too late'

    proc = subprocess.run(_cmd(broken, '--resume'), cwd=REPO_ROOT,
                          env=_env(), capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'resumed epoch' in proc.stdout + proc.stderr
    a, b = _weights(straight / 'epoch_3.pth'), _weights(broken /
                                                        'epoch_3.pth')
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]


def test_resume_skips_a_checkpoint_broken_by_a_kill(tmp_path):
    work = tmp_path / 'work'
    opts = [o.replace('max_epochs=3', 'max_epochs=1') for o in OPTIONS]
    subprocess.run([*_cmd(work)[:-len(OPTIONS)], *opts], cwd=REPO_ROOT,
                   env=_env(), check=True, capture_output=True)
    # a save killed half-way by an older writer: truncated file, pointer
    good = (work / 'epoch_1.pth').read_bytes()
    (work / 'epoch_2.pth').write_bytes(good[:len(good) // 3])
    (work / 'last_checkpoint').write_text(str(work / 'epoch_2.pth'))
    opts = [o.replace('max_epochs=3', 'max_epochs=2') for o in OPTIONS]
    proc = subprocess.run([*_cmd(work, '--resume')[:-len(OPTIONS)], *opts],
                          cwd=REPO_ROOT, env=_env(), capture_output=True,
                          text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert 'cannot be loaded; resuming from' in log
    assert 'epoch_1.pth' in log and 'resumed epoch: 1' in log
    assert safe_torch_load(str(work / 'epoch_2.pth'))['meta']['epoch'] == 2


def test_a_save_that_dies_leaves_the_previous_checkpoint(tmp_path,
                                                         monkeypatch):
    from mmengine.config import Config

    from hicmae.registry import RUNNERS
    from hicmae.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(str(REPO_ROOT / CONFIG))
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.work_dir = str(tmp_path)
    runner = RUNNERS.build(cfg)
    runner.train_loop  # build the loop, optimizer and schedulers
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner.param_schedulers = runner.build_param_scheduler(
        runner.param_schedulers)
    runner.save_checkpoint(str(tmp_path), 'epoch_1.pth')
    before = (tmp_path / 'epoch_1.pth').read_bytes()

    def dying_save(obj, f, *args, **kwargs):
        f.write(b'partial')
        raise KeyboardInterrupt('killed during the save')
    monkeypatch.setattr(torch, 'save', dying_save)
    with pytest.raises(KeyboardInterrupt):
        runner.save_checkpoint(str(tmp_path), 'epoch_1.pth')
    assert (tmp_path / 'epoch_1.pth').read_bytes() == before


def _tiny_recognizer(**guard):
    from hicmae.registry import MODELS
    from hicmae.utils import register_all_modules
    register_all_modules()
    return MODELS.build(dict(
        tiny_recognizer_cfg(size=32, frames=4, dims=32, depth=2,
                            num_classes=3, mixup=False), **guard))


def _batch(nan: bool):
    from hicmae.structures import AVDataSample
    audio = torch.randn(2, 1, 32, 32)
    if nan:
        audio[0, 0, 0, 0] = float('nan')
    return dict(inputs=dict(video=torch.randint(0, 255, (2, 3, 4, 32, 32),
                                                dtype=torch.uint8),
                            audio=audio),
                data_samples=[AVDataSample().set_gt_label(i)
                              for i in range(2)])


def _wrapper(model):
    from mmengine.optim import OptimWrapper
    return OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3))


def test_non_finite_loss_stops_before_touching_the_weights():
    model = _tiny_recognizer(nonfinite_check_interval=1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(NonFiniteLossError, match=r'iteration .*loss_cls=nan'):
        model.train_step(_batch(nan=True), _wrapper(model))
    assert all(torch.equal(before[k], v)
               for k, v in model.state_dict().items())


def test_non_finite_loss_is_found_at_the_check_or_before_a_save():
    model = _tiny_recognizer(nonfinite_check_interval=3)
    wrapper = _wrapper(model)
    model.train_step(_batch(nan=False), wrapper)
    model.train_step(_batch(nan=True), wrapper)  # recorded, not read yet
    with pytest.raises(NonFiniteLossError, match=r'loss_cls=nan'):
        model.train_step(_batch(nan=False), wrapper)  # the third: a check
    model = _tiny_recognizer(nonfinite_check_interval=100)
    wrapper = _wrapper(model)
    model.train_step(_batch(nan=True), wrapper)
    with pytest.raises(NonFiniteLossError):
        model.state_dict()  # a checkpoint save never follows a bad step
    model.state_dict()  # reported once


def test_non_finite_loss_skip_mode_has_a_cap():
    model = _tiny_recognizer(on_nonfinite_loss='skip',
                             max_nonfinite_skips=2)
    wrapper = _wrapper(model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    for _ in range(2):
        model.train_step(_batch(nan=True), wrapper)
    assert all(torch.equal(before[k], v)
               for k, v in model.state_dict().items())
    model.train_step(_batch(nan=False), wrapper)  # normal steps go on
    assert not torch.equal(before['head.fc.weight'],
                           model.state_dict()['head.fc.weight'])
    with pytest.raises(NonFiniteLossError):
        model.train_step(_batch(nan=True), wrapper)


class _StateOnAnotherDevice:
    """Stands for a generator state that MMEngine loaded onto a GPU: only
    a copy to the host (``.to(device='cpu', ...)``) turns it back into a
    tensor ``torch.set_rng_state`` accepts."""

    def __init__(self, state: torch.Tensor) -> None:
        self.state = state

    def to(self, device=None, dtype=None, **kwargs):
        assert torch.device(device).type == 'cpu'
        return self.state.to(dtype=dtype or self.state.dtype)


def test_rng_states_are_restored_from_host_copies(monkeypatch):
    import random
    from unittest import mock

    from hicmae.engine import RNGStateHook
    hook = RNGStateHook()
    checkpoint = {}
    hook.before_save_checkpoint(None, checkpoint)
    expected = torch.get_rng_state()
    state = checkpoint['meta']['rng_state']
    state['torch'] = _StateOnAnotherDevice(state['torch'])
    reached = []

    def set_rng_state(new_state):
        reached.append(new_state)
    monkeypatch.setattr(torch, 'set_rng_state', set_rng_state)
    random.random()
    hook.after_load_checkpoint(mock.MagicMock(), checkpoint)
    assert len(reached) == 1
    assert isinstance(reached[0], torch.Tensor)
    assert reached[0].device.type == 'cpu'
    assert reached[0].dtype == torch.uint8
    assert torch.equal(reached[0], expected)
