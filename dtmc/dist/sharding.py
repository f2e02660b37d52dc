"""Jitting step-vmapped updates over a device layout: sharding constraints and the active layout."""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable, Iterator, Literal, Sequence

import jax
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

from dtmc.dist.layout import CHAIN_AXIS, STEP_AXIS, Layout, layout_mesh

__all__ = ["ArgumentRole", "active_layout", "jit_over_layout", "use_layout"]

logger = logging.getLogger(__name__)

ArgumentRole = Literal["steps", "chains", "replicated"]

_active: list[Layout] = []


@contextlib.contextmanager
def use_layout(layout: Layout | None) -> Iterator[Layout | None]:
    """Make `layout` the one `jit_over_layout` uses while the `with` block runs.

    A None layout leaves the current one in place, so callers can pass an optional layout through.

    Args:
        layout: the layout from `plan_layout`, or None.

    Yields:
        The layout in effect inside the block.
    """
    if layout is None:
        yield active_layout()
        return
    _active.append(layout)
    try:
        yield layout
    finally:
        _active.pop()


def active_layout() -> Layout | None:
    """Return the layout set by the innermost `use_layout` block, or None outside every block."""
    return _active[-1] if _active else None


def _spec(role: ArgumentRole, ndim: int) -> PartitionSpec:
    """Return the partition of an array of rank `ndim` in the given role."""
    if role == "replicated" or ndim == 0:
        return PartitionSpec()
    axis = STEP_AXIS if role == "steps" else CHAIN_AXIS
    return PartitionSpec(axis, *([None] * (ndim - 1)))


def jit_over_layout(
    function: Callable[..., Any],
    roles: Sequence[ArgumentRole],
    *,
    layout: Layout | None = None,
) -> Callable[..., Any]:
    """Jit `function` so that its work is split over the devices of a layout.

    Every argument is taken in replicated, so host (numpy) arrays work the same in one process and
    in a multi-host job where every process passes the same values. Inside, each argument is
    constrained by its role: "steps" splits axis 0 over the mesh's step axis (parameters and
    optimiser state of shape [T, ...]), "chains" splits axis 0 over the chain axis (a batch of
    chains), "replicated" keeps it whole (keys, scalars). XLA propagates these shardings through
    the step-vmapped body, so states of shape [T, chains, ...] built inside end up split both
    ways, and sums over chains become all-reduces. Every output is gathered back to replicated,
    which keeps parameters small and readable by `numpy.asarray` in every process.

    Args:
        function: a pure function of array pytrees.
        roles: one role per positional argument of `function`.
        layout: the layout to use; `active_layout()` when None. With neither, or with a
            single-device layout, this is plain `jax.jit`.

    Returns:
        The jitted function; it compiles once per argument shape.
    """
    layout = layout or active_layout()
    if layout is None or layout.n_devices == 1:
        return jax.jit(function)

    mesh = layout_mesh(layout)
    replicated = NamedSharding(mesh, PartitionSpec())

    def constrain(tree: Any, role: ArgumentRole) -> Any:
        return jax.tree_util.tree_map(
            lambda leaf: jax.lax.with_sharding_constraint(leaf, NamedSharding(mesh, _spec(role, leaf.ndim))), tree
        )

    def sharded(*arguments: Any) -> Any:
        if len(arguments) != len(roles):
            raise TypeError(f"jit_over_layout: got {len(arguments)} arguments but {len(roles)} roles")
        placed = [constrain(argument, role) for argument, role in zip(arguments, roles)]
        return constrain(function(*placed), "replicated")

    logger.info("sharding %s, %s", getattr(function, "__name__", "function"), layout.describe())
    return _PlacedFunction(jax.jit(sharded, in_shardings=replicated, out_shardings=replicated), replicated)


class _PlacedFunction:
    """A jitted function that puts its arguments on the mesh before each call.

    jit traces again when an argument's placement changes from a single-device array to a mesh
    array, as it does between the first call and the calls that pass the previous outputs back.
    Placing every argument first keeps it to one trace per shape.
    """

    def __init__(self, jitted: Any, sharding: NamedSharding):
        self.jitted = jitted
        self.sharding = sharding

    def __call__(self, *arguments: Any) -> Any:
        return self.jitted(*self.place(arguments))

    def lower(self, *arguments: Any) -> Any:
        """Lower for the given arguments, as `jax.jit(...).lower` does, for HLO inspection."""
        return self.jitted.lower(*self.place(arguments))

    def place(self, tree: Any) -> Any:
        """Return `tree` with every array leaf replicated over the mesh."""
        return jax.tree_util.tree_map(self._place_leaf, tree)

    def _place_leaf(self, leaf: Any) -> Any:
        if isinstance(leaf, jax.Array) and leaf.sharding.is_equivalent_to(self.sharding, leaf.ndim):
            return leaf
        if isinstance(leaf, jax.Array) and jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
            placed = self._place_leaf(jax.random.key_data(leaf))
            return jax.random.wrap_key_data(placed, impl=jax.random.key_impl(leaf))
        if jax.process_count() == 1:
            return jax.device_put(leaf, self.sharding)

        # device_put cannot reach other processes' devices, so every process builds the global
        # array from its own copy of the (identical) host value.
        host = np.asarray(leaf)
        return jax.make_array_from_callback(host.shape, self.sharding, lambda index: host[index])
