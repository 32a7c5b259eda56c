# MSP-IMPROV: 4 emotions, 6 session-independent folds with a validation
# list (lists/split0{1..6}_{train,val,test}.csv). Authors' files:
# path_remap={'/share/home/sunlicai/AC/Dataset/MSP-IMPROV': 'data/msp-improv'}
# Class order: alphabetical, as we read the authors' lists (not documented).
_base_ = ['../av_emotion_loaders.py']

data_root = 'data/msp-improv'
_ds = dict(data_root=data_root, metainfo=dict(
    classes=['anger', 'happiness', 'neutral', 'sadness']))
# the authors drop the last incomplete batch in training
train_dataloader = dict(drop_last=True, dataset=_ds)
val_dataloader = dict(dataset=_ds)
test_dataloader = dict(dataset=_ds)
val_dataloader = dict(dataset=dict(ann_file='lists/split{fold:02d}_val.csv'))
