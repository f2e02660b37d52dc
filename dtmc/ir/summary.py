"""A readable text summary of the IR, printed by `dtmc compile --print-after`."""

from __future__ import annotations

from collections import Counter

import numpy as np

from dtmc.ir.model import ModelIR

__all__ = ["summarize_ir"]

_ROLE_ORDER = ("input", "image", "label", "hidden")
_SAMPLE_ROWS = 4


def _colour_text(colour: int | None) -> str:
    return "-" if colour is None else str(colour)


def summarize_ir(ir: ModelIR, after: str) -> str:
    """Describe the IR after pass `after`: node counts per role and colour, edge counts per kind,
    coupling weights per step, and a few sample nodes and edges.

    The text depends only on the IR, so it can be compared against a golden file.
    """
    graph = ir.graph
    spec = ir.spec
    layout = "torus" if spec.graph.torus else "open"
    lines = [
        f"== IR after '{after}': model {spec.name}, {ir.side}x{ir.side} {layout} grid, "
        f"{len(spec.graph.rules)} rules, {ir.n_steps} steps ==",
        f"nodes: {graph.number_of_nodes()}",
    ]

    # Node counts per (role, colour); colour is '-' until the colouring pass has run.
    counts = Counter((role, graph.nodes[n].get("colour")) for n, role in graph.nodes(data="role"))
    for role in _ROLE_ORDER:
        colours = sorted((c for r, c in counts if r == role), key=lambda c: -1 if c is None else c)
        for colour in colours:
            lines.append(f"  {role:<7} colour {_colour_text(colour):>2}: {counts[(role, colour)]}")

    kinds = Counter(kind for _, _, kind in graph.edges(data="kind"))
    lines.append(f"edges: {graph.number_of_edges()} (base {kinds['base']}, coupling {kinds['coupling']})")

    # Couplings are equal within a role, so one image and one label value per step cover every edge.
    weights = {"image": None, "label": None}
    for i, j, data in graph.edges(data=True):
        if data["kind"] == "coupling":
            role = graph.nodes[min(i, j)]["role"]
            if weights[role] is None:
                weights[role] = data["weights"]
    if any(w is not None for w in weights.values()):
        lines.append("coupling J per step:")
        for step in range(ir.n_steps):
            parts = [f"{role} {w[step]:.6f}" for role, w in weights.items() if w is not None]
            lines.append(f"  step {step}: " + ", ".join(parts))

    lines.append("sample nodes:")
    visible = sorted((v, n) for n, v in graph.nodes(data="visible") if v is not None and n < ir.n_grid)
    picks = [0, ir.n_grid - 1] + [n for _, n in visible[:2]] + ([ir.n_grid] if graph.has_node(ir.n_grid) else [])
    for node in dict.fromkeys(picks):
        data = graph.nodes[node]
        extras = " ".join(f"{k}={data[k]}" for k in sorted(data) if k not in ("role", "cell", "colour"))
        lines.append(
            f"  {node:>6}  {data['role']:<7} cell={data['cell']} colour={_colour_text(data.get('colour'))}"
            + (f" {extras}" if extras else "")
        )

    lines.append("sample edges:")
    for i, j, data in list(graph.edges(0, data=True))[:_SAMPLE_ROWS]:
        lines.append(f"  {min(i, j):>6} - {max(i, j):<6} {data['kind']} direction={data.get('direction')}")

    if ir.blocks:
        sizes = ", ".join(str(len(block)) for block in ir.blocks)
        lines.append(f"blocks in update order: sizes {sizes}")
    for phase, free in ir.schedule.items():
        lines.append(f"  phase {phase:<17} free {int(np.count_nonzero(free))}, clamped {int(free.size - np.count_nonzero(free))}")
    if ir.arrays is not None:
        arrays = ir.arrays
        lines.append(
            f"arrays: {arrays.n_nodes} nodes, {arrays.edges.shape[0]} base edges, coupling {arrays.coupling.shape}"
        )
    return "\n".join(lines)
