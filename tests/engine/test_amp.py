"""Mixed precision: the fp16 + loss-scaling path runs on the CPU."""
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from torch import nn

from hicmae.engine import MixedPrecisionOptimWrapper, resolve_dtype
from hicmae.registry import OPTIM_WRAPPERS

FINETUNE = 'configs/_base_/schedules/finetune_adamw_50e.py'


def _wrapper(dtype='float16', **kwargs):
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    optim = torch.optim.AdamW(model.parameters(), lr=1e-2, fused=True)
    return model, MixedPrecisionOptimWrapper(optimizer=optim, dtype=dtype,
                                             **kwargs)


def _step(model, wrapper, scale=1.0):
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    wrapper.update_params(out.float().pow(2).mean() * scale)
    return out


def test_fp16_autocasts_and_scales_on_cpu():
    model, wrapper = _wrapper(loss_scale=dict(init_scale=4.0,
                                              growth_interval=2))
    assert wrapper.loss_scaler.is_enabled()
    out = _step(model, wrapper)
    assert out.dtype == torch.float16
    _step(model, wrapper)
    assert wrapper.loss_scaler.get_scale() == 8.0  # grew after 2 steps
    before = [p.detach().clone() for p in model.parameters()]
    _step(model, wrapper, scale=float('inf'))  # inf gradients
    assert all(torch.equal(b, p) for b, p in zip(before,
                                                 model.parameters()))
    assert wrapper.loss_scaler.get_scale() == 4.0  # backed off, skipped


def test_fp16_scaler_state_is_saved_and_resumed():
    model, wrapper = _wrapper(loss_scale=dict(init_scale=4.0,
                                              growth_interval=1))
    for _ in range(3):
        _step(model, wrapper)
    state = wrapper.state_dict()
    assert state['loss_scaler']['scale'] == 32.0
    _, resumed = _wrapper()
    resumed.load_state_dict(state)
    assert resumed.loss_scaler.get_scale() == 32.0
    assert resumed.loss_scaler.state_dict()['_growth_tracker'] == \
        state['loss_scaler']['_growth_tracker']


@pytest.mark.parametrize('source', ['bfloat16', 'float32', 'plain'])
def test_a_run_without_scaler_state_resumes_in_fp16(source):
    if source == 'plain':
        model = nn.Linear(4, 2)
        saved = OptimWrapper(torch.optim.AdamW(model.parameters()))
    else:
        model, saved = _wrapper(dtype=source)
        assert not saved.loss_scaler.is_enabled()
    _step(model, saved)
    state = saved.state_dict()
    _, fp16 = _wrapper()
    fp16.load_state_dict(state)  # an empty scaler state: a fresh scaler
    assert fp16.loss_scaler.get_scale() == 65536.0
    assert fp16.optimizer.state_dict()['state']
    # and back: an fp16 state into a bf16 run ignores the scaler but keeps
    # the optimizer's moments
    state = fp16.state_dict()
    assert state['loss_scaler']['scale'] == 65536.0
    _, bf16 = _wrapper(dtype='bfloat16')
    bf16.load_state_dict(state)
    assert not bf16.loss_scaler.is_enabled()
    assert bf16.state_dict()['loss_scaler'] == {}
    want = state['state']
    got = bf16.optimizer.state_dict()['state']
    assert got.keys() == want.keys() and want
    for key in want:
        assert torch.equal(got[key]['exp_avg'], want[key]['exp_avg'])
        assert torch.equal(got[key]['exp_avg_sq'], want[key]['exp_avg_sq'])


def test_bf16_and_fp32_need_no_scaler():
    model, bf16 = _wrapper(dtype='bfloat16')
    assert _step(model, bf16).dtype == torch.bfloat16
    model, fp32 = _wrapper(dtype='float32')
    assert _step(model, fp32).dtype == torch.float32
    assert not fp32.loss_scaler.is_enabled()


def test_finetune_recipe_precision_resolves_per_device():
    dtype = Config.fromfile(FINETUNE).optim_wrapper.dtype
    assert resolve_dtype(dtype, 'cuda') == torch.float16
    assert resolve_dtype(dtype, 'cpu') == torch.float32
    with pytest.raises(ValueError, match="'mps'"):
        resolve_dtype(dtype, 'mps')
    _, wrapper = _wrapper(dtype=dict(dtype))
    assert wrapper.cast_dtype == torch.float32  # this machine: CPU
    assert not wrapper.loss_scaler.is_enabled()


def test_not_registered_under_mmengine_names():
    from mmengine.optim import AmpOptimWrapper
    assert 'AmpOptimWrapper' not in OPTIM_WRAPPERS.module_dict
    assert OPTIM_WRAPPERS.get('MixedPrecisionOptimWrapper') is \
        MixedPrecisionOptimWrapper
    assert not issubclass(MixedPrecisionOptimWrapper, AmpOptimWrapper)


def test_train_amp_switch_turns_on_mixed_precision():
    from tool_loader import load_tool
    train = load_tool('train.py')
    wrapper = Config.fromfile(FINETUNE).optim_wrapper
    train.enable_amp(wrapper)
    assert wrapper.type == 'MixedPrecisionOptimWrapper'
    assert wrapper.dtype == dict(cuda='float16', cpu='bfloat16')
    plain = Config(dict(w=dict(type='OptimWrapper', dtype='float16'))).w
    train.enable_amp(plain)
    assert plain.dtype == 'float16'  # what the user asked for stays
