"""Size figures of a checked model (nodes, edges, parameters) and the summary `dtmc check` prints."""

from __future__ import annotations

import numpy as np

from dtmc.spec import GraphSpec, ModelSpec

__all__ = ["base_edge_count", "summary_lines"]


def base_edge_count(graph: GraphSpec) -> int:
    """Count the distinct base-graph edges of one step's L x L grid under the connection rules.

    Each rule (a, b) offsets a cell by (a, b), (-b, a), (-a, -b) and (b, -a). On a torus offsets
    wrap; on an open grid an offset that leaves the grid adds no edge. Edges that two offsets
    produce twice (possible on small tori) are counted once.

    Args:
        graph: the graph spec.

    Returns:
        The number of undirected edges.
    """
    side = graph.side
    x, y = np.divmod(np.arange(side * side), side)
    pairs = []
    for a, b in graph.rules:
        for dx, dy in ((a, b), (-b, a), (-a, -b), (b, -a)):
            nx, ny = x + dx, y + dy
            if graph.torus:
                nx, ny, keep = nx % side, ny % side, np.ones_like(nx, dtype=bool)
            else:
                keep = (nx >= 0) & (nx < side) & (ny >= 0) & (ny < side)
            source, target = x[keep] * side + y[keep], nx[keep] * side + ny[keep]
            pairs.append(np.stack([np.minimum(source, target), np.maximum(source, target)], axis=1))
    if not pairs:
        return 0
    edges = np.concatenate(pairs)
    edges = edges[edges[:, 0] != edges[:, 1]]
    return int(np.unique(edges, axis=0).shape[0])


def summary_lines(spec: ModelSpec) -> list[str]:
    """Describe a checked model in a few aligned lines: sizes per step, fit and target.

    Args:
        spec: the checked spec.

    Returns:
        Lines without trailing newlines, the first naming the model.
    """
    data, graph = spec.data, spec.graph
    cells = graph.side * graph.side
    visible = spec.visible_spins
    edges = base_edge_count(graph)
    pattern = f"pattern {graph.pattern}" if graph.pattern else "rules " + " ".join(f"({a},{b})" for a, b in graph.rules)

    if data.encoding == "binary":
        encoding = f"binary (threshold {data.threshold:g})"
    else:
        encoding = f"grayscale {data.levels} levels, {data.code} code ({data.spins_per_pixel} spins per pixel)"
    classes = _classes_text(data.classes)
    labels = "none" if spec.labels.kind == "none" else f"one-hot x {spec.labels.repeat}"

    rows = [
        ("data", f"{data.source}, classes {classes}, {data.side}x{data.side} {encoding}"),
        ("labels", labels),
        ("steps", f"{spec.diffusion.steps} ({spec.diffusion.schedule} schedule, offset {spec.diffusion.offset:g})"),
        ("grid", f"{graph.side}x{graph.side} {'torus' if graph.torus else 'open'}, {pattern}, degree {graph.degree}"),
        ("nodes/step", f"{cells + visible} ({cells} grid + {visible} inputs)"),
        ("visible", f"{visible} ({data.image_spins} image + {spec.label_spins} label), "
                    f"{visible / cells:.1%} of the grid"),
        ("hidden", f"{cells - visible}"),
        ("parameters", f"{edges + cells} per step ({edges} edges + {cells} biases)"),
        ("target", spec.target),
    ]
    width = max(len(name) for name, _ in rows)
    return [f"model {spec.name} ({spec.source_path})"] + [f"  {name:<{width}}  {text}" for name, text in rows]


def _classes_text(classes: tuple[int, ...]) -> str:
    if len(classes) > 1 and classes == tuple(range(classes[0], classes[-1] + 1)):
        return f"{classes[0]}..{classes[-1]}"
    return ", ".join(str(number) for number in classes)
