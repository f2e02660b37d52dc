"""Device layout: how diffusion steps and chains map onto a `jax.sharding` mesh.

Diffusion steps train independently, so when there are at least as many devices as steps (and the
device count is a multiple of the step count) each step gets its own group of devices and chains
are split within the group. Otherwise every device holds a slice of the chains of every step.
Reductions over chains (moments, autocorrelation) then become cross-device all-reduces, which XLA
inserts from the shardings.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from dtmc.errors import DtmcError

__all__ = ["Layout", "plan_layout", "layout_mesh", "shard_leading_axes"]

STEP_AXIS = "steps"
CHAIN_AXIS = "chains"


@dataclass(frozen=True)
class Layout:
    """A plan of which devices hold which steps and chains.

    Attributes:
        n_devices: devices used in total.
        step_groups: size of the mesh's step axis (1 when steps are not spread over devices).
        chain_shards: size of the mesh's chain axis (devices that split one step's chains).
        n_steps: diffusion steps of the model.
        n_chains: chains per step (the batch).
    """

    n_devices: int
    step_groups: int
    chain_shards: int
    n_steps: int
    n_chains: int

    def describe(self) -> str:
        """Return a one-line summary for run logs and reports."""
        platform = jax.devices()[0].platform
        processes = f" in {jax.process_count()} processes" if jax.process_count() > 1 else ""
        if self.n_devices == 1:
            return f"layout: 1 {platform} device, {self.n_steps} step(s) x {self.n_chains} chains on it"
        per_device_chains = self.n_chains // self.chain_shards
        steps_text = (
            f"{self.n_steps // self.step_groups} step(s) per device group"
            if self.step_groups > 1
            else f"all {self.n_steps} step(s) on every device"
        )
        return (
            f"layout: {self.n_devices} {platform} devices{processes} as mesh {STEP_AXIS}={self.step_groups} x "
            f"{CHAIN_AXIS}={self.chain_shards}; {steps_text}, {per_device_chains} chains per device"
        )


def plan_layout(n_steps: int, n_chains: int, devices: int | None = None) -> Layout:
    """Choose a mesh for `n_steps` diffusion steps of `n_chains` chains on `devices` devices.

    Args:
        n_steps: diffusion steps trained side by side.
        n_chains: chains per step; must be divisible by the number of chain shards.
        devices: devices to use; None uses every device JAX sees.

    Returns:
        The layout; spreads steps over devices only when `devices` is a multiple of `n_steps`.

    Raises:
        DtmcError: if more devices are requested than exist, or the chains do not split evenly.
    """
    available = jax.device_count()
    if devices is None:
        devices = available
    if not 1 <= devices <= available:
        raise DtmcError(
            f"invalid device count {devices}: this machine has {available} JAX device(s); "
            f"use --devices between 1 and {available}"
        )
    if jax.process_count() > 1 and devices != available:
        # Every process must own part of the mesh, or it could not take part in the jitted update.
        raise DtmcError(
            f"invalid device count {devices} for a job of {jax.process_count()} processes: a multi-host "
            f"run uses all {available} devices of all processes; drop --devices"
        )

    step_groups = n_steps if devices >= n_steps and devices % n_steps == 0 else 1
    chain_shards = devices // step_groups
    if n_chains % chain_shards != 0:
        raise DtmcError(
            f"batch of {n_chains} chains does not split evenly over {chain_shards} devices; "
            f"set train.batch to a multiple of {chain_shards} or use fewer devices"
        )
    return Layout(devices, step_groups, chain_shards, n_steps, n_chains)


def layout_mesh(layout: Layout) -> Mesh:
    """Build the 2-D device mesh (steps x chains) of a layout from the first devices."""
    devices = np.array(jax.devices()[: layout.n_devices]).reshape(layout.step_groups, layout.chain_shards)
    return Mesh(devices, (STEP_AXIS, CHAIN_AXIS))


def shard_leading_axes(tree, mesh: Mesh, *, chain_axis: bool = True):
    """Place arrays of shape [steps, chains, ...] (or [steps, ...]) on the mesh.

    Args:
        tree: a pytree of arrays whose axis 0 is the step axis and, when `chain_axis` is True,
            axis 1 the chain axis.
        mesh: the mesh from `layout_mesh`.
        chain_axis: whether axis 1 is split over the mesh's chain axis.

    Returns:
        The same pytree with every leaf placed by a `NamedSharding`.
    """
    def place(leaf):
        leaf = jax.numpy.asarray(leaf)
        spec = [STEP_AXIS]
        if chain_axis and leaf.ndim >= 2:
            spec.append(CHAIN_AXIS)
        spec += [None] * (leaf.ndim - len(spec))
        return jax.device_put(leaf, NamedSharding(mesh, PartitionSpec(*spec[: leaf.ndim])))

    return jax.tree_util.tree_map(place, tree)
