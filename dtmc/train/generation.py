"""Generation: denoise fair coin flips through every step, with labels free or clamped to a class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from dtmc.train.noising import bits_to_spins, chain_states

__all__ = ["Generator", "Generated", "class_code"]


@dataclass(frozen=True)
class Generated:
    """Result of one generation run.

    Attributes:
        bits: uint8[N, V], the final sample x_0 (image spins, then label spins).
        classes: int64[N], requested class index of each chain, or -1 with free labels.
        frames: uint8[T + 1, N, V], x_T (the coin flips) down to x_0; None unless recorded.
    """

    bits: np.ndarray
    classes: np.ndarray
    frames: np.ndarray | None


def class_code(class_index: np.ndarray, n_classes: int, repeat: int) -> np.ndarray:
    """Return the label bits uint8[N, n_classes * repeat]: the one-hot code repeated, copy-major."""
    one_hot = np.eye(n_classes, dtype=np.uint8)[np.asarray(class_index)]
    return np.tile(one_hot, (1, repeat))


class Generator:
    """Sample from a trained program, compiling one denoising step per label mode.

    Args:
        program: compiled program (`spec`, `graph`, `schedule`).
        sampler_factory: `(graph, free_mask) -> sampler`; `dtmc.backend.make_sampler` when None.
    """

    def __init__(self, program: Any, *, sampler_factory: Callable[[Any, np.ndarray], Any] | None = None):
        if sampler_factory is None:
            from dtmc.backend import make_sampler as sampler_factory

        self.program = program
        self.spec = program.spec
        self.graph = program.graph
        self.trace_counts: dict[str, int] = {"free": 0, "clamped": 0}
        self._steps = {
            mode: jax.jit(self._build_step(sampler_factory(self.graph, program.schedule[f"generate_{mode}"]), mode))
            for mode in ("free", "clamped")
        }

    def _build_step(self, sampler: Any, mode: str) -> Callable:
        generate = self.spec.generate
        graph = self.graph
        visible = jnp.asarray(graph.visible_node)

        from dtmc.backend.params import Params

        def denoise(weights, biases, coupling, current, key):
            self.trace_counts[mode] += 1
            hidden_key, run_key = jax.random.split(key)

            # The output chain starts at the input, the forward channel's most likely value.
            state = chain_states(graph, current, current, key=hidden_key)
            final, _ = sampler.run(
                Params(weights=weights, biases=biases), coupling, state, key=run_key, sweeps=generate.sweeps,
                beta_start=generate.beta_start, beta_end=generate.beta_end,
            )
            return final[:, visible]

        return denoise

    def generate(
        self,
        weights: np.ndarray,
        biases: np.ndarray,
        *,
        key: jax.Array,
        classes: np.ndarray | None = None,
        n: int | None = None,
        record: bool = False,
    ) -> Generated:
        """Denoise from x_T = fair coins down to x_0.

        Args:
            weights: float32[T, m] trained weights.
            biases: float32[T, n_grid] trained biases.
            key: PRNG key.
            classes: class index (position in the model's class list) of each chain; the label
                spins are then clamped to that class's code at every step. None samples labels freely.
            n: number of chains with free labels; ignored when `classes` is given.
            record: keep every intermediate x_k for a denoising animation.

        Returns:
            The final bits, the requested classes and, when recorded, the frames.
        """
        image_spins = self.spec.data.image_spins
        mode = "free" if classes is None else "clamped"
        if classes is None:
            classes = np.full(n or 1, -1, dtype=np.int64)
        classes = np.asarray(classes, dtype=np.int64)

        coin_key, key = jax.random.split(key)
        current = jax.random.rademacher(coin_key, (classes.shape[0], self.graph.n_visible), dtype=jnp.int8)
        if mode == "clamped":
            labels = class_code(classes, len(self.spec.data.classes), self.spec.labels.repeat)
            current = current.at[:, image_spins:].set(bits_to_spins(jnp.asarray(labels)))

        frames = [current] if record else None
        for step in reversed(range(self.graph.n_steps)):
            current = self._steps[mode](
                jnp.asarray(weights[step]), jnp.asarray(biases[step]), jnp.asarray(self.graph.coupling[step]),
                current, jax.random.fold_in(key, step),
            )
            if frames is not None:
                frames.append(current)

        def to_bits(spins):
            return ((np.asarray(spins) + 1) // 2).astype(np.uint8)

        return Generated(
            bits=to_bits(current),
            classes=classes,
            frames=None if frames is None else np.stack([to_bits(f) for f in frames]),
        )
