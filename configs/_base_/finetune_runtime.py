# Runtime of fine-tuning recipes: the default one, keeping the last
# checkpoint and the best by UAR (regression recipes switch to CCC).
_base_ = ['./default_runtime.py']

default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1,
                                     save_best='UAR', rule='greater'))
