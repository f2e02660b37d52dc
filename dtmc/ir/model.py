"""The compiler's graph IR: one networkx graph shared by every diffusion step, plus pass results.

Node ids follow the numbering of `dtmc.program.arrays`: grid cell (x, y) is node `x * L + y` and
input node `L * L + v` conditions visible spin `v`.

Node attributes:
    role: "input", "image", "label" or "hidden".
    cell: grid cell (x, y); None for input nodes.
    colour: block colour (written by the colouring pass; input nodes get `INPUT_COLOUR`).
    visible: visible spin index v (image and label nodes, and the input node coupled to them).
    pixel, level: image spin's pixel index `row * side + col` and grey level.
    label_class, label_copy: label spin's class value and which repeated copy it belongs to.

Edge attributes:
    kind: "base" (trainable, between grid nodes) or "coupling" (fixed, input to visible node).
    direction: base edges only, `4 * rule + rotation` with cell(j) = cell(i) + offset for i < j.
    weights: coupling edges only, the fixed coupling J of every step, a tuple of T floats.

The diffusion steps differ only in their coupling weights, so the IR stores the structure once and
`step_graph` materialises a single step's graph (with a scalar `weight` on couplings) on request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from dtmc.errors import PassError
from dtmc.program.arrays import GraphArrays
from dtmc.spec import ModelSpec

__all__ = ["ModelIR", "step_graph", "visible_layout"]


@dataclass(eq=False)
class ModelIR:
    """The mutable state that compiler passes read and write.

    Attributes:
        spec: the checked model the IR is built from.
        target: name of the target the program is compiled for.
        graph: the shared per-step graph (attributes listed in the module docstring).
        schedule: phase name to bool[n_nodes] free mask (True = sampled), from the schedule pass.
        blocks: grid node ids of each colour block in update order, from the schedule pass.
        arrays: the dense lowering, from the lower pass.
        passes_run: names of the passes applied so far, in order.
        facts: JSON-serialisable results that passes record for the program manifest.
    """

    spec: ModelSpec
    target: str = "jax"
    graph: nx.Graph = field(default_factory=nx.Graph)
    schedule: dict[str, np.ndarray] = field(default_factory=dict)
    blocks: tuple[np.ndarray, ...] = ()
    arrays: GraphArrays | None = None
    passes_run: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def side(self) -> int:
        """Grid side L."""
        return self.spec.graph.side

    @property
    def n_grid(self) -> int:
        """Number of grid nodes, L * L."""
        return self.side * self.side

    @property
    def n_steps(self) -> int:
        """Number of diffusion steps T."""
        return self.spec.diffusion.steps


def visible_layout(spec: ModelSpec) -> dict[str, np.ndarray]:
    """Describe every visible spin v in the numbering of `dtmc.program.arrays`.

    Args:
        spec: the model whose image and label spins are listed.

    Returns:
        int64[V] arrays: `is_label` (0 or 1), `pixel` and `level` (-1 for label spins),
        `label_class` and `label_copy` (-1 for image spins).
    """
    per_pixel = spec.data.spins_per_pixel
    image = np.arange(spec.data.image_spins)
    n_classes = len(spec.data.classes)
    labels = np.arange(spec.label_spins)
    classes = np.asarray(spec.data.classes, dtype=np.int64)
    class_index = labels % max(n_classes, 1)
    copy = labels // max(n_classes, 1)

    minus_image = -np.ones_like(image)
    minus_labels = -np.ones_like(labels)
    return {
        "is_label": np.concatenate([np.zeros_like(image), np.ones_like(labels)]),
        "pixel": np.concatenate([image // per_pixel, minus_labels]),
        "level": np.concatenate([image % per_pixel, minus_labels]),
        "label_class": np.concatenate([minus_image, classes[class_index] if n_classes else labels]),
        "label_copy": np.concatenate([minus_image, copy]),
    }


def step_graph(ir: ModelIR, step: int) -> nx.Graph:
    """Build a standalone copy of one diffusion step's graph, with a scalar `weight` on couplings.

    Args:
        ir: an IR on which the coupling pass has run.
        step: step index k in 0..T-1; step k models P(x_k | x_(k+1)).

    Returns:
        A new graph; base edges keep their attributes, coupling edges carry `weight` = J of `step`.

    Raises:
        PassError: if `step` is out of range.
    """
    if not 0 <= step < ir.n_steps:
        raise PassError(
            f"step {step} is out of range: the model has {ir.n_steps} steps, numbered 0 to {ir.n_steps - 1}; "
            "pick a step in that range"
        )

    graph = ir.graph.copy()
    graph.graph["step"] = step
    for _, _, data in graph.edges(data=True):
        if data.get("kind") == "coupling":
            data["weight"] = float(data.pop("weights")[step])
    return graph
