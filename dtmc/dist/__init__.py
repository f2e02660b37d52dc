"""Spreading sampling and training over devices and hosts with JAX's own sharding."""

from dtmc.dist.invariance import LayoutInvariantSampler, layout_invariant_factory
from dtmc.dist.layout import Layout, layout_mesh, plan_layout, shard_leading_axes
from dtmc.dist.options import add_device_arguments, plan_run_layout, start_processes, writer_path
from dtmc.dist.processes import DistributedConfig, initialize_processes, is_writer
from dtmc.dist.sharding import ArgumentRole, active_layout, jit_over_layout, use_layout

__all__ = [
    "ArgumentRole",
    "DistributedConfig",
    "Layout",
    "LayoutInvariantSampler",
    "active_layout",
    "add_device_arguments",
    "initialize_processes",
    "is_writer",
    "jit_over_layout",
    "layout_invariant_factory",
    "layout_mesh",
    "plan_layout",
    "plan_run_layout",
    "shard_leading_axes",
    "start_processes",
    "use_layout",
    "writer_path",
]
