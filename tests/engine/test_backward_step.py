"""BackwardStepOptimWrapper: AdamW inside backward equals AdamW after it."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from hicmae.engine import BackwardStepOptimWrapper


def _model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.LayerNorm(16), nn.GELU(),
                         nn.Linear(16, 3))


def _groups(model: nn.Module) -> list:
    # two groups, as the layer-decay / no-decay constructors make them
    decay = [p for n, p in model.named_parameters() if n.endswith('weight')
             and p.ndim == 2]
    rest = [p for n, p in model.named_parameters()
            if not (n.endswith('weight') and p.ndim == 2)]
    return [dict(params=decay, weight_decay=0.05),
            dict(params=rest, weight_decay=0.0, lr=3e-3)]


@pytest.mark.parametrize('fused', [False, True])
def test_updates_equal_a_normal_adamw_step(fused):
    ref, mine = _model(), _model()
    opt_ref = OptimWrapper(torch.optim.AdamW(
        _groups(ref), lr=1e-2, betas=(0.9, 0.95), fused=fused))
    opt_mine = BackwardStepOptimWrapper(torch.optim.AdamW(
        _groups(mine), lr=1e-2, betas=(0.9, 0.95), fused=fused))
    gen = torch.Generator().manual_seed(1)
    for step in range(5):
        x = torch.randn(8, 6, generator=gen)
        if step == 3:  # a scheduler changing the lr is seen by the hooks
            for wrapper in (opt_ref, opt_mine):
                for group in wrapper.optimizer.param_groups:
                    group['lr'] *= 0.5
        for model, wrapper in ((ref, opt_ref), (mine, opt_mine)):
            wrapper.update_params(model(x).pow(2).mean())
    for a, b in zip(ref.parameters(), mine.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)
        assert b.grad is None  # freed right after its update
    # the state is AdamW's: a normal optimizer can take it over (resume)
    state = opt_mine.optimizer.state_dict()
    assert state['state'][0]['step'].item() == 5
    fresh = torch.optim.AdamW(_groups(_model()), lr=1e-2, fused=fused)
    fresh.load_state_dict(state)


def test_refuses_what_needs_all_gradients_first():
    model = _model()
    with pytest.raises(ValueError, match='clip'):
        BackwardStepOptimWrapper(torch.optim.AdamW(model.parameters()),
                                 clip_grad=dict(max_norm=1.0))
    with pytest.raises(ValueError, match='accumulate'):
        BackwardStepOptimWrapper(torch.optim.AdamW(model.parameters()),
                                 accumulative_counts=2)
    with pytest.raises(TypeError, match='AdamW'):
        BackwardStepOptimWrapper(torch.optim.SGD(model.parameters(), lr=1))
