# MAFW (single-label): 9,172 clips in the wild, 11 emotions, 5 folds
# (lists/split0{1..5}_{train,test}.csv; label order of the authors' lists).
# Authors' files: path_remap={'/data/ycs/AC/Dataset/MAFW/data': 'data/mafw'}
_base_ = ['../av_emotion_loaders.py']

data_root = 'data/mafw'
_ds = dict(data_root=data_root, metainfo=dict(
    classes=['anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness',
             'surprise', 'contempt', 'anxiety', 'helplessness',
             'disappointment']))
# the authors drop the last incomplete batch in training
train_dataloader = dict(drop_last=True, dataset=_ds)
val_dataloader = dict(dataset=_ds)
test_dataloader = dict(dataset=_ds)
