"""Export one diffusion step's graph as GraphML, Graphviz DOT or an SVG picture of the grid."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Literal

import networkx as nx
import numpy as np

from dtmc.errors import DtmcError
from dtmc.ir.model import ModelIR, step_graph
from dtmc.program.arrays import rule_offsets

__all__ = ["EXPORT_FORMATS", "draw_grid", "export_step", "to_graphml", "to_dot", "to_svg"]

EXPORT_FORMATS = ("graphml", "dot", "svg")

# Fill colours of the SVG, per role; hidden cells are shaded by block colour.
_ROLE_FILL = {"image": "#1f77b4", "label": "#ff7f0e", "input": "#2ca02c"}
_HIDDEN_FILL = ("#d9d9d9", "#9e9e9e", "#6b6b6b", "#404040")


def _flat_attributes(graph: nx.Graph) -> nx.Graph:
    """Replace attributes GraphML cannot store (tuples, None) with scalar ones, in place."""
    for _, data in graph.nodes(data=True):
        cell = data.pop("cell", None)
        data["x"], data["y"] = cell if cell is not None else (-1, -1)
    for key in [k for k, v in graph.graph.items() if not isinstance(v, (int, float, str, bool))]:
        graph.graph[key] = str(graph.graph[key])
    return graph


def to_graphml(ir: ModelIR, step: int) -> str:
    """Return step `step`'s graph as GraphML text; cells become integer `x` and `y` attributes."""
    graph = _flat_attributes(step_graph(ir, step))
    return "\n".join(nx.generate_graphml(graph)) + "\n"


def to_dot(ir: ModelIR, step: int) -> str:
    """Return step `step`'s graph in Graphviz DOT, with grid positions pinned for `neato -n`."""
    graph = step_graph(ir, step)
    lines = [f"graph {_dot_id(ir.spec.name)}_step{step} {{", "  node [shape=circle, style=filled, label=\"\"];"]
    for node, data in graph.nodes(data=True):
        x, y = data["cell"] if data["cell"] is not None else (-2, data["visible"])
        fill = _ROLE_FILL.get(data["role"], _HIDDEN_FILL[data.get("colour", 0) % len(_HIDDEN_FILL)])
        lines.append(
            f'  {node} [role={data["role"]}, colour={data.get("colour", -1)}, pos="{y * 36},{-x * 36}!", '
            f'fillcolor="{fill}"];'
        )
    for i, j, data in graph.edges(data=True):
        if data["kind"] == "coupling":
            lines.append(f"  {i} -- {j} [kind=coupling, weight_j={data['weight']:.9g}, style=dashed];")
        else:
            lines.append(f"  {i} -- {j} [kind=base, direction={data['direction']}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_id(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name) or "model"


def draw_grid(ir: ModelIR, step: int):
    """Draw the grid of step `step` on a new matplotlib figure and return the figure.

    Each cell is a square coloured by role (image, label) or, for hidden cells, by block colour.
    The wiring of the centre cell is drawn in red, so the pattern's rules are visible.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    graph = step_graph(ir, step)
    side = ir.side
    fills = np.empty((side, side), dtype=object)
    for node in range(ir.n_grid):
        data = graph.nodes[node]
        x, y = data["cell"]
        fills[x, y] = _ROLE_FILL.get(data["role"], _HIDDEN_FILL[data.get("colour", 0) % len(_HIDDEN_FILL)])

    size = min(12.0, 2.0 + side * 0.12)
    figure, axes = plt.subplots(figsize=(size, size))
    xs, ys = np.divmod(np.arange(ir.n_grid), side)
    axes.scatter(ys, xs, c=[fills[x, y] for x, y in zip(xs, ys)], marker="s", s=(260.0 / side) ** 2, linewidths=0)

    # The centre cell's rule offsets, drawn unwrapped, show the wiring pattern at once.
    cx, cy = side // 2, side // 2
    for dx, dy in rule_offsets(ir.spec.graph.rules):
        axes.plot([cy, cy + dy], [cx, cx + dx], color="#d62728", linewidth=0.8)
    axes.scatter([cy], [cx], color="#d62728", marker="s", s=(260.0 / side) ** 2)

    handles = [Patch(color=_ROLE_FILL["image"], label="image"), Patch(color=_ROLE_FILL["label"], label="label")]
    n_colours = int(graph.graph.get("n_colours", 2))
    handles += [Patch(color=_HIDDEN_FILL[c % len(_HIDDEN_FILL)], label=f"hidden, colour {c}") for c in range(n_colours)]
    handles.append(Patch(color="#d62728", label="wiring of one cell"))
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    layout = "torus" if ir.spec.graph.torus else "open"
    n_base = sum(1 for *_, kind in graph.edges(data="kind") if kind == "base")
    axes.set_title(f"{ir.spec.name}: step {step}, {side}x{side} {layout} grid, {n_base} base edges")
    axes.set_xlim(-1, side)
    axes.set_ylim(side, -1)
    axes.set_aspect("equal")
    axes.set_xlabel("y")
    axes.set_ylabel("x")
    return figure


def to_svg(ir: ModelIR, step: int) -> str:
    """Return `draw_grid`'s picture of step `step` as SVG text, without a date, so it is reproducible."""
    import matplotlib
    import matplotlib.pyplot as plt

    figure = draw_grid(ir, step)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "dtmc", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return buffer.getvalue()


def export_step(ir: ModelIR, step: int, fmt: Literal["graphml", "dot", "svg"], path: str | os.PathLike) -> Path:
    """Write step `step` of `ir` to `path` in format `fmt`.

    Raises:
        DtmcError: for an unknown format or a file that cannot be written.
        PassError: for a step out of range.
    """
    writers = {"graphml": to_graphml, "dot": to_dot, "svg": to_svg}
    if fmt not in writers:
        raise DtmcError(f"unknown export format '{fmt}'; choose one of {', '.join(EXPORT_FORMATS)}")
    text = writers[fmt](ir, step)
    path = Path(path)

    # Write a temporary file and rename it, so a failed write leaves no partial export behind.
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise DtmcError(f"cannot write {fmt} export {path}: {error.strerror or error}; "
                        "choose another output path with -o") from error
    return path
