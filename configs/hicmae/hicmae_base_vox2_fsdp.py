# The paper's recipe with fully sharded data parallelism (MMEngine's
# FlexibleRunner, hicmae's subclass with atomic checkpoint writes):
# parameters, gradients and optimizer state are sharded over the GPUs, for
# models or batches that outgrow one GPU.
#   bash tools/dist_train.sh configs/hicmae/hicmae_base_vox2_fsdp.py 8
# Without CUDA (tests) it runs on the CPU with gloo.
_base_ = ['./hicmae_base_vox2.py']

runner_type = 'HiCMAEFlexibleRunner'
strategy = dict(
    # MMEngine's FSDPStrategy with a working --resume (scoped name: the
    # runner builds its strategy before it sets the default scope)
    type='hicmae.HiCMAEFSDPStrategy',
    model_wrapper=dict(
        # shard every transformer block separately (scoped name: MMEngine
        # looks wrap policies up in its root registry)
        auto_wrap_policy=dict(type='hicmae.transformer_block_wrap_policy'),
        use_orig_params=True,
        # gather the weights in half precision for the forward/backward,
        # reduce-scatter the gradients in fp32 (fp16 sums of 8+ ranks lose
        # precision or overflow); bf16 where a CPU runs it (tests)
        mixed_precision=dict(
            param_dtype=dict(cuda='float16', cpu='bfloat16'),
            reduce_dtype='float32', buffer_dtype='float32')),
)
# FSDP shards the optimizer itself; the AMP wrapper's scaler is sharded too
optim_wrapper = dict(type='MixedPrecisionOptimWrapper',
                     dtype=dict(cuda='float16', cpu='bfloat16'),
                     loss_scale='dynamic', use_fsdp=True)
