"""Tiny graphs, programs and reference samplers for the training tests.

The samplers implement the `moments` / `run` interface of `dtmc.backend` samplers on dense
matrices, so training code can be checked against exact answers on graphs of a few spins.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from dtmc.backend.params import Moments
from dtmc.program.arrays import INPUT_COLOUR, ROLE_HIDDEN, ROLE_IMAGE, ROLE_INPUT, ROLE_LABEL, GraphArrays
from dtmc.spec import DataSpec, DiffusionSpec, GenerateSpec, GraphSpec, LabelSpec, ModelSpec, TrainSpec


def open_grid(side: int, n_image: int, n_label: int, couplings: np.ndarray) -> GraphArrays:
    """Build an open side x side grid with nearest-neighbour edges and visibles on colour 0."""
    n_grid = side * side
    xs, ys = np.divmod(np.arange(n_grid), side)
    colour = ((xs + ys) % 2).astype(np.int8)
    n_visible = n_image + n_label
    visible_node = np.flatnonzero(colour == 0)[:n_visible].astype(np.int32)

    edges = []
    for i in range(n_grid):
        x, y = divmod(i, side)
        if x + 1 < side:
            edges.append((i, i + side))
        if y + 1 < side:
            edges.append((i, i + 1))
    role = np.full(n_grid + n_visible, ROLE_HIDDEN, dtype=np.int8)
    role[visible_node[:n_image]] = ROLE_IMAGE
    role[visible_node[n_image:]] = ROLE_LABEL
    role[n_grid:] = ROLE_INPUT
    cell = np.concatenate([np.stack([xs, ys], axis=1), -np.ones((n_visible, 2), dtype=np.int64)]).astype(np.int32)

    graph = GraphArrays(
        side=side,
        torus=False,
        rules=((0, 1),),
        role=role,
        cell=cell,
        colour=np.concatenate([colour, np.full(n_visible, INPUT_COLOUR, dtype=np.int8)]),
        visible_node=visible_node,
        edges=np.asarray(edges, dtype=np.int32),
        edge_direction=np.full(len(edges), -1, dtype=np.int16),
        coupling=np.asarray(couplings, dtype=np.float32),
    )
    graph.validate()
    return graph


def phase_masks(graph: GraphArrays) -> dict[str, np.ndarray]:
    """Return the four phase free masks of a graph (True = sampled)."""
    grid = np.arange(graph.n_nodes) < graph.n_grid
    outputs = np.zeros(graph.n_nodes, dtype=bool)
    outputs[graph.visible_node] = True
    labels = np.zeros(graph.n_nodes, dtype=bool)
    labels[graph.visible_node[graph.role[graph.visible_node] == ROLE_LABEL]] = True
    return {
        "train_positive": grid & ~outputs,
        "train_negative": grid.copy(),
        "generate_free": grid.copy(),
        "generate_clamped": grid & ~labels,
    }


@dataclass(frozen=True)
class TinyProgram:
    """The attributes of a compiled program that training reads."""

    spec: ModelSpec
    graph: GraphArrays
    schedule: dict[str, np.ndarray]
    init_weights: np.ndarray
    init_biases: np.ndarray
    manifest: dict = field(default_factory=dict)


def tiny_spec(generate_sweeps: int = 20, **train_fields) -> ModelSpec:
    """Return a 2-step model of a 2x2 binary image and a 2-class label on a 5x5 open grid."""
    train = dict(epochs=4, batch=64, warmup=10, samples=8, every=2, lr=(0.1,), eval_every=0, seed=3, cosine_alpha=0.5)
    train.update(train_fields)
    return ModelSpec(
        name="tiny",
        data=DataSpec(source="toy", classes=(0, 1), image_size=2),
        labels=LabelSpec(repeat=1),
        graph=GraphSpec(side=5, torus=False, pattern=None, rules=((0, 1),)),
        diffusion=DiffusionSpec(steps=2, schedule="linear", offset=0.0, image_rate=1.5, label_rate=1.0),
        train=TrainSpec(**train),
        generate=GenerateSpec(sweeps=generate_sweeps, per_class=50),
    )


def tiny_program(spec: ModelSpec | None = None) -> TinyProgram:
    """Compile `tiny_spec` by hand: couplings from the forward process, small random weights."""
    from dtmc.diffusion import step_couplings

    spec = spec or tiny_spec()
    image_j, label_j = step_couplings(spec.diffusion)
    n_image, n_label = spec.data.image_spins, spec.label_spins
    couplings = np.concatenate([np.repeat(image_j[:, None], n_image, 1), np.repeat(label_j[:, None], n_label, 1)], 1)
    graph = open_grid(spec.graph.side, n_image, n_label, couplings)
    rng = np.random.default_rng(0)
    return TinyProgram(
        spec=spec,
        graph=graph,
        schedule=phase_masks(graph),
        init_weights=(0.01 * rng.standard_normal((graph.n_steps, graph.edges.shape[0]))).astype(np.float32),
        init_biases=np.zeros((graph.n_steps, graph.n_grid), dtype=np.float32),
    )


def toy_bits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return n encoded examples of two classes: class 0 is image 1100, class 1 is 0011."""
    rng = np.random.default_rng(seed)
    classes = rng.integers(0, 2, n)
    images = np.where(classes[:, None] == 0, [1, 1, 0, 0], [0, 0, 1, 1]).astype(np.uint8)
    labels = np.eye(2, dtype=np.uint8)[classes]
    return np.concatenate([images, labels], axis=1), classes


def _dense(graph: GraphArrays, weights, biases, coupling):
    n = graph.n_nodes
    matrix = jnp.zeros((n, n), jnp.float32)
    matrix = matrix.at[graph.edges[:, 0], graph.edges[:, 1]].add(weights)
    inputs = graph.n_grid + np.arange(graph.n_visible)
    matrix = matrix.at[graph.visible_node, inputs].add(coupling)
    matrix = matrix + matrix.T
    bias = jnp.zeros(n, jnp.float32).at[: graph.n_grid].set(biases)
    return matrix, bias


class DenseGibbsSampler:
    """Block Gibbs sampler on a dense coupling matrix: slow, obviously correct, for tiny graphs."""

    def __init__(self, graph: GraphArrays, free_mask: np.ndarray):
        self.graph = graph
        self.blocks = [jnp.asarray((graph.colour == c) & free_mask) for c in range(graph.n_colours)]

    def _sweep(self, matrix, bias, state, key, beta):
        for block in self.blocks:
            key, sub = jax.random.split(key)
            field_ = state.astype(jnp.float32) @ matrix + bias
            up = jax.random.uniform(sub, state.shape) < jax.nn.sigmoid(2.0 * beta * field_)
            state = jnp.where(block, jnp.where(up, 1, -1), state).astype(jnp.int8)
        return state

    def run(self, params, coupling, state0, *, key, sweeps, beta_start, beta_end, record_every=0):
        matrix, bias = _dense(self.graph, params.weights, params.biases, coupling)
        betas = jnp.linspace(beta_start, beta_end, sweeps)

        def body(state, inputs):
            beta, sub = inputs
            state = self._sweep(matrix, bias, state, sub, beta)
            return state, state

        final, trace = jax.lax.scan(body, state0, (betas, jax.random.split(key, sweeps)))
        if record_every:
            return final, trace[record_every - 1 :: record_every]
        return final, None

    def moments(self, params, coupling, state0, *, key, warmup, n_samples, spacing, beta):
        matrix, bias = _dense(self.graph, params.weights, params.biases, coupling)
        warm_key, sample_key = jax.random.split(key)
        state = jax.lax.fori_loop(
            0, warmup, lambda i, s: self._sweep(matrix, bias, s, jax.random.fold_in(warm_key, i), beta), state0
        )

        def body(state, sub):
            state = jax.lax.fori_loop(
                0, spacing, lambda i, s: self._sweep(matrix, bias, s, jax.random.fold_in(sub, i), beta), state
            )
            return state, state[:, : self.graph.n_grid].astype(jnp.float32)

        _, samples = jax.lax.scan(body, state, jax.random.split(sample_key, n_samples))
        return _moments_from_samples(self.graph, samples)


def _moments_from_samples(graph, samples, probabilities=None):
    """Moments from samples [S, C, n_grid] weighted by probabilities [S, C] (uniform when None)."""
    if probabilities is None:
        probabilities = jnp.full(samples.shape[:2], 1.0 / samples.shape[0])
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    chain_means = jnp.einsum("sc,scn->cn", probabilities, samples)
    chain_edges = jnp.einsum("sc,sce->ce", probabilities, samples[..., i] * samples[..., j])
    return Moments(
        node=jnp.mean(chain_means, axis=0),
        edge=jnp.mean(chain_edges, axis=0),
        edge_of_means=jnp.mean(chain_means[:, i] * chain_means[:, j], axis=0),
    )


class ExactSampler:
    """Exact moments by enumerating every configuration of the free nodes (at most ~16)."""

    def __init__(self, graph: GraphArrays, free_mask: np.ndarray):
        self.graph = graph
        self.free = np.flatnonzero(free_mask)
        self.configurations = jnp.asarray(np.array(list(itertools.product([-1, 1], repeat=len(self.free))), dtype=np.int8))

    def states(self, state0):
        """Return every completion [S, C, n_nodes] of each chain's clamped values."""
        tiled = jnp.broadcast_to(state0, (self.configurations.shape[0], *state0.shape))
        return tiled.at[:, :, self.free].set(self.configurations[:, None, :])

    def log_weights(self, params, coupling, state0, beta):
        """Return -beta * energy of every completion, [S, C]."""
        matrix, bias = _dense(self.graph, params.weights, params.biases, coupling)
        states = self.states(state0).astype(jnp.float32)
        energy = -0.5 * jnp.einsum("sci,ij,scj->sc", states, matrix, states) - states @ bias
        return -beta * energy, states

    def moments(self, params, coupling, state0, *, key, warmup, n_samples, spacing, beta):
        log_weights, states = self.log_weights(params, coupling, state0, beta)
        probabilities = jax.nn.softmax(log_weights, axis=0)
        return _moments_from_samples(self.graph, states[..., : self.graph.n_grid], probabilities)
