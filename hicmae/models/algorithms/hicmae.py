"""HiCMAE pre-training: masked audio-visual reconstruction + HCMCL."""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch

from hicmae.registry import MODELS
from hicmae.structures import AVDataSample
from .base_av_model import BaseAVModel


def _sample_masks(data_samples: Sequence[AVDataSample], modality: str
                  ) -> Optional[Tuple[torch.Tensor, Optional[int]]]:
    """The masks the data samples carry (parity fixtures, fixed-mask
    tools) and their host-recorded hidden count; ``None`` when no sample
    carries one."""
    key = f'{modality}_mask'
    present = [key in s for s in data_samples or ()]
    if not any(present):
        return None
    if not all(present):
        raise ValueError(f'{sum(present)} of {len(present)} data samples '
                         f'carry a {key!r}: give every sample a mask or '
                         'none (the model then draws them)')
    masks = torch.stack([s.get(key) for s in data_samples])
    # None where a sample lacks the count: the modules then count, a sync
    counts = {s.metainfo.get(f'{modality}_num_hidden') for s in data_samples}
    if None in counts:
        return masks, None
    if len(counts) > 1:
        raise ValueError(f'every sample must hide the same number of '
                         f'{modality} tokens, got {sorted(counts)}')
    return masks, counts.pop()


def _video_ids(data_samples: Sequence[AVDataSample]
               ) -> Optional[torch.Tensor]:
    """``(B,)`` the samples' source videos (their dataset index, the same
    for the ``k`` clips of repeated sampling); ``None`` if one lacks it."""
    ids = [s.metainfo.get('sample_idx') for s in data_samples]
    if not ids or any(i is None for i in ids):
        return None
    return torch.tensor([int(i) for i in ids], dtype=torch.long)


def _head_view(head, inputs: torch.Tensor, mask: torch.Tensor,
               pred: torch.Tensor, num_hidden: Optional[int]) -> dict:
    """One modality of :meth:`HiCMAE.reconstruct`."""
    source = inputs.float()
    if head.mean is not None:
        view = (1, -1) + (1, ) * (source.dim() - 2)
        source = source * head.std.view(view) + head.mean.view(view)
    return dict(input=source, mask=mask, pred=pred.float(),
                target=head.target(inputs, mask, num_hidden),
                patch_size=tuple(head.patch_size), norm_pix=head.norm_pix,
                frame_diff=head.frame_diff)


@MODELS.register_module()
class HiCMAE(BaseAVModel):
    """Hierarchical Contrastive Masked Autoencoder (pre-training model).

    Story of one step: both encoders see only their visible tokens and
    return the outputs of the blocks in ``contrastive_layers`` and
    ``skip_layers``; the contrastive head aligns the two modalities at each
    contrastive layer; the fusion encoder lets the last-layer tokens attend
    to each other; each decoder reconstructs its hidden tokens while
    attending to the skip layers; the reconstruction heads compare with the
    targets.

    Sub-module configs are completed from the encoders (widths, token
    counts, patch sizes), so a config only states what it changes. The
    masks are drawn here, on the inputs' device, by the ``*_masking``
    generators over the encoders' patch grids (``grid_size``); masks the
    data samples already carry (``video_mask`` / ``audio_mask``) take
    precedence.

    Args:
        video_encoder / audio_encoder: encoder configs.
        fusion: cross-modal fusion encoder config.
        video_decoder / audio_decoder: decoder configs.
        video_head / audio_head: reconstruction head configs.
        video_masking / audio_masking: mask generator configs
            (:mod:`hicmae.models.masking`), e.g.
            ``dict(type='TubeMaskGenerator', ratio=0.9)``; ``None``: every
            batch must carry its own masks.
        contrastive_head: HCMCL head config; ``None`` disables HCMCL.
        contrastive_layers: 0-based encoder blocks aligned by HCMCL.
        skip_layers: 0-based encoder blocks the decoders attend to, shallow
            to deep; empty for a plain MAE decoder, else ``decoder depth - 1``
            of them.
        data_preprocessor: batch preprocessor config.
        guard: ``on_nonfinite_loss`` / ``max_nonfinite_skips`` of
            :class:`BaseAVModel`.
    """

    def __init__(self, video_encoder: dict, audio_encoder: dict, fusion: dict,
                 video_decoder: dict, audio_decoder: dict, video_head: dict,
                 audio_head: dict, video_masking: Optional[dict] = None,
                 audio_masking: Optional[dict] = None,
                 contrastive_head: Optional[dict] = None,
                 contrastive_layers: Sequence[int] = (3, 6, 9),
                 skip_layers: Sequence[int] = (3, 6, 9),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None, **guard) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg, **guard)
        self.contrastive_layers = tuple(contrastive_layers) \
            if contrastive_head is not None else ()
        self.skip_layers = tuple(skip_layers)
        if list(self.skip_layers) != sorted(set(self.skip_layers)):
            raise ValueError(f'skip_layers {self.skip_layers} must be '
                             'strictly increasing (shallow to deep)')
        self.out_layers = tuple(
            sorted(set(self.contrastive_layers) | set(self.skip_layers)))

        self.video_encoder = MODELS.build(
            dict(video_encoder, out_indices=self.out_layers))
        self.audio_encoder = MODELS.build(
            dict(audio_encoder, out_indices=self.out_layers))
        v_dims = self.video_encoder.embed_dims
        a_dims = self.audio_encoder.embed_dims
        self.fusion = MODELS.build(
            dict(dict(video_dims=v_dims, audio_dims=a_dims), **fusion))
        self.video_decoder = MODELS.build(
            self._decoder_cfg(video_decoder, self.video_encoder, 3))
        self.audio_decoder = MODELS.build(
            self._decoder_cfg(audio_decoder, self.audio_encoder, 1))
        self.video_head = MODELS.build(
            dict(dict(patch_size=self.video_encoder.patch_embed.patch_size),
                 **video_head))
        self.audio_head = MODELS.build(
            dict(dict(patch_size=self.audio_encoder.patch_embed.patch_size),
                 **audio_head))
        self.contrastive_head = MODELS.build(contrastive_head) \
            if contrastive_head is not None else None
        self.video_masking = self._masking(video_masking, self.video_encoder)
        self.audio_masking = self._masking(audio_masking, self.audio_encoder)

    @staticmethod
    def _masking(cfg: Optional[dict], encoder):
        """Build a mask generator and try it on the encoder's grid now, so
        a wrong pairing (a tube over a spectrogram) fails at build time."""
        if cfg is None:
            return None
        masking = MODELS.build(cfg)
        masking.num_hidden(encoder.patch_embed.grid_size)
        return masking

    def _decoder_cfg(self, cfg: dict, encoder, channels: int) -> dict:
        patch = encoder.patch_embed.patch_size
        defaults = dict(in_dims=encoder.embed_dims,
                        num_patches=encoder.num_patches,
                        num_skips=len(self.skip_layers),
                        out_channels=math.prod(patch) * channels)
        return dict(defaults, **cfg)

    def _layer(self, feats: List[torch.Tensor], layer: int) -> torch.Tensor:
        return feats[self.out_layers.index(layer)]

    def forward_outputs(self, video: torch.Tensor, audio: torch.Tensor,
                        video_mask: torch.Tensor, audio_mask: torch.Tensor,
                        video_num_hidden: Optional[int] = None,
                        audio_num_hidden: Optional[int] = None
                        ) -> Dict[str, object]:
        """Run the whole model; returns predictions and layer features.

        ``*_num_hidden``: hidden tokens per sample, known on the host; the
        modules read them from the masks (a device sync) when not given.

        Keys: ``pred_video`` / ``pred_audio`` (hidden tokens),
        ``con_video`` / ``con_audio`` (features of the contrastive layers).
        """
        v_tokens, v_feats = self.video_encoder(video, video_mask,
                                               video_num_hidden)
        a_tokens, a_feats = self.audio_encoder(audio, audio_mask,
                                               audio_num_hidden)
        v_fused, a_fused = self.fusion(v_tokens, a_tokens)
        v_skips = [self._layer(v_feats, i) for i in self.skip_layers]
        a_skips = [self._layer(a_feats, i) for i in self.skip_layers]
        return dict(
            pred_video=self.video_decoder(v_fused, video_mask, v_skips,
                                          video_num_hidden),
            pred_audio=self.audio_decoder(a_fused, audio_mask, a_skips,
                                          audio_num_hidden),
            con_video=[self._layer(v_feats, i)
                       for i in self.contrastive_layers],
            con_audio=[self._layer(a_feats, i)
                       for i in self.contrastive_layers])

    def _mask(self, modality: str, x: torch.Tensor,
              data_samples: Sequence[AVDataSample]
              ) -> Tuple[torch.Tensor, Optional[int]]:
        """One modality's mask and hidden count: the samples' own, else
        drawn on ``x``'s device by the generator (count known on the
        host)."""
        given = _sample_masks(data_samples, modality)
        if given is not None:
            return given[0].to(x.device), given[1]
        masking = getattr(self, f'{modality}_masking')
        if masking is None:
            raise ValueError(f'HiCMAE has no {modality}_masking and the data '
                             f'samples carry no {modality}_mask: set '
                             f'model.{modality}_masking in the config')
        grid = getattr(self, f'{modality}_encoder').patch_embed.grid_size
        return (masking(grid, x.shape[0], x.device),
                masking.num_hidden(grid))

    def attach_masks(self, data_samples: Sequence[AVDataSample],
                     generator: Optional[torch.Generator] = None
                     ) -> Sequence[AVDataSample]:
        """Give samples that carry no masks masks drawn now, on the CPU
        (with ``generator``: without touching the training stream), so
        every later pass over them hides the same tokens (pictures of one
        batch over training, fixed-mask comparisons)."""
        for modality in ('video', 'audio'):
            if _sample_masks(data_samples, modality) is not None:
                continue
            masking = getattr(self, f'{modality}_masking')
            if masking is None:
                continue
            grid = getattr(self, f'{modality}_encoder').patch_embed.grid_size
            masks = masking(grid, len(data_samples), 'cpu', generator)
            for sample, mask in zip(data_samples, masks):
                sample.set_field(mask, f'{modality}_mask',
                                 dtype=torch.Tensor)
                sample.set_metainfo(
                    {f'{modality}_num_hidden': masking.num_hidden(grid)})
        return data_samples

    def _unpack(self, inputs: dict, data_samples
                ) -> Tuple[torch.Tensor, ...]:
        video, audio = inputs['video'], inputs['audio']
        v_mask, v_hidden = self._mask('video', video, data_samples)
        a_mask, a_hidden = self._mask('audio', audio, data_samples)
        return video, audio, v_mask, a_mask, v_hidden, a_hidden

    def loss(self, inputs: dict, data_samples: Sequence[AVDataSample]
             ) -> Dict[str, torch.Tensor]:
        video, audio, v_mask, a_mask, v_hidden, a_hidden = self._unpack(
            inputs, data_samples)
        out = self.forward_outputs(video, audio, v_mask, a_mask, v_hidden,
                                   a_hidden)
        losses = dict(
            loss_rec_video=self.video_head.loss(out['pred_video'], video,
                                                v_mask, v_hidden),
            loss_rec_audio=self.audio_head.loss(out['pred_audio'], audio,
                                                a_mask, a_hidden))
        if self.contrastive_head is not None:
            losses.update(self.contrastive_head.loss(
                out['con_video'], out['con_audio'], self.contrastive_layers,
                _video_ids(data_samples)))
        return losses

    def predict(self, inputs: dict, data_samples: Sequence[AVDataSample]
                ) -> List[AVDataSample]:
        """Attach the reconstructions of the hidden tokens to the samples.

        ``pred_video`` / ``pred_audio`` are ``(N_hidden, values)`` in the
        target space of the heads, next to ``target_video`` /
        ``target_audio``, for pictures and reconstruction metrics; the
        samples also get the masks used (``video_mask`` / ``audio_mask``).
        """
        video, audio, v_mask, a_mask, v_hidden, a_hidden = self._unpack(
            inputs, data_samples)
        out = self.forward_outputs(video, audio, v_mask, a_mask, v_hidden,
                                   a_hidden)
        v_target = self.video_head.target(video, v_mask, v_hidden)
        a_target = self.audio_head.target(audio, a_mask, a_hidden)
        for i, sample in enumerate(data_samples):
            # the masks the predictions belong to (drawn ones included)
            sample.set_field(v_mask[i], 'video_mask')
            sample.set_field(a_mask[i], 'audio_mask')
            if v_hidden is not None and a_hidden is not None:
                sample.set_metainfo(dict(video_num_hidden=v_hidden,
                                         audio_num_hidden=a_hidden))
            sample.set_field(out['pred_video'][i], 'pred_video')
            sample.set_field(out['pred_audio'][i], 'pred_audio')
            sample.set_field(v_target[i], 'target_video')
            sample.set_field(a_target[i], 'target_audio')
        return list(data_samples)

    @torch.no_grad()
    def reconstruct(self, inputs: dict, data_samples: Sequence[AVDataSample]
                    ) -> Dict[str, dict]:
        """What pictures of the reconstruction need, per modality.

        Returns ``{'video': {...}, 'audio': {...}}``, each with ``input``
        (``(B, C, *S)`` in the head's input space: video mapped back to
        ``[0, 1]`` when the head un-normalises it), ``mask`` (bool
        ``(B, N)``), ``pred`` and ``target`` (``(B, N_hidden, P * C)`` in
        the target space) and the head's ``patch_size``, ``norm_pix`` and
        ``frame_diff``, from which :mod:`hicmae.visualization` maps the
        predictions back to pixels and filterbank values.
        """
        video, audio, v_mask, a_mask, v_hidden, a_hidden = self._unpack(
            inputs, data_samples)
        out = self.forward_outputs(video, audio, v_mask, a_mask, v_hidden,
                                   a_hidden)
        return dict(
            video=_head_view(self.video_head, video, v_mask,
                             out['pred_video'], v_hidden),
            audio=_head_view(self.audio_head, audio, a_mask,
                             out['pred_audio'], a_hidden))

    def forward(self, inputs: dict,
                data_samples: Optional[Sequence[AVDataSample]] = None,
                mode: str = 'tensor') -> Union[dict, list]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.forward_outputs(*self._unpack(inputs, data_samples))
        raise ValueError(f'unknown mode {mode!r}; use loss, predict or '
                         'tensor')
