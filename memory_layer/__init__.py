"""Strata's memory layer: page directory, global buffer and membership on Redis.

See README.md; the boundary is ``memory_layer.api`` and the entry point is
``memory_layer.layer.MemoryLayer``.
"""
