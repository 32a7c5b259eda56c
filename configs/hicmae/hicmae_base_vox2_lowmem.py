# The paper's pre-training recipe with less activation memory: selective
# activation checkpointing in every block keeps the matmul and attention
# outputs and recomputes layer norms, GELU and residual sums in backward
# (same numbers). Measured (HiCMAE-Base, batch 2, fp32, CPU): the forward
# keeps 270.5 MiB of activations for backward instead of 360.7 MiB (-25 %);
# the step's peak of live tensors stays 1534.1 MiB, set at this batch by
# the weights and AdamW's moments (docs/performance.md, "Activation
# checkpointing", for the step times and the command):
#   python tools/analysis/benchmark.py model --size base --batch 2 \
#       --steps 3 --warmup 1 [--with-cp selective]
# 'full' instead of 'selective' recomputes whole blocks (--with-cp full
# measures it). Train it:
#   bash tools/dist_train.sh configs/hicmae/hicmae_base_vox2_lowmem.py 4
# A single process (no DDP) in fp32 can also free each gradient at once with
# optim_wrapper=dict(type='BackwardStepOptimWrapper', ...)
# (docs/performance.md).
_base_ = ['./hicmae_base_vox2.py']

_cp = 'selective'
model = dict(
    video_encoder=dict(with_cp=_cp),
    audio_encoder=dict(with_cp=_cp),
    fusion=dict(with_cp=_cp),
    video_decoder=dict(with_cp=_cp),
    audio_decoder=dict(with_cp=_cp))
