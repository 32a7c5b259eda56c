# Mixing parts: HiCMAE-Base's pre-training recipe with AVF-MAE++'s dual
# masking (VideoMAE V2): the decoders see the visible tokens and half of the
# positions (running cell for video, random for audio) and the loss counts
# the decoded positions the encoder did not see.
_base_ = ['../hicmae/hicmae_base_vox2.py']

model = dict(
    type='DualMaskedHiCMAE',
    video_decoder_masking=dict(type='RunningCellMaskGenerator', ratio=0.5),
    audio_decoder_masking=dict(type='RandomMaskGenerator', ratio=0.5))
