"""Sampler moments that do not depend on how chains are split over devices."""

from __future__ import annotations

from typing import Any, Callable

import jax.numpy as jnp
import numpy as np

from dtmc.backend.params import Moments

__all__ = ["LayoutInvariantSampler", "layout_invariant_factory"]

# Up to 2^18 samples per node, half the grid spacing (2e-6) is above the worst rounding error of
# a float32 pairwise mean of values in [-1, 1] (about log2(chains) * 6e-8), so rounding is safe.
_MAX_EXACT_COUNT = 1 << 18


class LayoutInvariantSampler:
    """A sampler whose node means come out bit-identical for any split of its chains.

    A node mean is (number of +1 samples minus number of -1 samples) / (n_samples * chains), an
    exact multiple of 1 / (n_samples * chains). The wrapped sampler averages per-chain means, and
    the rounding of that sum depends on how XLA splits it over devices. Adam turns such a rounding
    difference into a whole step of the learning rate wherever the positive and negative means tie,
    so runs on 1 and 4 devices would drift apart. Rounding the mean back onto its exact grid
    removes the difference. Edge moments are sums of +-1 products and already exact.

    NOTE: `edge_of_means` is a mean of products of per-chain means; its grid is too fine to snap at
    training sizes, so with a correlation penalty the runs still differ by float rounding there.

    Args:
        sampler: a sampler with `moments` and `run` (`dtmc.backend.make_sampler`); every other
            attribute is passed through.
    """

    def __init__(self, sampler: Any):
        self.sampler = sampler

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sampler, name)

    def moments(self, params, coupling, state0, *, n_samples: int, **options) -> Moments:
        """Return the wrapped sampler's moments with node means rounded to their exact grid.

        Args:
            params: edge weights and grid biases.
            coupling: this step's fixed input couplings.
            state0: int8[chains, n_nodes] initial states.
            n_samples: samples per chain.
            **options: `key`, `warmup`, `spacing` and `beta`, passed through.

        Returns:
            The moments; `edge` and `edge_of_means` unchanged.
        """
        moments = self.sampler.moments(params, coupling, state0, n_samples=n_samples, **options)
        count = n_samples * int(np.shape(state0)[-2])
        if count > _MAX_EXACT_COUNT:
            return moments
        node = jnp.round(moments.node * count) / count
        return Moments(node=node.astype(moments.node.dtype), edge=moments.edge, edge_of_means=moments.edge_of_means)


def layout_invariant_factory(factory: Callable[[Any, np.ndarray], Any]) -> Callable[[Any, np.ndarray], Any]:
    """Wrap a `(graph, free_mask) -> sampler` factory so its samplers are `LayoutInvariantSampler`s."""

    def build(graph: Any, free_mask: np.ndarray) -> LayoutInvariantSampler:
        return LayoutInvariantSampler(factory(graph, free_mask))

    return build
