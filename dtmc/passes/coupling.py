"""The `coupling` pass: one clamped input node per visible spin, with its fixed per-step coupling."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dtmc.diffusion import step_couplings
from dtmc.errors import PassError
from dtmc.ir.model import ModelIR, visible_layout
from dtmc.passes.base import CompilerPass
from dtmc.passes.registry import register_pass

__all__ = ["CouplingPass", "coupling_table"]


def coupling_table(ir: ModelIR) -> np.ndarray:
    """Return float64[T, V]: the fixed coupling J of every step and visible spin.

    Image spins use the image rate and label spins the label rate, each with
    J = -1/2 ln tanh(rate * (t_(k+1) - t_k) / 2), which is 0 for the infinite last interval of
    the log schedule.
    """
    image_j, label_j = step_couplings(ir.spec.diffusion)
    is_label = visible_layout(ir.spec)["is_label"].astype(bool)
    return np.where(is_label[None, :], label_j[:, None], image_j[:, None])


@register_pass
@dataclass(frozen=True)
class CouplingPass(CompilerPass):
    """Add input node `L*L + v` for each visible spin v and couple it to the node holding v.

    Reads: `visible` on grid nodes; `spec.diffusion`.
    Writes: input nodes with `role="input"`, `cell=None`, `visible`; coupling edges with
    `kind="coupling"` and `weights` (J per step); graph attribute `n_steps`.
    """

    name = "coupling"
    requires = ("placement",)

    def run(self, ir: ModelIR) -> None:
        """Add the input nodes and their coupling edges."""
        n_grid = ir.n_grid
        holder = {v: node for node, v in ir.graph.nodes(data="visible", default=None) if v is not None}
        table = coupling_table(ir)

        ir.graph.add_nodes_from(
            (n_grid + v, {"role": "input", "cell": None, "visible": v}) for v in range(len(holder))
        )
        ir.graph.add_edges_from(
            (n_grid + v, holder[v], {"kind": "coupling", "weights": tuple(table[:, v].tolist())})
            for v in range(len(holder))
        )
        ir.graph.graph["n_steps"] = ir.n_steps

    def verify(self, ir: ModelIR) -> None:
        """Check that each input node has exactly one edge, a coupling to its visible node."""
        n_grid = ir.n_grid
        for v in range(ir.spec.visible_spins):
            node = n_grid + v
            neighbours = list(ir.graph.adj[node])
            if len(neighbours) != 1 or ir.graph.nodes[neighbours[0]].get("visible") != v:
                raise PassError(
                    f"coupling: input node {node} must be coupled only to the node holding visible spin {v}, "
                    f"found neighbours {neighbours}"
                )
            if len(ir.graph.edges[node, neighbours[0]]["weights"]) != ir.n_steps:
                raise PassError(f"coupling: input node {node} does not have one weight per step")
