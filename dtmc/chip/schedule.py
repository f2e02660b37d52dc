"""The chip program as a versioned JSON document and as readable text.

Schema `dtmc.chip-program`, version 1:

* `target`, `model`, `placement`, `formats`: what runs where and how registers are encoded.
* `cells`: the cell map, one entry per model grid node: node id, chip cell, role, colour, visible index.
* `steps`: in generation order (last diffusion step first), each with beta, the value of one field
  unit, the quantisation statistics per register kind, its registers and its phase sequence. The registers are `bias` and `input` codes and
  `coupling[cell][direction]` codes in cell-map order, 0 where a direction carries no model edge.
* `readout`: the chip cells read out at the end of each step, in visible-spin order.
* `cost`: the estimated operations, time and energy of one sample.

Every edge is stored once, at its first node's cell, in the chip direction that reaches its
second node. With quantisation off the registers hold floats instead of integer codes.
"""

from __future__ import annotations

import numpy as np

from dtmc.chip.build import ChipBuild
from dtmc.program.arrays import ROLE_NAMES

__all__ = ["SCHEMA_NAME", "SCHEMA_VERSION", "chip_program", "format_chip_program"]

SCHEMA_NAME = "dtmc.chip-program"
SCHEMA_VERSION = 1


def _plain(values: np.ndarray) -> list:
    """Convert registers to JSON numbers: ints for codes, floats for exact values."""
    if np.issubdtype(values.dtype, np.integer):
        return values.astype(int).tolist()
    return [float(v) for v in np.ravel(values)] if values.ndim == 1 else [_plain(row) for row in values]


def _coupling_registers(build: ChipBuild, step: int) -> np.ndarray:
    graph, placement = build.graph, build.placement
    table = np.zeros((graph.n_grid, build.target.degree), dtype=build.params.weights.dtype)
    table[graph.edges[:, 0], placement.edge_slot] = build.params.weights[step]
    return table


def chip_program(build: ChipBuild) -> dict:
    """Build the JSON-ready chip program of a placed, quantised model.

    Args:
        build: the program mapped onto its chip.

    Returns:
        A dict of plain lists, strings and numbers, following schema version `SCHEMA_VERSION`.
    """
    target, graph, placement, params = build.target, build.graph, build.placement, build.params
    cells = [
        {
            "node": node,
            "cell": placement.chip_cell[node].tolist(),
            "role": ROLE_NAMES[graph.role[node]],
            "colour": int(graph.colour[node]),
        }
        for node in range(graph.n_grid)
    ]
    for v, node in enumerate(graph.visible_node.tolist()):
        cells[node]["visible"] = v

    steps = []
    colours = list(range(graph.n_colours))
    for order, step in enumerate(reversed(range(graph.n_steps))):
        source = "noise" if order == 0 else f"output of step {step + 1}"
        steps.append(
            {
                "step": step,
                "beta": float(params.beta[step]),
                "field_unit": float(params.field_unit[step]),
                "quantisation": [
                    {"kind": s.kind, "count": s.count, "clipped": s.clipped, "rounded": s.rounded, "max_error": s.max_error, "lsb": s.lsb}
                    for s in params.stats
                    if s.step == step
                ],
                "registers": {
                    "bias": _plain(params.biases[step]),
                    "input": _plain(params.couplings[step]),
                    "coupling": _plain(_coupling_registers(build, step)),
                },
                "phases": [
                    {"op": "write_registers", "count": build.registers},
                    {"op": "load_inputs", "source": source},
                    {
                        "op": "sweep",
                        "sweeps": build.sweeps,
                        "colours": colours,
                        "beta_start": build.beta_start,
                        "beta_end": build.beta_end,
                    },
                    {"op": "readout", "cells": graph.n_visible},
                ],
            }
        )

    cost = build.estimate(1)
    return {
        "schema": SCHEMA_NAME,
        "version": SCHEMA_VERSION,
        "target": {
            "name": target.name,
            "side": target.side,
            "torus": target.torus,
            "rules": [list(rule) for rule in target.rules],
            "dead_cells": [list(cell) for cell in target.dead_cells],
            "clock_hz": target.clock.hz,
        },
        "model": {
            "name": build.name,
            "content_hash": build.content_hash,
            "side": graph.side,
            "torus": graph.torus,
            "steps": graph.n_steps,
            "visible": graph.n_visible,
        },
        "placement": {"offset": list(placement.offset), "transposed": placement.transposed},
        "formats": {
            "exact": params.exact,
            "weights": {"bits": target.weights.bits, "range": target.weights.range, "factor": params.weight_factor},
            "couplings": {
                "bits": target.coupling_format.bits,
                "range": target.coupling_format.range,
                "factor": params.coupling_factor,
            },
            "biases": {"bits": target.biases.bits, "range": target.biases.range, "factor": params.bias_factor},
            "scale": target.scale,
            "random_bits": target.resolution_bits,
        },
        "cells": cells,
        "steps": steps,
        "readout": [placement.chip_cell[node].tolist() for node in graph.visible_node.tolist()],
        "cost": {
            "cell_updates": cost.cell_updates,
            "random_bits": cost.random_bits,
            "readouts": cost.readouts,
            "register_writes": cost.weight_writes,
            "cycles": cost.cycles,
            "seconds": cost.seconds(target),
            "joules": cost.joules(target),
        },
    }


def _format_registers(document: dict, step: dict) -> list[str]:
    lines = []
    registers = step["registers"]
    for entry in document["cells"]:
        node = entry["node"]
        x, y = entry["cell"]
        couplings = " ".join(f"d{d}={value:g}" for d, value in enumerate(registers["coupling"][node]) if value)
        visible = entry.get("visible")
        input_text = f" input {registers['input'][visible]:g}" if visible is not None else ""
        lines.append(f"    ({x}, {y}) bias {registers['bias'][node]:g}{input_text}" + (f" couplings {couplings}" if couplings else ""))
    return lines


def format_chip_program(document: dict) -> str:
    """Render a chip program from `chip_program` as readable text, one section per step."""
    target, model, formats = document["target"], document["model"], document["formats"]
    ox, oy = document["placement"]["offset"]
    grid = "torus" if target["torus"] else "open"
    lines = [
        f"chip program {document['schema']} v{document['version']}: model '{model['name']}' on target '{target['name']}'",
        f"chip: {target['side']}x{target['side']} {grid}, rules {target['rules']}, dead cells {target['dead_cells']}",
        f"placement: {model['side']}x{model['side']} {'torus' if model['torus'] else 'open'} model at offset ({ox}, {oy})"
        + (", transposed" if document["placement"]["transposed"] else ""),
    ]
    if formats["exact"]:
        lines.append("registers: exact float values (quantisation off)")
    else:
        weights, couplings, biases = formats["weights"], formats["couplings"], formats["biases"]
        lines.append(
            f"registers: weights {weights['bits']}-bit x{weights['factor']}, input couplings {couplings['bits']}-bit "
            f"x{couplings['factor']}, biases {biases['bits']}-bit x{biases['factor']} field units, "
            f"scale {formats['scale']}, random source {formats['random_bits']}-bit"
        )

    lines.append("cells: node (x, y) role colour [visible]")
    for entry in document["cells"]:
        visible = f" v{entry['visible']}" if "visible" in entry else ""
        lines.append(f"  {entry['node']} ({entry['cell'][0]}, {entry['cell'][1]}) {entry['role']} c{entry['colour']}{visible}")

    for step in document["steps"]:
        lines.append(f"step {step['step']}: beta {step['beta']:g} folded, field unit {step['field_unit']:.6g}")
        for stats in step["quantisation"]:
            lines.append(
                f"  {stats['kind']}: {stats['count']} values, {stats['clipped']} clipped, {stats['rounded']} rounded, "
                f"max error {stats['max_error']:.4g} (LSB {stats['lsb']:.4g})"
            )
        lines.append("  registers:")
        lines.extend(_format_registers(document, step))
        lines.append("  phases:")
        for phase in step["phases"]:
            if phase["op"] == "write_registers":
                lines.append(f"    write {phase['count']} registers")
            elif phase["op"] == "load_inputs":
                lines.append(f"    load inputs from {phase['source']}")
            elif phase["op"] == "sweep":
                lines.append(
                    f"    {phase['sweeps']} sweeps over colours {phase['colours']}, beta {phase['beta_start']:g} -> {phase['beta_end']:g}"
                )
            else:
                lines.append(f"    read out {phase['cells']} visible cells")

    lines.append("readout: visible spin = chip cell")
    entries = [f"v{v}=({x}, {y})" for v, (x, y) in enumerate(document["readout"])]
    for start in range(0, len(entries), 8):
        lines.append("  " + " ".join(entries[start : start + 8]))
    cost = document["cost"]
    lines.append(
        f"cost per sample: {cost['cell_updates']} cell updates, {cost['cycles']} cycles "
        f"({cost['seconds'] * 1e6:.3f} us), {cost['joules']['total'] * 1e9:.4f} nJ"
    )
    return "\n".join(lines) + "\n"
