"""Repeated sampling: the other clips of a row's video are not negatives
of InfoNCE, in one process and across gathered ranks (issue 19, item 6)."""
import pytest
import torch
import torch.nn.functional as F
from gloo_ranks import run_ranks

from hicmae.models.losses import InfoNCELoss
from hicmae.registry import MODELS
from tests.conftest import tiny_batch, tiny_model_cfg

TAU = 0.1


def _reference(a, b, ids):
    """The loss written out: row i's negatives are the columns of other
    videos only."""
    a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    total = 0.
    for x, y in ((a, b), (b, a)):
        for i in range(len(ids)):
            keep = [j for j in range(len(ids)) if j == i or ids[j] != ids[i]]
            logits = x[i] @ y[keep].t() / TAU
            total = total - F.log_softmax(logits, 0)[keep.index(i)]
    return total / (2 * len(ids))


def test_same_video_clips_are_left_out_of_the_negatives():
    torch.manual_seed(0)
    a, b = torch.randn(6, 8), torch.randn(6, 8)
    ids = torch.tensor([5, 5, 7, 7, 9, 9])  # k = 2 clips per video
    loss = InfoNCELoss(temperature=TAU)
    logits_a, _, targets = loss.logits(a, b, ids)
    assert torch.isinf(logits_a[0, 1]) and torch.isfinite(logits_a[0, 0])
    assert torch.isfinite(logits_a[0, 2:]).all()
    assert loss(a, b, ids).item() == pytest.approx(
        _reference(a, b, ids.tolist()).item(), rel=1e-5)
    # without ids: the plain loss (every other sample a negative)
    plain = _reference(a, b, list(range(6))).item()
    assert loss(a, b).item() == pytest.approx(plain, rel=1e-5)


def _rank(rank, world, a, b, ids):
    loss = InfoNCELoss(temperature=TAU, gather_across_ranks=True)
    half = len(ids) // world
    part = slice(rank * half, (rank + 1) * half)
    mine_a = a[part].clone().requires_grad_(True)
    value = loss(mine_a, b[part], torch.tensor(ids[part]))
    value.backward()
    return value.item(), mine_a.grad


@pytest.mark.slow
def test_same_video_clips_on_other_ranks_are_left_out_too():
    """Two ranks, features gathered: video 7 has a clip on each rank."""
    torch.manual_seed(1)
    a, b = torch.randn(4, 8), torch.randn(4, 8)
    ids = [3, 7, 7, 8]
    results = run_ranks(_rank, 2, a, b, ids)
    # each rank's loss is its rows' share of the global masked loss
    per_rank = [r[0] for r in results]
    assert sum(per_rank) / 2 == pytest.approx(
        _reference(a, b, ids).item(), rel=1e-5)
    assert all(torch.isfinite(r[1]).all() for r in results)


def test_pretraining_model_passes_the_samples_video_ids():
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg())
    batch = tiny_batch(4)
    for i, sample in enumerate(batch['data_samples']):
        sample.set_metainfo(dict(sample_idx=i // 2))  # 2 clips per video
    seen = []
    original = model.contrastive_head.loss_module.logits

    def spy(a, b, video_ids=None):
        out = original(a, b, video_ids)
        seen.append(out[0])
        return out

    model.contrastive_head.loss_module.logits = spy
    data = model.data_preprocessor(batch, training=True)
    model.loss(**data)
    assert seen and all(torch.isinf(x[0, 1]) and torch.isinf(x[2, 3])
                        and torch.isfinite(x[0, 2]) for x in seen)
