"""The .dtm model language: grammar-based parser, semantic checker, overrides and summaries."""

from dtmc.lang.checker import check_model, load_model
from dtmc.lang.parser import parse_model
from dtmc.lang.summary import summary_lines

__all__ = ["load_model", "parse_model", "check_model", "summary_lines"]
