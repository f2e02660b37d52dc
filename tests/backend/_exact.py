"""Exact Boltzmann moments of tiny graphs by enumeration, and the small graphs the tests sample."""

from __future__ import annotations

import itertools

import jax.numpy as jnp
import networkx as nx
import numpy as np

from dtmc.backend import Params
from dtmc.program.arrays import INPUT_COLOUR, ROLE_HIDDEN, ROLE_IMAGE, ROLE_INPUT, GraphArrays


def exact_moments(
    graph: GraphArrays,
    params: Params,
    coupling: np.ndarray,
    state_row: np.ndarray,
    free_mask: np.ndarray,
    beta: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Return exact (node means, edge means) for one clamp pattern by enumerating the free spins."""
    n_grid = graph.n_grid
    free = np.flatnonzero(free_mask[:n_grid])
    assert free.size <= 16, "enumeration is limited to 16 free spins"

    configurations = np.array(list(itertools.product([-1.0, 1.0], repeat=free.size)))
    spins = np.tile(state_row[:n_grid].astype(np.float64), (configurations.shape[0], 1))
    spins[:, free] = configurations

    weights = np.asarray(params.weights, np.float64)
    biases = np.asarray(params.biases, np.float64)
    first, second = graph.edges[:, 0], graph.edges[:, 1]
    inputs = state_row[n_grid:].astype(np.float64)
    energy = -(spins[:, first] * spins[:, second]) @ weights - spins @ biases
    energy -= spins[:, graph.visible_node] @ (np.asarray(coupling, np.float64) * inputs)

    log_weight = -beta * energy
    probability = np.exp(log_weight - log_weight.max())
    probability /= probability.sum()
    return probability @ spins, probability @ (spins[:, first] * spins[:, second])


def random_params(graph: GraphArrays, seed: int, scale: float = 0.5) -> Params:
    """Draw Gaussian weights and biases strong enough to make the distribution far from uniform."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(0.0, scale, graph.edges.shape[0])
    biases = rng.normal(0.0, scale / 2, graph.n_grid)
    return Params(jnp.asarray(weights, jnp.float32), jnp.asarray(biases, jnp.float32))


def two_group_state(graph: GraphArrays, chains: int, clamped: dict[int, int], seed: int) -> np.ndarray:
    """Build int8[chains, n_nodes]: random free spins, `clamped` grid values, and two input patterns.

    In the first half of the chains the inputs alternate +1, -1, ... and in the second half they
    are negated, so the per-chain input field is exercised.
    """
    rng = np.random.default_rng(seed)
    state = np.where(rng.random((chains, graph.n_nodes)) < 0.5, 1, -1).astype(np.int8)
    for node, value in clamped.items():
        state[:, node] = value
    pattern = np.where(np.arange(graph.n_visible) % 2 == 0, 1, -1).astype(np.int8)
    state[: chains // 2, graph.n_grid :] = pattern
    state[chains // 2 :, graph.n_grid :] = -pattern
    return state


def triangular_graph(side: int, visible: tuple[int, ...], coupling: np.ndarray) -> GraphArrays:
    """Build an open side x side grid with nearest neighbours plus one diagonal: triangles everywhere.

    The diagonal edges have direction -1 and the colouring is networkx's greedy colouring, so the
    graph is not bipartite and only the generic kernel can sample it.
    """
    n_grid = side * side
    pairs = []
    for x in range(side):
        for y in range(side):
            node = x * side + y
            if y + 1 < side:
                pairs.append((node, node + 1, 0))
            if x + 1 < side:
                pairs.append((node, node + side, 3))
            if x + 1 < side and y + 1 < side:
                pairs.append((node, node + side + 1, -1))
    table = np.array(pairs)

    networkx_graph = nx.Graph()
    networkx_graph.add_nodes_from(range(n_grid))
    networkx_graph.add_edges_from(table[:, :2].tolist())
    greedy = nx.greedy_color(networkx_graph, strategy="largest_first")
    colour = np.array([greedy[i] for i in range(n_grid)], np.int8)

    n_visible = len(visible)
    role = np.full(n_grid + n_visible, ROLE_HIDDEN, np.int8)
    role[list(visible)] = ROLE_IMAGE
    role[n_grid:] = ROLE_INPUT
    cell = np.full((n_grid + n_visible, 2), -1, np.int32)
    cell[:n_grid] = np.stack(np.divmod(np.arange(n_grid), side), axis=1)
    graph = GraphArrays(
        side=side,
        torus=False,
        rules=((0, 1),),
        role=role,
        cell=cell,
        colour=np.concatenate([colour, np.full(n_visible, INPUT_COLOUR, np.int8)]),
        visible_node=np.array(visible, np.int32),
        edges=table[:, :2].astype(np.int32),
        edge_direction=table[:, 2].astype(np.int16),
        coupling=np.asarray(coupling, np.float32),
    )
    graph.validate()
    return graph
