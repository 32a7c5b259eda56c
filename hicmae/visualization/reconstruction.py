"""Pictures of masked reconstruction: input, masked input, reconstruction
and target of a clip's frames and of its log-mel filterbank.

:meth:`hicmae.models.HiCMAE.reconstruct` gives, per modality, the input in
the head's input space, the token mask, the predictions and the targets of
the hidden tokens; :func:`reconstruction_panels` turns them into four
same-shaped tensors and :func:`draw_reconstruction` lays them out.
"""
import math
from typing import Dict, Optional, Tuple

import numpy as np
import torch
from matplotlib import colormaps

from .figure import figure_to_array, new_figure
from .patches import fill_hidden, mask_to_map, scatter_tokens, unpatchify

PANELS = ('input', 'masked', 'reconstruction', 'target')
_LABELS = dict(input='input', masked='masked input',
               reconstruction='reconstruction', target='target')
# hidden tokens in the masked input, visible ones in the target
_MASKED_GREY = 0.5
_NO_TARGET = 0.0
# the normalised target is about N(0, 1); +-3 std spans the colour range
_TARGET_RANGE = 3.0


def reconstruction_panels(view: dict) -> Dict[str, object]:
    """The four panels of one modality, for the whole batch.

    Args:
        view: one modality of :meth:`HiCMAE.reconstruct`'s result, with
            ``input`` ``(B, C, *S)``, ``mask`` ``(B, N)``, ``pred`` and
            ``target`` ``(B, N_hidden, P * C)``, ``patch_size``,
            ``norm_pix`` and ``frame_diff``.

    Returns:
        ``input``, ``masked`` (hidden patches NaN), ``reconstruction``
        (visible patches from the input, hidden ones from the prediction
        mapped back with the true patches' mean and std), ``target`` (the
        head's target, per-patch normalised and for video holding the frame
        difference, on hidden patches; visible ones NaN), all float
        ``(B, C, *S)`` on the CPU; ``hidden``, bool ``(B, 1, *S)``; and
        the ``patch_size``.
    """
    x = view['input'].detach().float().cpu()
    mask = view['mask'].detach().bool().cpu()
    pred = view['pred'].detach().float().cpu()
    target = view['target'].detach().float().cpu()
    patch_size = tuple(view['patch_size'])
    spatial = tuple(x.shape[2:])
    b, c = x.shape[:2]
    hidden = mask_to_map(mask, patch_size, spatial)
    p = math.prod(patch_size)
    target_tokens = scatter_tokens(target.reshape(b, -1, p, c), mask,
                                   fill=float('nan'))
    return dict(
        input=x,
        masked=x.masked_fill(hidden, float('nan')),
        reconstruction=fill_hidden(x, pred, mask, patch_size,
                                   view['norm_pix'], view['frame_diff']),
        target=unpatchify(target_tokens, patch_size, spatial),
        hidden=hidden, patch_size=patch_size)


def frame_indices(num_frames: int, max_frames: int,
                  tubelet: int = 1) -> np.ndarray:
    """Up to ``max_frames`` frame indices: every frame of evenly spaced
    tubelets, so that the frame-difference part of the target shows."""
    tubelet = max(1, min(tubelet, max_frames))
    num_tubes = num_frames // tubelet
    count = min(num_tubes, max(1, max_frames // tubelet))
    starts = np.unique(np.linspace(0, num_tubes - 1, count).round()
                       .astype(int)) * tubelet
    return (starts[:, None] + np.arange(tubelet)[None]).reshape(-1)


def video_rgb(panel: torch.Tensor, name: str) -> np.ndarray:
    """One sample's ``(3, T, H, W)`` panel → float RGB ``(T, H, W, 3)`` in
    ``[0, 1]``; NaN (not shown) becomes grey, or black in the target."""
    frames = panel.permute(1, 2, 3, 0).numpy().astype(np.float64)
    missing = np.isnan(frames)
    if name == 'target':
        frames = frames / (2 * _TARGET_RANGE) + 0.5
        frames[missing] = _NO_TARGET
    else:
        frames[missing] = _MASKED_GREY
    return np.clip(frames, 0.0, 1.0)


def _audio_image(panel: torch.Tensor) -> np.ndarray:
    # (1, time, mel) -> (mel, time) so time runs left to right
    return panel[0].numpy().T


def _row_label(ax, text: str) -> None:
    ax.set_ylabel(text, rotation=90, fontsize=8)


def reconstruction_figsize(num_frames: int, with_audio: bool,
                           cell: float = 1.0) -> Tuple[float, float]:
    """Figure size (inches) of :func:`draw_reconstruction`."""
    width = 0.4 + cell * (num_frames + (2.5 if with_audio else 0))
    return width, 0.5 + 4 * cell


def draw_reconstruction(video: Optional[Dict[str, object]] = None,
                        audio: Optional[Dict[str, object]] = None,
                        index: int = 0, max_frames: int = 8,
                        title: Optional[str] = None,
                        figsize: Optional[Tuple[float, float]] = None,
                        dpi: int = 100) -> np.ndarray:
    """One sample's reconstruction grid as an RGB array.

    Rows: input, masked input (hidden tubes grey), reconstruction, target
    (normalised, visible tokens black). Columns: up to ``max_frames``
    video frames (both frames of evenly spaced tubelets), then the
    filterbank (time → right, mel bins ↑; hidden patches grey, visible
    ones black in the target).

    Args:
        video / audio: :func:`reconstruction_panels` of each modality;
            either may be ``None``.
        index: sample in the batch.
        max_frames: frames shown at most.
        title: figure title.
        figsize: inches; by default from :func:`reconstruction_figsize`.
        dpi: dots per inch; the image is ``figsize * dpi`` pixels.
    """
    if video is None and audio is None:
        raise ValueError('nothing to draw: give video and/or audio panels')
    frames = frame_indices(video['input'].shape[2], max_frames,
                           video.get('patch_size', (1, ))[0]) \
        if video is not None else np.zeros(0, int)
    if figsize is None:
        figsize = reconstruction_figsize(len(frames), audio is not None)
    fig = new_figure(figsize, dpi)
    ratios = [1.0] * len(frames) + ([2.5] if audio is not None else [])
    grid = fig.add_gridspec(4, len(ratios), width_ratios=ratios,
                            left=0.4 / figsize[0], right=0.99,
                            bottom=0.02, top=1 - 0.4 / figsize[1],
                            wspace=0.05, hspace=0.08)
    for row, name in enumerate(PANELS):
        if video is not None:
            rgb = video_rgb(video[name][index], name)
            for col, t in enumerate(frames):
                ax = fig.add_subplot(grid[row, col])
                ax.imshow(rgb[t], interpolation='nearest')
                ax.set_xticks([])
                ax.set_yticks([])
                if row == 0:
                    ax.set_title(f'frame {t}', fontsize=7)
                if col == 0:
                    _row_label(ax, _LABELS[name])
        if audio is not None:
            ax = fig.add_subplot(grid[row, len(frames)])
            _draw_fbank(ax, audio, name, index)
            if row == 0:
                ax.set_title('log-mel filterbank', fontsize=7)
            if video is None:
                _row_label(ax, _LABELS[name])
    if title:
        fig.suptitle(title, fontsize=9, y=1 - 0.1 / figsize[1],
                     va='top')
    return figure_to_array(fig)


def _draw_fbank(ax, audio: Dict[str, object], name: str,
                index: int) -> None:
    image = _audio_image(audio[name][index])
    if name == 'target':
        cmap = colormaps['coolwarm'].with_extremes(bad='black')
        limits = (-_TARGET_RANGE, _TARGET_RANGE)
    else:
        cmap = colormaps['viridis'].with_extremes(
            bad=(_MASKED_GREY, ) * 3)
        # one colour scale for input and reconstruction, from the input
        source = audio['input'][index]
        limits = (float(source.min()), float(source.max()))
    ax.imshow(np.ma.masked_invalid(image), origin='lower', aspect='auto',
              cmap=cmap, vmin=limits[0], vmax=limits[1],
              interpolation='nearest')
    ax.set_xticks([])
    ax.set_yticks([])
