"""MMEngine visualizer with hicmae's pictures."""
from pathlib import Path
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.visualization import Visualizer

from hicmae.registry import VISUALIZERS
from .confusion import draw_confusion_matrix
from .curves import draw_curves
from .reconstruction import draw_reconstruction, reconstruction_panels
from .tsne import draw_tsne


@VISUALIZERS.register_module()
class AVVisualizer(Visualizer):
    """A :class:`mmengine.visualization.Visualizer` that draws hicmae's
    pictures with matplotlib (off-screen) and records them with
    :meth:`add_image`, i.e. on every configured backend (files with
    ``LocalVisBackend``, TensorBoard with ``TensorboardVisBackend``).

    Each ``draw_*`` method returns the RGB image; with ``name`` given it is
    also recorded as ``name`` at ``step``.
    """

    def _record(self, image: np.ndarray, name: Optional[str],
                step: int) -> np.ndarray:
        if name is not None:
            self.add_image(name, image, step=step)
        return image

    def draw_reconstruction(self, outputs: dict, index: int = 0,
                            max_frames: int = 8, title: Optional[str] = None,
                            name: Optional[str] = None, step: int = 0,
                            dpi: int = 100) -> np.ndarray:
        """Input, masked input, reconstruction and target of one sample.

        Args:
            outputs: result of :meth:`hicmae.models.HiCMAE.reconstruct`
                (``video`` and/or ``audio`` views).
            index: sample of the batch.
            max_frames: video frames shown at most.
            title: figure title.
            name / step: record the image under this name at this step.
            dpi: dots per inch.
        """
        panels = {key: reconstruction_panels(outputs[key])
                  for key in ('video', 'audio') if outputs.get(key)}
        image = draw_reconstruction(panels.get('video'),
                                    panels.get('audio'), index=index,
                                    max_frames=max_frames, title=title,
                                    dpi=dpi)
        return self._record(image, name, step)

    def draw_confusion_matrix(self, cm: Sequence[Sequence[float]],
                              classes: Optional[Sequence[str]] = None,
                              title: Optional[str] = None,
                              name: Optional[str] = None,
                              step: int = 0) -> np.ndarray:
        """Row-normalised confusion matrix with counts in the cells."""
        return self._record(draw_confusion_matrix(cm, classes, title),
                            name, step)

    def draw_tsne(self, features: np.ndarray, labels: Sequence[int],
                  classes: Optional[Sequence[str]] = None,
                  perplexity: float = 30.0, random_state: int = 0,
                  title: Optional[str] = None, name: Optional[str] = None,
                  step: int = 0) -> np.ndarray:
        """t-SNE of ``features`` coloured by class (fixed seed)."""
        image = draw_tsne(features, labels, classes, perplexity=perplexity,
                          random_state=random_state, title=title)
        return self._record(image, name, step)

    def draw_curves(self, source: Union[str, Path, Sequence[dict]],
                    title: Optional[str] = None,
                    figsize: Optional[Tuple[float, float]] = None,
                    name: Optional[str] = None, step: int = 0) -> np.ndarray:
        """Loss and metric curves from a ``vis_data/scalars.json`` (its
        path or its parsed lines)."""
        return self._record(draw_curves(source, title=title,
                                        figsize=figsize), name, step)
