# RAVDESS: 1,440 audio-visual speech clips of 24 actors, 8 emotions (the
# file names' emotion code minus one), 6 actor-independent folds
# (lists/split0{1..6}_{train,test}.csv). Authors' files:
# path_remap={'/data/ycs/AC/Dataset/RAVDESS': 'data/ravdess'}
_base_ = ['../av_emotion_loaders.py']

data_root = 'data/ravdess'
_ds = dict(data_root=data_root, metainfo=dict(
    classes=['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust',
             'surprised']))
# the authors drop the last incomplete batch in training
train_dataloader = dict(drop_last=True, dataset=_ds)
val_dataloader = dict(dataset=_ds)
test_dataloader = dict(dataset=_ds)
