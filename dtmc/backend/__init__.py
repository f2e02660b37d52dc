"""JAX backend: block-Gibbs samplers for compiled DTM graphs and their lowering to thrml."""

from dtmc.backend.params import Moments, Params
from dtmc.backend.sampler import KERNEL_NAMES, Sampler, make_sampler

__all__ = ["KERNEL_NAMES", "Moments", "Params", "Sampler", "make_sampler"]
