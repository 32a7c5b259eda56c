"""Pixel / spectrogram reconstruction targets and loss."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseModule

from hicmae.registry import MODELS
from ..layers.token_select import check_mask, gather_tokens, split_indices


def patchify(x: torch.Tensor, patch_size: Sequence[int]) -> torch.Tensor:
    """Cut ``(B, C, *S)`` into ``(B, N, P, C)`` patches.

    Tokens are ordered like the patch embedding's (row-major over the patch
    grid) and values within a patch row-major over ``patch_size``.
    """
    b, c, *spatial = x.shape
    k = len(patch_size)
    if len(spatial) != k or any(s % p for s, p in zip(spatial, patch_size)):
        raise ValueError(f'input {tuple(x.shape)} cannot be cut into '
                         f'{tuple(patch_size)} patches')
    shape = [b, c]
    for s, p in zip(spatial, patch_size):
        shape += [s // p, p]
    x = x.reshape(shape)
    # (B, C, n1, p1, ..., nk, pk) -> (B, n1..nk, p1..pk, C)
    order = [0] + [2 + 2 * i for i in range(k)] + \
        [3 + 2 * i for i in range(k)] + [1]
    x = x.permute(order)
    num_tokens = x.shape[1:1 + k].numel()
    return x.reshape(b, num_tokens, -1, c)


@MODELS.register_module()
class ReconstructionHead(BaseModule):
    """Targets and masked MSE for one modality's masked reconstruction.

    The target of each hidden token is its patch, optionally normalised per
    patch and channel (mean, unbiased std + 1e-6), flattened as
    ``(*patch, channel)``. With ``frame_diff=True`` (video), every frame of a
    tubelet but the first is replaced by its difference to the first,
    computed on the normalised values.

    Args:
        patch_size: patch extent per input dimension, e.g. ``(2, 16, 16)``
            for tubelets or ``(16, 16)`` for spectrogram patches.
        norm_pix: per-patch normalisation of the target.
        frame_diff: frame-difference target (first patch axis is time).
        unnormalize_mean: if given with ``unnormalize_std``, the input is
            mapped back with ``x * std + mean`` (per channel) before the
            target is taken, e.g. ImageNet statistics for video in ``[0, 1]``.
        unnormalize_std: see ``unnormalize_mean``.
        loss_weight: factor on the MSE.
    """

    def __init__(self, patch_size: Sequence[int], norm_pix: bool = True,
                 frame_diff: bool = False,
                 unnormalize_mean: Optional[Sequence[float]] = None,
                 unnormalize_std: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if frame_diff and len(patch_size) < 2:
            raise ValueError('frame_diff needs a temporal patch axis')
        if (unnormalize_mean is None) != (unnormalize_std is None):
            raise ValueError('give both unnormalize_mean and unnormalize_std '
                             'or neither')
        self.patch_size = tuple(patch_size)
        self.norm_pix = norm_pix
        self.frame_diff = frame_diff
        self.loss_weight = loss_weight
        if unnormalize_mean is not None:
            self.register_buffer('mean', torch.tensor(unnormalize_mean),
                                 persistent=False)
            self.register_buffer('std', torch.tensor(unnormalize_std),
                                 persistent=False)
        else:
            self.mean = self.std = None

    @torch.no_grad()
    def target(self, inputs: torch.Tensor, mask: torch.Tensor,
               num_hidden: Optional[int] = None) -> torch.Tensor:
        """``(B, N_hidden, P * C)`` targets of the hidden tokens
        (``num_hidden`` per sample: read from ``mask``, a device sync, when
        not given)."""
        x = inputs.float()
        if self.mean is not None:
            view = (1, -1) + (1, ) * (x.dim() - 2)
            x = x * self.std.view(view) + self.mean.view(view)
        patches = patchify(x, self.patch_size)  # (B, N, P, C)
        if self.norm_pix:
            mean = patches.mean(dim=-2, keepdim=True)
            std = patches.var(dim=-2, unbiased=True, keepdim=True).sqrt()
            patches = (patches - mean) / (std + 1e-6)
        b, n, _, c = patches.shape
        if self.frame_diff:
            t = self.patch_size[0]
            grouped = patches.reshape(b, n, t, -1, c)
            first = grouped[:, :, :1]
            grouped = torch.cat([first, grouped[:, :, 1:] - first], dim=2)
            patches = grouped.reshape(b, n, -1, c)
        patches = patches.reshape(b, n, -1)
        check_mask(mask, b, n)
        return gather_tokens(patches, split_indices(mask, num_hidden)[1])

    def loss(self, pred: torch.Tensor, inputs: torch.Tensor,
             mask: torch.Tensor, num_hidden: Optional[int] = None
             ) -> torch.Tensor:
        """Mean squared error between ``pred`` and the hidden targets."""
        target = self.target(inputs, mask, num_hidden)
        if pred.shape != target.shape:
            raise ValueError(f'prediction {tuple(pred.shape)} and target '
                             f'{tuple(target.shape)} differ; the decoder '
                             'out_channels must equal prod(patch_size) * C')
        err = pred.float() - target
        return self.loss_weight * err.pow(2).mean()

    def dual_mask_loss(self, pred: torch.Tensor, inputs: torch.Tensor,
                       mask: torch.Tensor, decode_mask: torch.Tensor,
                       num_skipped: Optional[int] = None) -> torch.Tensor:
        """Dual masking: ``pred`` holds the *decoded* tokens (``decode_mask``
        False, token order); the squared error, averaged per token, is
        averaged over those of them the encoder did not see (``mask``
        True), as VideoMAE V2 / AVF-MAE++."""
        num_decoded = None if num_skipped is None else \
            decode_mask.shape[1] - num_skipped
        target = self.target(inputs, ~decode_mask, num_decoded)
        if pred.shape != target.shape:
            raise ValueError(f'prediction {tuple(pred.shape)} and target '
                             f'{tuple(target.shape)} of the decoded tokens '
                             'differ')
        decoded = split_indices(~decode_mask, num_decoded)[1]
        counted = gather_tokens(mask, decoded).float()
        per_token = (pred.float() - target).pow(2).mean(dim=-1)
        # clamp: a batch where every decoded token was visible gives 0
        return self.loss_weight * (per_token * counted).sum() / \
            counted.sum().clamp(min=1)
