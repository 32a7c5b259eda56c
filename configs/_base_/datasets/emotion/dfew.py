# DFEW: 16,372 movie clips, 7 emotions, 5 folds (DFEW's label order,
# 1-7 in its annotations, minus one); lists/split0{1..5}_{train,test}.csv.
_base_ = ['../av_emotion_loaders.py']

data_root = 'data/dfew'
_ds = dict(data_root=data_root, metainfo=dict(
    classes=['happy', 'sad', 'neutral', 'angry', 'surprise', 'disgust',
             'fear']))
# the authors drop the last incomplete batch in training
train_dataloader = dict(drop_last=True, dataset=_ds)
val_dataloader = dict(dataset=_ds)
test_dataloader = dict(dataset=_ds)
