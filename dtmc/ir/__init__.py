"""The compiler's graph IR on networkx, its checkers and its text summary."""

from dtmc.ir.checks import improper_edges, interior_mask, is_proper_colouring, node_degrees
from dtmc.ir.model import ModelIR, step_graph, visible_layout
from dtmc.ir.summary import summarize_ir

__all__ = [
    "ModelIR",
    "improper_edges",
    "interior_mask",
    "is_proper_colouring",
    "node_degrees",
    "step_graph",
    "summarize_ir",
    "visible_layout",
]
