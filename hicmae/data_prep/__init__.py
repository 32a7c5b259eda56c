"""Preparation code that no config names at run time: the benchmark list
builders, the synthetic audio-visual generator and shard packing. The tools
under tools/data/ use it."""
