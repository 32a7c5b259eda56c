# Data loaders of an emotion benchmark in the authors' list format
# (`<video> <audio> <label...>`). A benchmark config inherits this and sets
# its dataset fields once for all three loaders: data_root, classes (or
# task='regression'), fold and list names. Lists holding absolute paths
# from another machine (the authors' split files) are re-rooted with
# path_remap={old_prefix: new_prefix}.
_base_ = ['./av_finetune_pipelines.py']

batch_size = 14

_loader = dict(
    batch_size=batch_size,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    collate_fn=dict(type='default_collate'))
_dataset = dict(type='AVEmotionDataset', fold=1)

train_dataloader = dict(
    **_loader,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**_dataset, ann_file='lists/split{fold:02d}_train.csv',
                 on_bad_sample='skip', pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    **_loader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**_dataset, ann_file='lists/split{fold:02d}_test.csv',
                 test_mode=True, num_views={{_base_.test_views}},
                 pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader

val_evaluator = dict(type='AVClsMetric')
test_evaluator = dict(type='AVClsMetric', with_per_class=True)
