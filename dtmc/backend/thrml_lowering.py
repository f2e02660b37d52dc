"""Lowering of a compiled graph, its parameters and clamps to Extropic's thrml, the reference sampler.

Every dtmc node becomes a thrml `SpinNode`. Base edges keep their trained weights, and each input
node gets one edge to its visible node with the step's fixed coupling J. Free grid nodes form one
block per colour, sampled in colour order. Clamped grid nodes and all input nodes form one clamped
block, whose values come from each chain's initial state.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import thrml
from jaxtyping import Array, Float, Int8, Key
from thrml.models import IsingEBM, IsingSamplingProgram

from dtmc.backend.params import Moments, Params
from dtmc.program.arrays import GraphArrays

__all__ = ["ThrmlLowering", "lower_to_thrml", "moments_from_samples"]


@dataclass(frozen=True, eq=False)
class ThrmlLowering:
    """The thrml nodes, edges and blocks of one graph with one clamp mask.

    Attributes:
        graph: the lowered graph.
        nodes: thrml node of every dtmc node, in dtmc numbering.
        edges: base edges in `graph.edges` order, then one coupling edge per visible spin.
        free_blocks: one block of free grid nodes per colour that has any, in colour order.
        free_index: dtmc node numbers of each free block.
        clamped_block: clamped grid nodes and all input nodes.
        clamped_index: dtmc node numbers of the clamped block.
    """

    graph: GraphArrays
    nodes: list[thrml.SpinNode]
    edges: list[tuple[thrml.SpinNode, thrml.SpinNode]]
    free_blocks: list[thrml.Block]
    free_index: list[np.ndarray]
    clamped_block: thrml.Block
    clamped_index: np.ndarray

    def ebm(self, params: Params, coupling: Float[Array, "V"], beta: float | Array) -> IsingEBM:
        """Build the thrml Ising model of one step; input nodes have bias 0."""
        biases = jnp.concatenate([params.biases, jnp.zeros((self.graph.n_visible,), jnp.float32)])
        weights = jnp.concatenate([params.weights, jnp.asarray(coupling, jnp.float32)])
        return IsingEBM(self.nodes, self.edges, biases, weights, jnp.asarray(beta, jnp.float32))

    def program(self, ebm: IsingEBM) -> IsingSamplingProgram:
        """Build the block-Gibbs program of `ebm` with this lowering's free and clamped blocks."""
        return IsingSamplingProgram(ebm, self.free_blocks, [self.clamped_block])

    def split_state(self, state0: Int8[Array, "chains n_nodes"]) -> tuple[list[Array], list[Array]]:
        """Convert dtmc spins to thrml's boolean per-block states (free blocks, clamped blocks)."""
        up = jnp.asarray(state0) > 0
        free = [up[:, index] for index in self.free_index]
        return free, [up[:, self.clamped_index]]

    def sample(
        self,
        program: IsingSamplingProgram,
        state0: Int8[Array, "chains n_nodes"],
        *,
        key: Key[Array, ""],
        warmup: int,
        n_samples: int,
        spacing: int,
    ) -> Int8[Array, "samples chains n_nodes"]:
        """Sample with thrml and return every node's spins, dtmc numbering.

        Sample k is taken after `warmup + (k + 1) * spacing` sweeps, as in `Sampler.moments`.
        """
        free, clamped = self.split_state(state0)
        schedule = thrml.SamplingSchedule(warmup + spacing, n_samples, spacing)
        everything = [thrml.Block(self.nodes)]

        def one_chain(chain_key, chain_free, chain_clamped):
            return thrml.sample_states(chain_key, program, schedule, chain_free, chain_clamped, everything)[0]

        keys = jax.random.split(key, state0.shape[0])
        samples = jax.vmap(one_chain)(keys, free, clamped)
        return (2 * samples.astype(jnp.int8) - 1).transpose(1, 0, 2)

    def moments(
        self,
        params: Params,
        coupling: Float[Array, "V"],
        state0: Int8[Array, "chains n_nodes"],
        *,
        key: Key[Array, ""],
        warmup: int,
        n_samples: int,
        spacing: int,
        beta: float | Array,
    ) -> Moments:
        """Estimate the same moments as `Sampler.moments`, sampling with thrml."""
        program = self.program(self.ebm(params, coupling, beta))
        samples = self.sample(program, state0, key=key, warmup=warmup, n_samples=n_samples, spacing=spacing)
        return moments_from_samples(self.graph, samples)


def moments_from_samples(graph: GraphArrays, samples: Int8[Array, "samples chains n_nodes"]) -> Moments:
    """Compute node, edge and edge-of-means moments of recorded grid spins in float32."""
    spins = jnp.asarray(samples[..., : graph.n_grid], jnp.float32)
    first, second = graph.edges[:, 0], graph.edges[:, 1]
    chain_means = spins.mean(axis=0)
    return Moments(
        node=spins.mean(axis=(0, 1)),
        edge=(spins[..., first] * spins[..., second]).mean(axis=(0, 1)),
        edge_of_means=(chain_means[:, first] * chain_means[:, second]).mean(axis=0),
    )


def lower_to_thrml(graph: GraphArrays, free_mask: np.ndarray) -> ThrmlLowering:
    """Lower `graph` with the nodes of `free_mask` sampled to thrml nodes, edges and blocks.

    Args:
        graph: the compiled graph.
        free_mask: bool[n_nodes], True for sampled nodes; input nodes are always clamped.

    Returns:
        The lowering; build a program per parameter set with `ebm` and `program`.
    """
    free_mask = np.asarray(free_mask, bool).copy()
    free_mask[graph.n_grid :] = False
    nodes = [thrml.SpinNode() for _ in range(graph.n_nodes)]

    edges = [(nodes[i], nodes[j]) for i, j in graph.edges.tolist()]
    inputs = range(graph.n_grid, graph.n_nodes)
    edges += [(nodes[visible], nodes[node]) for visible, node in zip(graph.visible_node.tolist(), inputs)]

    free_index = []
    for colour in range(graph.n_colours):
        index = np.flatnonzero(free_mask & (graph.colour == colour))
        if index.size:
            free_index.append(index)
    clamped_index = np.flatnonzero(~free_mask)

    return ThrmlLowering(
        graph=graph,
        nodes=nodes,
        edges=edges,
        free_blocks=[thrml.Block([nodes[i] for i in index]) for index in free_index],
        free_index=free_index,
        clamped_block=thrml.Block([nodes[i] for i in clamped_index]),
        clamped_index=clamped_index,
    )
