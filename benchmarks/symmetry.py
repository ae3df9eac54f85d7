"""Symmetry reduction on TO-machine and VS-machine: states and time with and without it, one run.

For each machine and scope, ``Explorer(m).check(default properties).run()`` with and without
``.symmetry()``, alternated, the best of ``--reps`` wall-clock times of each, after the generated
code of both is built (the symmetry declaration's check and the canonicalising layer are done
once per machine; their cost is printed apart); prints the states
(without / with: orbit representatives), their ratio, the times and their ratio (> 1: the reduced
search is faster), and the verdicts, which must be equal (asserted). The load average is printed:
on a shared machine absolute times are noisy, the ratios less so.

    .venv/bin/python benchmarks/symmetry.py [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import time

from ioakit.engines.explore import Explorer
from ioakit.registry import default_properties, get_spec

SCOPES: list[tuple[str, dict[str, int]]] = [
    ("TO-machine", {"processors": 3, "values": 2, "max_inputs": 3}),
    ("TO-machine", {"processors": 3, "values": 2, "max_inputs": 4}),
    ("TO-machine", {"processors": 4, "values": 2, "max_inputs": 3}),
    # a large group (6!·2! = 1,440): canonicalisation enumerates it for every successor
    ("TO-machine", {"processors": 6, "values": 2, "max_inputs": 2}),
    # P0 = all three processors: one block, |G| = 3! · |M|! = 6
    ("VS-machine", {"processors": 3, "initial_members": 3, "view_ids": 2, "messages": 1, "max_inputs": 2}),
    # P0 = {p1, p2}: permutations within P0 and within {p3, p4} only, |G| = 2 · 2 = 4
    ("VS-machine", {"processors": 4, "initial_members": 2, "view_ids": 2, "messages": 1, "max_inputs": 1}),
    ("VS-machine", {"processors": 3, "initial_members": 2, "view_ids": 3, "messages": 1, "max_inputs": 1}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    head = f"{'machine':<12} {'scope':<58} {'states':>9} {'reps':>7} {'ratio':>6}"
    print(f"{head} {'t plain':>8} {'t sym':>8} {'speed-up':>8}")
    for name, scope in SCOPES:
        m = get_spec(name).build(scope)
        props = default_properties(m)
        t0 = time.perf_counter()
        Explorer(m).symmetry().max_states(1).run()  # the declaration's check and the layer, once per machine
        setup = time.perf_counter() - t0
        Explorer(m).max_states(1).run()  # the plain layer, likewise
        plain_t = sym_t = float("inf")
        plain = reduced = None
        for _ in range(args.reps):  # alternated, so that load changes hit both alike
            t0 = time.perf_counter()
            plain = Explorer(m).check(props).run()
            plain_t = min(plain_t, time.perf_counter() - t0)
            t0 = time.perf_counter()
            reduced = Explorer(m).check(props).symmetry().run()
            sym_t = min(sym_t, time.perf_counter() - t0)
        assert plain is not None and reduced is not None
        assert plain.verdict is reduced.verdict and [r.verdict for r in plain.results] == [
            r.verdict for r in reduced.results
        ]
        shown = ",".join(f"{k}={v}" for k, v in scope.items())
        print(
            f"{name:<12} {shown:<58} {plain.states:>9,} {reduced.states:>7,} {plain.states / reduced.states:>6.1f} "
            f"{plain_t:>7.2f}s {sym_t:>7.2f}s {plain_t / sym_t:>8.2f}"
        )
        print(f"{'':<12} symmetry: {reduced.symmetry}; check + layer {setup:.2f}s (once); verdict", end="")
        print(f" {reduced.verdict.value} both ways", end="")
        print(f"; on whole orbits: {', '.join(reduced.orbit_checked)}" if reduced.orbit_checked else "")
    print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
