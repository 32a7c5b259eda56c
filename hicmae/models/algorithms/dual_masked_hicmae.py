"""HiCMAE pre-training with dual masking (encoder and decoder masks)."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from hicmae.registry import MODELS
from hicmae.structures import AVDataSample
from .hicmae import HiCMAE, _head_view


@MODELS.register_module()
class DualMaskedHiCMAE(HiCMAE):
    """:class:`HiCMAE` whose decoders see only part of the tokens.

    Besides the encoder masks, a *decoder mask* per modality (``True`` =
    not decoded) is taken from the data samples (``video_decode_mask`` /
    ``audio_decode_mask``, with ``*_num_skipped`` in their metainfo) or
    drawn by the ``*_decoder_masking`` generator on the encoders' grids.
    Each decoder then gets the visible tokens plus one mask token per
    decoded position and predicts the decoded positions; the
    reconstruction loss averages over those of them the encoder did not
    see. A modality with neither a generator nor sample masks is decoded
    as in :class:`HiCMAE`. AVF-MAE++ uses a running-cell video mask and a
    random audio mask, both ratio 0.5.

    Args:
        video_decoder_masking / audio_decoder_masking: decoder-mask
            generator configs (e.g. ``dict(type='RunningCellMaskGenerator',
            ratio=0.5)``) or ``None``.
        Remaining arguments: see :class:`HiCMAE`.
    """

    def __init__(self, *args, video_decoder_masking: Optional[dict] = None,
                 audio_decoder_masking: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.video_decoder_masking = self._build_generator(
            video_decoder_masking, self.video_encoder)
        self.audio_decoder_masking = self._build_generator(
            audio_decoder_masking, self.audio_encoder)

    @staticmethod
    def _build_generator(cfg: Optional[dict], encoder):
        if cfg is None:
            return None
        masking = MODELS.build(cfg)
        # fail at build time on a grid the generator cannot cut
        masking.num_hidden(encoder.patch_embed.grid_size)
        return masking

    def _decode_mask(self, modality: str, x: torch.Tensor,
                     data_samples: Optional[Sequence[AVDataSample]]
                     ) -> Tuple[Optional[torch.Tensor], Optional[int]]:
        key = f'{modality}_decode_mask'
        samples = list(data_samples or ())
        present = [key in s for s in samples]
        if present and all(present):
            counts = {s.metainfo.get(f'{modality}_num_skipped')
                      for s in samples}
            count = counts.pop() if len(counts) == 1 else None
            return (torch.stack([s.get(key) for s in samples]).to(x.device),
                    count)
        if any(present):
            raise ValueError(f'{sum(present)} of {len(present)} data samples '
                             f'carry a {key!r}: give every sample one or '
                             'none')
        masking = getattr(self, f'{modality}_decoder_masking')
        if masking is None:
            return None, None
        grid = getattr(self, f'{modality}_encoder').patch_embed.grid_size
        return masking(grid, x.shape[0], x.device), masking.num_hidden(grid)

    def forward_outputs(self, video: torch.Tensor, audio: torch.Tensor,
                        video_mask: torch.Tensor, audio_mask: torch.Tensor,
                        video_num_hidden: Optional[int] = None,
                        audio_num_hidden: Optional[int] = None,
                        video_decode_mask: Optional[torch.Tensor] = None,
                        audio_decode_mask: Optional[torch.Tensor] = None,
                        video_num_skipped: Optional[int] = None,
                        audio_num_skipped: Optional[int] = None
                        ) -> Dict[str, object]:
        """As :meth:`HiCMAE.forward_outputs`; with decoder masks the
        predictions are those of the decoded tokens. Also returns the
        encoder and fusion outputs (``enc_*``, ``fused_*``)."""
        v_tokens, v_feats = self.video_encoder(video, video_mask,
                                               video_num_hidden)
        a_tokens, a_feats = self.audio_encoder(audio, audio_mask,
                                               audio_num_hidden)
        v_fused, a_fused = self.fusion(v_tokens, a_tokens)
        v_skips = [self._layer(v_feats, i) for i in self.skip_layers]
        a_skips = [self._layer(a_feats, i) for i in self.skip_layers]
        return dict(
            pred_video=self.video_decoder(
                v_fused, video_mask, v_skips, video_num_hidden,
                video_decode_mask, video_num_skipped),
            pred_audio=self.audio_decoder(
                a_fused, audio_mask, a_skips, audio_num_hidden,
                audio_decode_mask, audio_num_skipped),
            con_video=[self._layer(v_feats, i)
                       for i in self.contrastive_layers],
            con_audio=[self._layer(a_feats, i)
                       for i in self.contrastive_layers],
            enc_video=v_tokens, enc_audio=a_tokens,
            fused_video=v_fused, fused_audio=a_fused)

    def _unpack(self, inputs: dict, data_samples) -> Tuple:
        video, audio, v_mask, a_mask, v_hidden, a_hidden = super()._unpack(
            inputs, data_samples)
        v_dec, v_skip = self._decode_mask('video', video, data_samples)
        a_dec, a_skip = self._decode_mask('audio', audio, data_samples)
        return (video, audio, v_mask, a_mask, v_hidden, a_hidden, v_dec,
                a_dec, v_skip, a_skip)

    def _rec_loss(self, head, pred, x, mask, hidden, dec, skipped):
        if dec is None:
            return head.loss(pred, x, mask, hidden)
        return head.dual_mask_loss(pred, x, mask, dec, skipped)

    def loss(self, inputs: dict, data_samples: Sequence[AVDataSample]
             ) -> Dict[str, torch.Tensor]:
        (video, audio, v_mask, a_mask, v_hidden, a_hidden, v_dec, a_dec,
         v_skip, a_skip) = self._unpack(inputs, data_samples)
        out = self.forward_outputs(video, audio, v_mask, a_mask, v_hidden,
                                   a_hidden, v_dec, a_dec, v_skip, a_skip)
        losses = dict(
            loss_rec_video=self._rec_loss(self.video_head, out['pred_video'],
                                          video, v_mask, v_hidden, v_dec,
                                          v_skip),
            loss_rec_audio=self._rec_loss(self.audio_head, out['pred_audio'],
                                          audio, a_mask, a_hidden, a_dec,
                                          a_skip))
        if self.contrastive_head is not None:
            losses.update(self.contrastive_head.loss(
                out['con_video'], out['con_audio'], self.contrastive_layers))
        return losses

    def predict(self, inputs: dict, data_samples: Sequence[AVDataSample]
                ) -> List[AVDataSample]:
        """As :meth:`HiCMAE.predict`, the predictions and targets being
        those of the decoded tokens where a decoder mask applies."""
        (video, audio, v_mask, a_mask, v_hidden, a_hidden, v_dec, a_dec,
         v_skip, a_skip) = self._unpack(inputs, data_samples)
        out = self.forward_outputs(video, audio, v_mask, a_mask, v_hidden,
                                   a_hidden, v_dec, a_dec, v_skip, a_skip)
        targets = []
        for head, x, mask, hidden, dec, skip in (
                (self.video_head, video, v_mask, v_hidden, v_dec, v_skip),
                (self.audio_head, audio, a_mask, a_hidden, a_dec, a_skip)):
            if dec is None:
                targets.append(head.target(x, mask, hidden))
            else:
                n = None if skip is None else dec.shape[1] - skip
                targets.append(head.target(x, ~dec, n))
        for i, sample in enumerate(data_samples):
            sample.set_field(out['pred_video'][i], 'pred_video')
            sample.set_field(out['pred_audio'][i], 'pred_audio')
            sample.set_field(targets[0][i], 'target_video')
            sample.set_field(targets[1][i], 'target_audio')
        return list(data_samples)

    @torch.no_grad()
    def reconstruct(self, inputs: dict, data_samples: Sequence[AVDataSample]
                    ) -> Dict[str, dict]:
        """As :meth:`HiCMAE.reconstruct`; where a decoder mask applies, the
        pictured tokens are the decoded ones (``mask`` = decoded)."""
        (video, audio, v_mask, a_mask, v_hidden, a_hidden, v_dec, a_dec,
         v_skip, a_skip) = self._unpack(inputs, data_samples)
        out = self.forward_outputs(video, audio, v_mask, a_mask, v_hidden,
                                   a_hidden, v_dec, a_dec, v_skip, a_skip)
        views = {}
        for name, head, x, mask, hidden, dec, skip in (
                ('video', self.video_head, video, v_mask, v_hidden, v_dec,
                 v_skip),
                ('audio', self.audio_head, audio, a_mask, a_hidden, a_dec,
                 a_skip)):
            if dec is not None:
                mask = ~dec
                hidden = None if skip is None else dec.shape[1] - skip
            views[name] = _head_view(head, x, mask, out[f'pred_{name}'],
                                     hidden)
        return views

    def forward(self, inputs: dict,
                data_samples: Optional[Sequence[AVDataSample]] = None,
                mode: str = 'tensor'):
        if mode == 'tensor':
            return self.forward_outputs(*self._unpack(inputs, data_samples))
        return super().forward(inputs, data_samples, mode)
