"""DynaStore's exhaustive scopes: states, transitions and seconds of each exploration that
``docs/dynastore.md`` reports, and a simulation beyond them.

Explores ``weak-snapshot-alg1`` (Algorithm 1 at L1) and ``dynastore`` (Algorithms 2-3, weak
snapshots at L1) at the scopes of the tests and the main job, with their default properties (the
checks of ``specs/dynastore/monitors.py``), one process, and prints one line per scope: verdict,
completeness, states, transitions, depth, wall seconds (building and code generation included);
for ``dynastore`` also Definition 3.2 over every fair execution of the scope (``explore
--liveness``: ``ioakit.engines.quiescence``; ``--no-liveness`` skips it). Then seeded
simulations of both at scopes too large to explore (a sample: no verdict of OK is claimed beyond
the runs made).

    .venv/bin/python benchmarks/dynastore_scopes.py [--quick]

``--quick`` leaves out the large scopes (about four minutes together on a shared 2-core
machine); ``--simulate-only`` runs the simulation alone.
"""

from __future__ import annotations

import argparse
import time

import ioakit.specs.dynastore  # noqa: F401  (registers the machines)
from ioakit.engines.explore import Explorer
from ioakit.engines.quiescence import check_quiescence
from ioakit.registry import default_properties, get_spec, liveness_conclusions

SCOPES = [
    ("weak-snapshot-alg1", dict(processes=3, values=2, max_ops=3, crashes=0), False),
    ("weak-snapshot-alg1", dict(processes=3, values=2, max_ops=4, crashes=1), False),
    ("weak-snapshot-alg1", dict(processes=4, values=2, max_ops=4, crashes=1), True),
    ("dynastore", dict(processes=1, init=1, values=2, max_ops=3, reconfigs=0, crashes=0), False),
    ("dynastore", dict(processes=2, init=2, values=1, max_ops=2, reconfigs=0, crashes=0), False),
    ("dynastore", dict(processes=2, init=1, values=1, max_ops=2, reconfigs=1, crashes=0), False),
    ("dynastore", dict(processes=2, init=2, values=2, max_ops=3, reconfigs=0, crashes=0), True),
    ("dynastore", dict(processes=3, init=3, values=0, max_ops=1, reconfigs=1, crashes=0), True),
    ("dynastore", dict(processes=3, init=2, values=0, max_ops=1, reconfigs=1, crashes=0), True),
    ("dynastore", dict(processes=3, init=3, values=1, max_ops=1, reconfigs=0, crashes=0), True),
    ("dynastore", dict(processes=3, init=3, values=0, max_ops=1, reconfigs=1, crashes=1), True),
]
SIMULATIONS = [
    ("weak-snapshot-alg1", dict(processes=5, values=4, max_ops=10, crashes=2)),
    (
        "dynastore",
        dict(processes=4, init=4, values=2, max_ops=4, reconfigs=1, crashes=1, capacity=12, max_contacts=12),
    ),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="leave out the large scopes")
    ap.add_argument("--simulate-only", action="store_true", help="only the simulation")
    ap.add_argument("--only", metavar="TEXT", help="only the scopes whose printed form contains TEXT")
    ap.add_argument("--no-liveness", action="store_true", help="skip explore --liveness on the dynastore scopes")
    ap.add_argument("--runs", type=int, default=200, help="simulation runs (default 200)")
    ap.add_argument("--steps", type=int, default=600, help="steps per simulation run (default 600)")
    args = ap.parse_args()
    for name, scope, large in SCOPES:
        if (large and args.quick) or args.simulate_only or (args.only and args.only not in f"{name} {scope}"):
            continue
        t0 = time.perf_counter()
        m = get_spec(name).build(scope)
        r = Explorer(m).check(default_properties(m)).run()
        dt = time.perf_counter() - t0
        print(
            f"{name} {scope}: {r.verdict.name} complete={r.complete} states={r.states:,} "
            f"transitions={r.transitions:,} depth={r.depth} seconds={dt:.1f}",
            flush=True,
        )
        conclusions = liveness_conclusions(m)
        if conclusions is not None and not args.no_liveness:
            t0 = time.perf_counter()
            q = check_quiescence(m, conclusions)
            print(
                f"  liveness (Definition 3.2, every fair execution): {q.verdict.name} states={q.states:,} "
                f"quiescent={q.quiescent:,} seconds={time.perf_counter() - t0:.1f}",
                flush=True,
            )
    for name, scope in SIMULATIONS:
        t0 = time.perf_counter()
        m = get_spec(name).build(scope)
        s = Explorer(m).check(default_properties(m)).simulate(steps=args.steps, runs=args.runs, seed=1)
        dt = time.perf_counter() - t0
        print(
            f"simulate {name} {scope}: {s.verdict.name} runs={s.runs} steps={s.steps:,} "
            f"distinct states={s.distinct_states:,} bound hits={s.bound_hits} seconds={dt:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
