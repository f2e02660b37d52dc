"""Contrastive training of every diffusion step at once: one jitted update vmapped over steps."""

from __future__ import annotations

import logging
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from dtmc.dist import jit_over_layout, layout_invariant_factory
from dtmc.errors import DtmcError
from dtmc.train.autocorrelation import long_lag_value, make_autocorrelation_probe
from dtmc.train.gradient import estimate_gradient
from dtmc.train.noising import chain_states, flip_tables, noise_pairs
from dtmc.train.optimiser import apply_updates, learning_rates, make_optimiser
from dtmc.train.penalty import initial_penalty, update_penalty
from dtmc.train.state import TrainState

__all__ = ["Trainer", "TrainingDiverged", "TrainingInterrupted", "AUTOCORRELATION_CHAINS"]

logger = logging.getLogger(__name__)

# Free chains per step for the autocorrelation probe; enough for a stable long-lag average.
AUTOCORRELATION_CHAINS = 32

# Offsets folded into an epoch's key so each use draws its own random numbers.
_SHUFFLE, _BATCH, _PROBE = 0, 1, 2


class TrainingDiverged(DtmcError):
    """Training produced NaN or infinite parameters."""


class TrainingInterrupted(Exception):
    """Training stopped by Ctrl-C; `state` is the last consistent state, safe to checkpoint."""

    def __init__(self, state: TrainState):
        super().__init__("training interrupted")
        self.state = state


def _default_sampler_factory(graph, free_mask):
    from dtmc.backend import make_sampler

    return make_sampler(graph, free_mask)


class Trainer:
    """Train all steps of a compiled program on encoded data.

    Every jitted function is built once in the constructor, so a run compiles one update, one
    autocorrelation probe and nothing per epoch. Random numbers come from the state's root key
    folded with the epoch and batch numbers, so an interrupted run resumed from any checkpoint
    draws exactly the numbers an uninterrupted run draws.

    Args:
        program: compiled program (`spec`, `graph`, `schedule`, `init_weights`, `init_biases`).
        train_bits: uint8[N, V] encoded training data (image spins, then label spins).
        probe_bits: uint8[M, V] data whose noised versions condition the autocorrelation chains
            (the test split); `train_bits` when None.
        sampler_factory: `(graph, free_mask) -> sampler`; `dtmc.backend.make_sampler` when None.
    """

    def __init__(
        self,
        program: Any,
        train_bits: np.ndarray,
        *,
        probe_bits: np.ndarray | None = None,
        sampler_factory: Callable[[Any, np.ndarray], Any] | None = None,
    ):
        self.program = program
        self.spec = program.spec
        self.graph = program.graph
        self.train_bits = np.asarray(train_bits, dtype=np.uint8)
        probe_bits = self.train_bits if probe_bits is None else np.asarray(probe_bits, dtype=np.uint8)
        self.probe_bits = probe_bits[:AUTOCORRELATION_CHAINS]
        if self.train_bits.ndim != 2 or self.train_bits.shape[1] != self.graph.n_visible:
            raise DtmcError(
                f"training data has shape {self.train_bits.shape}, expected (N, {self.graph.n_visible}) "
                "encoded bits; encode it with the model's data settings"
            )

        train = self.spec.train
        self.batch_size = min(train.batch, self.train_bits.shape[0])
        self.batches_per_epoch = self.train_bits.shape[0] // self.batch_size
        self.trace_counts: dict[str, int] = {"update": 0, "autocorrelation": 0}

        factory = sampler_factory or layout_invariant_factory(_default_sampler_factory)
        self.positive = factory(self.graph, program.schedule["train_positive"])
        self.negative = factory(self.graph, program.schedule["train_negative"])
        self.optimiser = make_optimiser(train, self.batches_per_epoch)
        # Split over the devices of the layout set by `dtmc.dist.use_layout`, or plain jit without one.
        self._update = jit_over_layout(self._build_update(), ("steps", "steps", "steps", "chains", "replicated", "steps"))

        # The probe runs twice the warmup, so its longest lag equals the warmup a training chain gets.
        probe_sweeps = max(2 * train.warmup, 8)
        self.probe_record_every = max(1, probe_sweeps // 64)
        self._probe = make_autocorrelation_probe(
            self.negative, self.graph.visible_node, sweeps=probe_sweeps, record_every=self.probe_record_every,
            seed=self.spec.seed, on_trace=self._count_probe_trace,
        )

    def _count_probe_trace(self) -> None:
        self.trace_counts["autocorrelation"] += 1

    def _build_update(self) -> Callable:
        train = self.spec.train
        to_output, to_input = (jnp.asarray(t) for t in flip_tables(self.spec))
        couplings = jnp.asarray(self.graph.coupling, dtype=jnp.float32)
        rates = jnp.asarray(learning_rates(train, self.graph.n_steps))
        visible = jnp.asarray(self.graph.visible_node)
        graph = self.graph

        from dtmc.backend.params import Params

        def one_step(weights, biases, opt_state, coupling, positive_state, negative_state, key, penalty, rate):
            params = Params(weights=weights, biases=biases)
            positive_key, negative_key = jax.random.split(key)
            sampling = dict(warmup=train.warmup, n_samples=train.samples, spacing=train.every, beta=train.beta)
            positive = self.positive.moments(params, coupling, positive_state, key=positive_key, **sampling)
            negative = self.negative.moments(params, coupling, negative_state, key=negative_key, **sampling)

            gradient = estimate_gradient(
                positive, negative, weights, beta=train.beta, penalty=penalty, weight_decay=train.weight_decay
            )
            updates, opt_state = self.optimiser.update(gradient, opt_state)
            weights, biases = apply_updates((weights, biases), updates, rate)

            # Loss proxy: how far the model's visible means are from the data's.
            gap = jnp.mean(jnp.abs(positive.node[visible] - negative.node[visible]))
            return weights, biases, opt_state, gap

        def update(weights, biases, opt_state, clean, key, penalty):
            self.trace_counts["update"] += 1
            noise_key, positive_key, negative_key, step_key = jax.random.split(key, 4)
            inputs, outputs = noise_pairs(clean, to_output, to_input, key=noise_key)
            positive_states = chain_states(graph, inputs, outputs, key=positive_key)

            # Free outputs start at the input, as in generation, so short chains learn the law
            # that generation samples.
            negative_states = chain_states(graph, inputs, inputs, key=negative_key)
            step_keys = jax.random.split(step_key, graph.n_steps)
            return jax.vmap(one_step)(
                weights, biases, opt_state, couplings, positive_states, negative_states, step_keys, penalty, rates
            )

        return update

    def initial_state(self) -> TrainState:
        """Return the state before the first epoch: the program's initial parameters, fresh Adam."""
        weights = np.asarray(self.program.init_weights, dtype=np.float32)
        biases = np.asarray(self.program.init_biases, dtype=np.float32)
        opt_state = jax.vmap(self.optimiser.init)((jnp.asarray(weights), jnp.asarray(biases)))
        return TrainState(
            weights=weights,
            biases=biases,
            opt_state=jax.tree_util.tree_map(np.asarray, opt_state),
            penalty=initial_penalty(self.spec.train.penalty, self.graph.n_steps),
            key=np.asarray(jax.random.key_data(jax.random.key(self.spec.train.seed))),
        )

    def optimiser_template(self) -> Any:
        """Return a fresh optimiser state, the tree structure checkpoints are loaded into."""
        return self.initial_state().opt_state

    def _epoch_key(self, state: TrainState, purpose: int) -> jax.Array:
        root = jax.random.wrap_key_data(jnp.asarray(state.key))
        return jax.random.fold_in(jax.random.fold_in(root, state.epoch), purpose)

    def train_epoch(self, state: TrainState, on_batch: Callable[[int, float], None] | None = None) -> TrainState:
        """Apply the remaining batches of epoch `state.epoch` and return the state after it.

        Args:
            state: state at an epoch boundary or part-way through an epoch (`state.batch`).
            on_batch: called after every batch with the batch index and the mean loss proxy.

        Returns:
            The state with `epoch` increased by one and `batch` reset to 0.

        Raises:
            TrainingDiverged: if a parameter becomes NaN or infinite; `state` is left untouched.
            TrainingInterrupted: on Ctrl-C, carrying the state after the last whole batch.
        """
        order = np.asarray(jax.random.permutation(self._epoch_key(state, _SHUFFLE), self.train_bits.shape[0]))
        batch_root = self._epoch_key(state, _BATCH)
        penalty = jnp.asarray(state.penalty.strength, dtype=jnp.float32)
        weights, biases = jnp.asarray(state.weights), jnp.asarray(state.biases)
        opt_state = jax.tree_util.tree_map(jnp.asarray, state.opt_state)

        batch = state.batch
        try:
            while batch < self.batches_per_epoch:
                rows = order[batch * self.batch_size : (batch + 1) * self.batch_size]
                clean = jnp.asarray(self.train_bits[rows])
                result = self._update(weights, biases, opt_state, clean, jax.random.fold_in(batch_root, batch), penalty)
                if not bool(jnp.all(jnp.isfinite(result[0])) & jnp.all(jnp.isfinite(result[1]))):
                    raise TrainingDiverged(
                        f"training diverged in epoch {state.epoch + 1}, batch {batch + 1}: a weight or bias became "
                        "NaN or infinite; lower train.lr or raise train.warmup, then resume from the last checkpoint"
                    )
                weights, biases, opt_state, gap = result
                batch += 1
                if on_batch is not None:
                    on_batch(batch, float(jnp.mean(gap)))
        except KeyboardInterrupt:
            raise TrainingInterrupted(self._snapshot(state, weights, biases, opt_state, batch=batch)) from None

        return self._snapshot(state, weights, biases, opt_state, batch=0, epoch=state.epoch + 1)

    def _snapshot(self, state, weights, biases, opt_state, *, batch, epoch=None) -> TrainState:
        return state.evolve(
            weights=np.asarray(weights),
            biases=np.asarray(biases),
            opt_state=jax.tree_util.tree_map(np.asarray, opt_state),
            batch=batch,
            epoch=state.epoch if epoch is None else epoch,
        )

    def measure_autocorrelation(self, state: TrainState) -> tuple[np.ndarray, np.ndarray]:
        """Measure every step's autocorrelation curve with free chains on noised probe data.

        Returns:
            `(curves float32[T, lags], long_lag float64[T])`.
        """
        key = self._epoch_key(state, _PROBE)
        noise_key, hidden_key, output_key, run_key = jax.random.split(key, 4)
        to_output, to_input = flip_tables(self.spec)
        inputs, outputs = noise_pairs(jnp.asarray(self.probe_bits), jnp.asarray(to_output), jnp.asarray(to_input), key=noise_key)
        free_outputs = jax.random.rademacher(output_key, outputs.shape, dtype=jnp.int8)
        states = chain_states(self.graph, inputs, free_outputs, key=hidden_key)

        from dtmc.backend.params import Params

        params = Params(weights=jnp.asarray(state.weights), biases=jnp.asarray(state.biases))
        curves = np.asarray(self._probe(params, jnp.asarray(self.graph.coupling), states, key=run_key))
        long_lag = np.array([long_lag_value(curve) for curve in curves])
        return curves, long_lag

    def adapt_penalty(self, state: TrainState, long_lag: np.ndarray) -> TrainState:
        """Return the state with the penalty updated from this epoch's long-lag autocorrelation."""
        return state.evolve(penalty=update_penalty(state.penalty, self.spec.train.penalty, long_lag))
