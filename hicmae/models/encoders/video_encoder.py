"""Video encoder: a ViT over tube tokens."""
from typing import Optional, Sequence

from mmengine.model import BaseModule

from hicmae.registry import MODELS
from ..layers import CheckpointMode, PatchEmbed3D
from .vit_encoder import ViTEncoder


@MODELS.register_module()
class VideoEncoder(ViTEncoder):
    """ViT over ``(B, 3, T, H, W)`` clips cut into ``tubelet × patch²`` tubes.

    Args:
        img_size: frame height and width.
        num_frames: frames per clip.
        tubelet_size: frames per tube.
        patch_size: tube height and width.
        in_channels: image channels.
        Remaining arguments: see :class:`ViTEncoder`.
    """

    def __init__(self, img_size: int = 160, num_frames: int = 16,
                 tubelet_size: int = 2, patch_size: int = 16,
                 in_channels: int = 3, embed_dims: int = 512,
                 depth: int = 10, num_heads: int = 8,
                 mlp_ratio: float = 4., qkv_bias: bool = True,
                 drop_rate: float = 0., attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0., init_values: float = 0.,
                 norm_eps: float = 1e-6, out_indices: Sequence[int] = (),
                 with_cp: CheckpointMode = False, use_sdpa: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        BaseModule.__init__(self, init_cfg=init_cfg)
        self.patch_embed = PatchEmbed3D(img_size, num_frames, tubelet_size,
                                        patch_size, in_channels, embed_dims)
        self._build_trunk(embed_dims, depth, num_heads, mlp_ratio, qkv_bias,
                          drop_rate, attn_drop_rate, drop_path_rate,
                          init_values, norm_eps, out_indices, with_cp,
                          use_sdpa)
