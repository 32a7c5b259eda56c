# Pre-train HiCMAE-Tiny on the second generated set (face valence x voice
# arousal, another look):
# python tools/data/make_synthetic_av.py --cue-set valence_arousal4 \
#     --num-per-class 60        (writes data/synthetic_va)
# Everything but the data is the first set's recipe.
_base_ = ['./hicmae_tiny_synthetic_pretrain.py']

data_root = 'data/synthetic_va'
train_dataloader = dict(dataset=dict(data_root=data_root))
