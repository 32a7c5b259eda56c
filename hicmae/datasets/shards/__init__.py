"""Packed webdataset shards for pre-training at cluster scale."""
from .partition import (epoch_shard_order, plan_reads, videos_per_rank,
                        worker_clips, worker_positions)
from .sample_codec import (FORMAT, JpegFrameReader, decode_clip, decode_jpeg,
                           encode_clip, encode_jpeg)
from .shard_dataset import AVShardDataset

__all__ = [
    'AVShardDataset', 'FORMAT', 'JpegFrameReader', 'decode_clip',
    'decode_jpeg', 'encode_clip', 'encode_jpeg', 'epoch_shard_order',
    'plan_reads', 'videos_per_rank', 'worker_clips', 'worker_positions'
]
