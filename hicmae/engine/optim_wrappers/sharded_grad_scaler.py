"""The FSDP loss scaler, made safe for fused and capturable optimizers."""
import torch
from torch.distributed.fsdp.sharded_grad_scaler import ShardedGradScaler


class GlobalSkipShardedGradScaler(ShardedGradScaler):
    """``ShardedGradScaler`` whose inf flag fused optimizers can read.

    Under FSDP each rank holds one shard of every gradient, so an overflow
    in a few elements is seen by one rank only. ``ShardedGradScaler``
    agrees across ranks in ``unscale_`` alone: it all-reduces the per-rank
    flags with a SUM, into a tensor of shape ``(1,)``. Fused AdamW reads
    that flag itself (``optimizer.found_inf``) and

    * skips its update only where the flag equals exactly 1, so with two
      or more ranks overflowing (flag 2, 3, ...) it applies the inf
      gradients (NaN weights) and moves its step counter backwards;
    * subtracts the flag from its 0-d step counters in place, which a
      ``(1,)`` flag cannot broadcast into (the shape error of a first
      clipped step).

    After the global agreement, the flag becomes a 0-d 0/1 tensor on the
    same device: no host sync, every rank takes the same skip decision.
    Call ``unscale_`` before every ``step`` (the mixed-precision wrapper
    does).
    """

    def unscale_(self, optimizer: torch.optim.Optimizer) -> None:
        super().unscale_(optimizer)
        if not self._enabled:
            return
        state = self._per_optimizer_states[id(optimizer)]
        state['found_inf_per_device'] = {
            device: flag.clamp(max=1.0).reshape(())
            for device, flag in state['found_inf_per_device'].items()
        }
