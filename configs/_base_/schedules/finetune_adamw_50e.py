# Fine-tuning schedule of the paper (CREMA-D script): AdamW (0.9, 0.999),
# wd 0.05, lr 1e-3 per 256 samples with layer-wise decay 0.75, 5 warm-up
# epochs linear from 0 per iteration, then cosine to 1e-6 (per 256),
# validation every epoch; 50 epochs (CREMA-D); see the _100e and _30e
# variants.
_lr, _min_lr = 1e-3, 1e-6
max_epochs, warmup_epochs = 50, 5
# the authors warm up from exactly 0 (np.linspace(0, lr, iters)); MMEngine's
# chainable LinearLR divides by its start factor, so start at 1e-9 of the lr
# (the same linspace up to 1e-9 of the lr)
warmup_start_factor = 1e-9

optim_wrapper = dict(
    # the authors fine-tune in fp16 with dynamic loss scaling on GPUs; the
    # CPU stays in fp32 (``--amp`` turns on bf16 there)
    type='MixedPrecisionOptimWrapper',
    dtype=dict(cuda='float16', cpu='float32'), loss_scale='dynamic',
    constructor='AVLayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=_lr, betas=(0.9, 0.999),
                   weight_decay=0.05,
                   # one kernel per step instead of a loop of small ops
                   # per tensor: 3x faster AdamW on CPU (measured), on
                   # CUDA too; same update up to rounding
                   fused=True),
    paramwise_cfg=dict(layer_decay_rate=0.75))

param_scheduler = [
    dict(type='LinearLR', start_factor=warmup_start_factor, end_factor=1.0,
         by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min_ratio=_min_lr / _lr,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         T_max=max_epochs - warmup_epochs, convert_to_iter_based=True),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=1)
# validation and test under fp16 autocast on the GPU (the authors' eval);
# full precision: --cfg-options val_cfg.dtype=float32 test_cfg.dtype=float32
_eval_dtype = dict(cuda='float16', cpu='float32')
val_cfg = dict(type='AmpValLoop', dtype=_eval_dtype)
test_cfg = dict(type='AmpTestLoop', dtype=_eval_dtype)

auto_scale_lr = dict(base_batch_size=256, enable=True)
