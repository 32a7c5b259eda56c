# The paper's pre-training recipe with less activation memory: selective
# activation checkpointing in every block keeps the matmul and attention
# outputs and recomputes layer norms and GELU in backward (same numbers;
# HiCMAE-Base, batch 8, CPU: 25 % fewer activation bytes for about 7 % more
# time, see docs/performance.md). 'full' instead of 'selective'
# recomputes whole blocks: activations nearly vanish, the step costs about a
# third more.
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
