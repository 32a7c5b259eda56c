# Runtime of fine-tuning recipes: the default one, keeping the last
# checkpoint and the best by WAR (the authors' selection: top-1 accuracy,
# i.e. WAR; regression recipes switch to CCC). tools/cross_validate.py
# tests both, as the authors do.
_base_ = ['./default_runtime.py']

default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1,
                                     save_best='WAR', rule='greater'))
