"""Size figures of a checked model (nodes, edges, parameters) and the summary `dtmc check` prints."""

from __future__ import annotations

from dtmc.spec import GraphSpec, ModelSpec

__all__ = ["base_edge_count", "summary_lines"]


def base_edge_count(graph: GraphSpec) -> int:
    """Count the distinct base-graph edges of one step's L x L grid under the connection rules.

    Each rule (a, b) offsets a cell by (a, b), (-b, a), (-a, -b) and (b, -a). Offsets d and -d
    give the same undirected edges, and offsets that differ otherwise give disjoint edge sets, so
    the count is a sum over offsets up to sign, without building the grid. On an open grid offset
    (dx, dy) joins (L - |dx|)(L - |dy|) pairs of cells. On a torus offsets wrap modulo L; one
    offset joins L^2 pairs, or L^2 / 2 when d = -d modulo L (both halves of the side), and none
    when it wraps to zero.

    Args:
        graph: the graph spec.

    Returns:
        The number of undirected edges.
    """
    side = graph.side
    offsets: set[tuple[int, int]] = set()
    for a, b in graph.rules:
        for dx, dy in ((a, b), (-b, a), (-a, -b), (b, -a)):
            if graph.torus:
                dx, dy = dx % side, dy % side
                negated = (-dx % side, -dy % side)
            else:
                negated = (-dx, -dy)
            offsets.add(min((dx, dy), negated))

    count = 0
    for dx, dy in offsets:
        if graph.torus:
            if (dx, dy) == (0, 0):
                continue
            self_inverse = (2 * dx) % side == 0 and (2 * dy) % side == 0
            count += side * side // 2 if self_inverse else side * side
        else:
            count += max(side - abs(dx), 0) * max(side - abs(dy), 0)
    return count


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
