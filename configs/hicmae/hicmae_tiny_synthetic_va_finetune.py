# Fine-tune HiCMAE-Tiny on the second generated set (4 classes: face valence
# x voice arousal; python tools/data/make_synthetic_av.py --cue-set
# valence_arousal4 --num-per-class 60 -> data/synthetic_va), starting from
# the pre-training run on that set (hicmae_tiny_synthetic_va_pretrain.py).
# Everything else is the first set's recipe; options as there, e.g.
# from scratch: --cfg-options model.init_cfg=None
# audio only / video only: model.video_encoder=None / model.audio_encoder=None
_base_ = ['./hicmae_tiny_synthetic_finetune.py']

data_root = 'data/synthetic_va'
classes = ['content', 'elated', 'sad', 'angry']

model = dict(
    head=dict(num_classes=4),
    init_cfg=dict(checkpoint='work_dirs/hicmae_tiny_synthetic_va_pretrain/'
                  'epoch_10.pth'))

# the parent's loaders were built from its own data_root / classes
_ds = dict(data_root=data_root, metainfo=dict(classes=classes))
train_dataloader = dict(dataset=_ds)
val_dataloader = dict(dataset=_ds)
test_dataloader = dict(dataset=_ds)
