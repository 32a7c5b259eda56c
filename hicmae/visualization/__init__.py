"""Pictures: masked reconstructions, confusion matrices, t-SNE maps and
training curves, drawn off-screen and recorded through MMEngine's
visualizer backends."""
from .av_visualizer import AVVisualizer
from .confusion import draw_confusion_matrix, row_normalise
from .curves import draw_curves, find_scalars, load_scalars
from .figure import save_image
from .reconstruction import draw_reconstruction, reconstruction_panels
from .tsne import draw_tsne, tsne_embedding

__all__ = [
    'AVVisualizer', 'draw_confusion_matrix', 'draw_curves',
    'draw_reconstruction', 'draw_tsne', 'find_scalars', 'load_scalars',
    'reconstruction_panels', 'row_normalise', 'save_image', 'tsne_embedding'
]
