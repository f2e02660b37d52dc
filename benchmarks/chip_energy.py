"""Energy and time per sample on a chip target, against the DTM hardware estimate E = T * K * L**2 * E_cell.

Run: `.venv/bin/python benchmarks/chip_energy.py [--target chip70_g12] [--chains 100] [--emulate]`.
Prints, for the 8-step 70x70 G12 design with 250 sweeps per step and for changed step counts,
sweeps and grid sides, the chip's counted energy per sample next to the formula at E_cell = 1.3 fJ.
With `--emulate` it also runs the 70x70 design on the emulator for a few chains, checks that the
counted operations equal the estimate and reports the emulator's updates per second.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from dtmc.backend.synthetic import grid_graph
from dtmc.chip import ChipEmulator, estimate_cost, load_chip_target, place, quantise
from dtmc.spec import PATTERNS

PUBLISHED_CELL_ENERGY = 1.3e-15
VISIBLE = 794  # 28x28 binary pixels plus one copy of 10 one-hot label spins


def _registers(side: int, degree: int) -> int:
    return side * side * degree // 2 + VISIBLE + side * side


def main() -> None:
    """Print the energy table and, with --emulate, the emulator check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="chip70_g12", help="chip target name or path (default: chip70_g12)")
    parser.add_argument("--chains", type=int, default=100, help="batch size sharing register writes (default: 100)")
    parser.add_argument("--emulate", action="store_true", help="also run the 70x70 design on the emulator")
    args = parser.parse_args()
    base = load_chip_target(args.target)

    print(f"# energy per sample on {base.name}, batch of {args.chains}")
    print("| steps T | sweeps K | side L | formula nJ | counted nJ | ratio | cell+random nJ | chip us |")
    print("|---|---|---|---|---|---|---|---|")
    for steps, sweeps, side in [(8, 250, 70), (4, 250, 70), (8, 500, 70), (8, 250, 50), (8, 250, 90)]:
        target = dataclasses.replace(base, side=max(base.side, side))
        cost = estimate_cost(
            target, cells=side * side, visible=VISIBLE, registers=_registers(side, target.degree),
            steps=steps, sweeps=sweeps, chains=args.chains,
        )
        joules = cost.joules(target)
        formula = steps * sweeps * side * side * PUBLISHED_CELL_ENERGY
        counted = joules["total"] / args.chains
        cells = (joules["cell_updates"] + joules["random_bits"]) / args.chains
        print(
            f"| {steps} | {sweeps} | {side} | {formula * 1e9:.3f} | {counted * 1e9:.3f} | {counted / formula:.3f} | "
            f"{cells * 1e9:.3f} | {cost.seconds(target) / args.chains * 1e6:.1f} |"
        )

    if args.emulate:
        graph = grid_graph(70, PATTERNS["G12"], torus=True, n_visible=VISIBLE, couplings=np.full((8, VISIBLE), 1.0))
        rng = np.random.default_rng(0)
        params = quantise(rng.normal(0, 0.1, (8, graph.edges.shape[0])), graph.coupling, np.zeros((8, graph.n_grid)), base)
        emulator = ChipEmulator(graph, params, base, placement=place(graph, base))
        chains = 4
        start = time.perf_counter()
        emulator.generate(chains, sweeps=250, seed=0)
        seconds = time.perf_counter() - start
        expected = estimate_cost(base, cells=graph.n_grid, visible=VISIBLE, registers=_registers(70, base.degree), steps=8, sweeps=250, chains=chains)
        print(f"emulator: {chains} chains x 8 steps x 250 sweeps in {seconds:.1f} s, "
              f"{emulator.counter.cell_updates / seconds / 1e6:.1f} M cell updates/s; counts equal estimate: {emulator.counter == expected}")


if __name__ == "__main__":
    main()
