# IEMOCAP: 4 emotions (excited merged into happiness), 5 session folds
# (lists/split0{1..5}_{train,test}.csv).
_base_ = ['../av_emotion_loaders.py']

data_root = 'data/iemocap'
_ds = dict(data_root=data_root, metainfo=dict(
    classes=['anger', 'happiness', 'neutral', 'sadness']))
# the authors drop the last incomplete batch in training
train_dataloader = dict(drop_last=True, dataset=_ds)
val_dataloader = dict(dataset=_ds)
test_dataloader = dict(dataset=_ds)
