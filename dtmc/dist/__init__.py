"""Spreading sampling and training over devices and hosts with JAX's own sharding."""

from dtmc.dist.layout import Layout, layout_mesh, plan_layout, shard_leading_axes
from dtmc.dist.processes import DistributedConfig, initialize_processes, is_writer

__all__ = [
    "DistributedConfig",
    "Layout",
    "initialize_processes",
    "is_writer",
    "layout_mesh",
    "plan_layout",
    "shard_leading_axes",
]
