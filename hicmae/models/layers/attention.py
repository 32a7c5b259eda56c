"""Multi-head attention for self- and cross-attention on PyTorch's SDPA."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    """Multi-head attention with BEiT-style ``q_bias``/``v_bias``.

    Self-attention (``context_dims=None``) projects q, k and v with one fused
    ``qkv`` matrix; cross-attention projects the queries with ``q`` and the
    context with a fused ``kv``. Both add a learned bias to q and v only: a
    bias on k shifts every logit of a query by the same amount, which softmax
    cancels, so it is fixed at zero and costs no parameter.

    The product runs through ``F.scaled_dot_product_attention``, which picks a
    fused (flash / memory-efficient) kernel where the device has one. Set
    ``use_sdpa=False`` for the explicit softmax form (a reference for tests
    and benchmarks).

    Args:
        dims: width of the query stream.
        num_heads: number of heads; ``dims`` must divide by it.
        context_dims: width of the context stream for cross-attention, or
            ``None`` for self-attention.
        qkv_bias: learn ``q_bias`` and ``v_bias``.
        attn_drop: dropout on the attention weights (training only).
        proj_drop: dropout after the output projection.
    """

    def __init__(self, dims: int, num_heads: int,
                 context_dims: Optional[int] = None, qkv_bias: bool = True,
                 attn_drop: float = 0., proj_drop: float = 0.,
                 use_sdpa: bool = True) -> None:
        super().__init__()
        if dims % num_heads:
            raise ValueError(f'dims={dims} is not divisible by '
                             f'num_heads={num_heads}')
        self.num_heads = num_heads
        self.head_dims = dims // num_heads
        self.is_cross = context_dims is not None
        self.use_sdpa = use_sdpa
        self.attn_drop = attn_drop
        if self.is_cross:
            self.q = nn.Linear(dims, dims, bias=False)
            self.kv = nn.Linear(context_dims, 2 * dims, bias=False)
        else:
            self.qkv = nn.Linear(dims, 3 * dims, bias=False)
        if qkv_bias:
            self.q_bias = nn.Parameter(torch.zeros(dims))
            self.v_bias = nn.Parameter(torch.zeros(dims))
            self.register_buffer('k_bias', torch.zeros(dims),
                                 persistent=False)
        else:
            self.q_bias = self.v_bias = self.k_bias = None
        self.proj = nn.Linear(dims, dims)
        self.proj_drop = nn.Dropout(proj_drop)

    def _project(self, x: torch.Tensor, context: Optional[torch.Tensor]):
        """Return q, k, v shaped ``(B, heads, N, head_dims)``."""
        b, n, _ = x.shape
        has_bias = self.q_bias is not None
        if self.is_cross:
            if context is None:
                raise ValueError('cross-attention needs a context')
            kv_bias = torch.cat((self.k_bias, self.v_bias)) \
                if has_bias else None
            q = F.linear(x, self.q.weight, self.q_bias)
            kv = F.linear(context, self.kv.weight, kv_bias)
            q = q.view(b, n, self.num_heads, self.head_dims).transpose(1, 2)
            kv = kv.view(b, context.shape[1], 2, self.num_heads,
                         self.head_dims).permute(2, 0, 3, 1, 4)
            k, v = kv.unbind(0)
            return q, k, v
        qkv_bias = torch.cat((self.q_bias, self.k_bias, self.v_bias)) \
            if has_bias else None
        qkv = F.linear(x, self.qkv.weight, qkv_bias)
        qkv = qkv.view(b, n, 3, self.num_heads,
                       self.head_dims).permute(2, 0, 3, 1, 4)
        # unbind, not indexing: the backward of three selects builds three
        # zero-filled copies of the whole qkv tensor and sums them; the
        # backward of unbind stacks the three gradients once
        q, k, v = qkv.unbind(0)
        return q, k, v

    def forward(self, x: torch.Tensor,
                context: Optional[torch.Tensor] = None) -> torch.Tensor:
        q, k, v = self._project(x, context)
        drop = self.attn_drop if self.training else 0.
        if self.use_sdpa:
            out = F.scaled_dot_product_attention(q, k, v, dropout_p=drop)
        else:
            out = explicit_attention(q, k, v, dropout_p=drop)
        out = out.transpose(1, 2).reshape(x.shape[0], x.shape[1], -1)
        return self.proj_drop(self.proj(out))


def explicit_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                       dropout_p: float = 0.) -> torch.Tensor:
    """``softmax(q kᵀ / √d) v`` written out, materialising the weights."""
    weights = (q * q.shape[-1]**-0.5) @ k.transpose(-2, -1)
    weights = weights.softmax(dim=-1)
    if dropout_p > 0:
        weights = F.dropout(weights, p=dropout_p)
    return weights @ v
