# Mixing parts: HiCMAE-Base's pre-training recipe (hicmae_base_vox2.py)
# with AVF-MAE++'s iterative audio-visual correlation fusion in place of
# HiCMAE's cross-modal fusion; nothing else changes.
_base_ = ['../hicmae/hicmae_base_vox2.py']

model = dict(fusion=dict(_delete_=True, type='IterativeCorrelationFusion',
                         depth=2, num_heads=8, norm_eps=1e-6))
