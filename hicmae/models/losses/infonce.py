"""Symmetric InfoNCE between paired embeddings, optionally across ranks."""
from typing import Optional, Tuple

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from hicmae.registry import MODELS


def gather_with_grad(x: torch.Tensor) -> Tuple[torch.Tensor, int]:
    """All-gather ``x`` over the default group, keeping the local gradient.

    Returns the concatenated tensor and the offset of this rank's rows.
    """
    if not (dist.is_available() and dist.is_initialized()) or \
            dist.get_world_size() == 1:
        return x, 0
    from torch.distributed.nn.functional import all_gather
    parts = all_gather(x)
    return torch.cat(parts, dim=0), dist.get_rank() * x.shape[0]


def gather_ids(ids: torch.Tensor) -> torch.Tensor:
    """All-gather integer ids over the default group (no gradient)."""
    if not (dist.is_available() and dist.is_initialized()) or \
            dist.get_world_size() == 1:
        return ids
    parts = [torch.empty_like(ids) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, ids.contiguous())
    return torch.cat(parts)


def same_video_negatives(ids: torch.Tensor, all_ids: torch.Tensor,
                         offset: int) -> torch.Tensor:
    """``(B, B_all)`` True where a column is another clip of the row's video
    (not the row's own pair): a false negative under repeated sampling."""
    same = ids[:, None] == all_ids[None, :]
    rows = torch.arange(ids.shape[0], device=ids.device)
    same[rows, rows + offset] = False
    return same


@MODELS.register_module()
class InfoNCELoss(nn.Module):
    """CLIP-style loss: ``0.5 * (CE(a·bᵀ/τ) + CE(b·aᵀ/τ))``, diagonal positive.

    With repeated sampling (``num_repeats = k > 1``) the ``k`` clips of one
    video share a batch (and, gathered, other ranks' batches); given the
    samples' video ids, the other clips of a row's video are left out of
    its negatives (their logits set to -inf), on every rank alike.

    Args:
        temperature: fixed softmax temperature τ.
        gather_across_ranks: use every rank's samples as negatives (the
            local samples' positives stay on the diagonal block).
    """

    def __init__(self, temperature: float = 0.07,
                 gather_across_ranks: bool = False) -> None:
        super().__init__()
        self.temperature = temperature
        self.gather_across_ranks = gather_across_ranks

    def logits(self, a: torch.Tensor, b: torch.Tensor,
               video_ids: Optional[torch.Tensor] = None
               ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """L2-normalise, return ``(logits_a, logits_b, targets)``;
        ``video_ids`` (``(B,)`` integers) mask same-video negatives."""
        a = F.normalize(a.float(), dim=-1)
        b = F.normalize(b.float(), dim=-1)
        offset = 0
        all_a, all_b = a, b
        if self.gather_across_ranks:
            all_a, offset = gather_with_grad(a)
            all_b, _ = gather_with_grad(b)
        logits_a = a @ all_b.t() / self.temperature
        logits_b = b @ all_a.t() / self.temperature
        targets = torch.arange(a.shape[0], device=a.device) + offset
        if video_ids is not None:
            video_ids = video_ids.to(a.device)
            all_ids = gather_ids(video_ids) if self.gather_across_ranks \
                else video_ids
            same = same_video_negatives(video_ids, all_ids, offset)
            logits_a = logits_a.masked_fill(same, float('-inf'))
            logits_b = logits_b.masked_fill(same, float('-inf'))
        return logits_a, logits_b, targets

    @staticmethod
    def from_logits(logits_a: torch.Tensor, logits_b: torch.Tensor,
                    targets: torch.Tensor) -> torch.Tensor:
        """The symmetric cross-entropy of two logit matrices."""
        return 0.5 * (F.cross_entropy(logits_a, targets) +
                      F.cross_entropy(logits_b, targets))

    def forward(self, a: torch.Tensor, b: torch.Tensor,
                video_ids: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.from_logits(*self.logits(a, b, video_ids))
