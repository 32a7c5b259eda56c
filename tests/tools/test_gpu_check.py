"""tools/analysis/gpu_check.py: the peak-FLOP table by exact GPU model,
throughput timed through the runner's iterations (hooks included), and
the 2-process FSDP fp16 save + resume of the loss scaler."""
import argparse

import pytest
from tool_loader import load_tool


@pytest.fixture(scope='module')
def gpu_check():
    return load_tool('analysis/gpu_check.py')


@pytest.mark.parametrize('name, peak', [
    ('NVIDIA L40', 181.), ('NVIDIA L4', 121.), ('NVIDIA L40S', 362.),
    ('NVIDIA H100 PCIe', 756.), ('NVIDIA H100 80GB HBM3', 989.),
    ('NVIDIA H100 NVL', 835.), ('NVIDIA H200', 989.),
    ('NVIDIA H200 NVL', 835.), ('NVIDIA A100-SXM4-80GB', 312.),
    ('NVIDIA GeForce RTX 4090', 165.),
    ('NVIDIA A10G', None), ('NVIDIA L4 Super', None)])
def test_peak_is_matched_by_the_exact_gpu_model(gpu_check, monkeypatch,
                                                name, peak):
    monkeypatch.setattr(gpu_check.torch.cuda, 'get_device_name',
                        lambda *a: name)
    assert gpu_check._peak_tflops('cuda') == peak


def _args(tmp_path):
    return argparse.Namespace(device='cpu', quick=True,
                              work_dir=str(tmp_path))


def test_throughput_is_timed_through_runner_iterations(gpu_check, tmp_path,
                                                       monkeypatch):
    from hicmae.engine.hooks import DataWaitHook
    from hicmae.utils import register_all_modules
    register_all_modules()
    calls = []
    original = DataWaitHook.after_train_iter

    def counted(self, runner, *args, **kwargs):
        calls.append(runner.iter)
        return original(self, runner, *args, **kwargs)

    # a hook of the recipe: it runs inside the timed iterations
    monkeypatch.setattr(DataWaitHook, 'after_train_iter', counted)
    monkeypatch.chdir(gpu_check.ROOT)
    out = gpu_check.bench_pretraining(_args(tmp_path), 'float16', False)
    assert len(calls) == 3  # 1 warm-up + 2 timed iterations
    assert out['steps'] == 2 and out['samples_per_s'] > 0
    assert len(out['losses']) == 3 and out['loss_finite']
    assert out['loss_scale'] > 0


@pytest.mark.slow
def test_fsdp_fp16_step_saves_and_resumes_the_scaler(gpu_check, tmp_path):
    out = gpu_check.run_fsdp_fp16_save_resume(_args(tmp_path))
    assert out['backend'] == 'gloo (CPU)'
    assert out['scaler_resumed']
