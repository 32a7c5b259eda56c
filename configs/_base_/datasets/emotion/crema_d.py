# CREMA-D: 7,442 clips of 91 actors, 6 emotions, 5 speaker-independent
# folds (lists: lists/split0{1..5}_{train,test}.csv). The authors' split
# files work unchanged with
#   path_remap={'/data/ycs/AC/Dataset/CREMA-D': 'data/crema-d'}
_base_ = ['../av_emotion_loaders.py']

data_root = 'data/crema-d'
_ds = dict(data_root=data_root, metainfo=dict(
    classes=['anger', 'disgust', 'fear', 'happy', 'neutral', 'sad']))
# the authors drop the last incomplete batch in training
train_dataloader = dict(drop_last=True, dataset=_ds)
val_dataloader = dict(dataset=_ds)
test_dataloader = dict(dataset=_ds)
