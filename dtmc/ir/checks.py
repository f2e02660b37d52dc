"""Structural checkers shared by pass `verify` methods and the tests: colourings and degrees."""

from __future__ import annotations

import numpy as np

from dtmc.program.arrays import rule_offsets

__all__ = ["improper_edges", "is_proper_colouring", "interior_mask", "node_degrees"]


def improper_edges(edges: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Return the indices of edges whose two ends share a colour.

    An empty result proves that every colour class is an independent set, so all nodes of one
    colour can be Gibbs-updated at the same time.

    Args:
        edges: int[m, 2] node pairs.
        colour: int[n] colour of each node.

    Returns:
        int64[k] indices into `edges`, in ascending order.
    """
    edges = np.asarray(edges)
    if edges.size == 0:
        return np.zeros(0, dtype=np.int64)
    colour = np.asarray(colour)
    return np.flatnonzero(colour[edges[:, 0]] == colour[edges[:, 1]])


def is_proper_colouring(edges: np.ndarray, colour: np.ndarray) -> bool:
    """Return whether no edge joins two nodes of the same colour."""
    return improper_edges(edges, colour).size == 0


def node_degrees(edges: np.ndarray, n_nodes: int) -> np.ndarray:
    """Return int64[n_nodes], the number of edges at each node."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1)
    return np.bincount(edges, minlength=n_nodes)


def interior_mask(side: int, torus: bool, rules: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Return bool[side * side]: cells whose every rule offset stays on the grid.

    On a torus every cell is interior. On an open grid a border cell loses the edges that would
    leave the grid, so only interior cells have the full degree 4 * len(rules).
    """
    if torus:
        return np.ones(side * side, dtype=bool)

    x, y = np.divmod(np.arange(side * side), side)
    inside = np.ones(side * side, dtype=bool)
    for dx, dy in rule_offsets(rules):
        inside &= (x + dx >= 0) & (x + dx < side) & (y + dy >= 0) & (y + dy < side)
    return inside
