"""The message-passing substrate's speed: Figure 5 of *Deconstructing Paxos* via ioakit beside a
hand-written model of the same figure.

ioakit's ``round-based-register-fig5`` (``impl/paxos/register.py`` on ``impl/net/process.py``,
scope ``history=0``) against ``tests/oracles/paxos_fig5.py`` — the independent plain-Python
model the tests compare it with — in one process, interleaved repetition by repetition:

(a) exhaustive exploration: ``Explorer(m).run()`` vs the hand-written breadth-first search at the
    same scope; asserts both find the same numbers of states, transitions, depth and deadlocks;
    prints states/s (best and median) and the ratio ioakit / hand-written (> 1: ioakit faster).
    Building the machine and generating its code are timed apart, once, before the repetitions.
(b) simulation: ``Explorer(m).simulate(steps, runs, seed)`` vs the hand-written seeded random walk
    (each step uniform among the enabled instances, a run ending at a deadlock, distinct states
    counted on both sides); prints steps/s and the ratio.

    .venv/bin/python benchmarks/paxos_substrate.py [--quick] [--reps 2]

The full run takes about 1-2 minutes on 2 cores; ``--quick`` a few seconds (small scopes, one
repetition). Figures measured: ``docs/paxos-benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from oracles import paxos_fig5 as hand

from ioakit.engines.explore import Explorer, Verdict
from ioakit.lang.automaton import Machine
from ioakit.registry import get_spec

NAME = "round-based-register-fig5"

EXHAUSTIVE = [hand.Scope(3, 2, 2, 2, 0), hand.Scope(3, 1, 2, 2, 1)]
EXHAUSTIVE_QUICK = [hand.Scope(2, 1, 2, 2, 0), hand.Scope(2, 1, 2, 2, 1)]
SIMULATION = (hand.Scope(3, 2, 3, 3, 1), 60, 2000)  # scope, steps per run, runs
SIMULATION_QUICK = (hand.Scope(3, 2, 3, 3, 1), 40, 200)
SEED = 2003


def describe(sc: hand.Scope) -> str:
    return (
        f"processes={sc.processes}, values={sc.values}, rounds={sc.rounds}, "
        f"max_ops={sc.max_ops}, crashes={sc.crashes}, history=0"
    )


def build(sc: hand.Scope) -> Machine:
    return get_spec(NAME).build(
        {
            "processes": sc.processes,
            "values": sc.values,
            "rounds": sc.rounds,
            "max_ops": sc.max_ops,
            "crashes": sc.crashes,
            "history": 0,
        }
    )


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def machine_info() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = "/".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.system()} "
        f"{platform.machine()}, nproc {cores}, load average {load} (1/5/15 min)"
    )


def bench_exhaustive(sc: hand.Scope, reps: int) -> float:
    """Table (a) for one scope; returns the median ratio ioakit / hand-written (states/s)."""
    t_build, m = timed(lambda: build(sc))
    t_compile, _ = timed(lambda: m.compiled().layer)
    gen: list[float] = []
    ref: list[float] = []
    g: Any = None
    h: Any = None
    for _ in range(reps):
        secs, g = timed(lambda: Explorer(m).run())
        gen.append(secs)
        secs, h = timed(lambda: hand.bfs(sc))
        ref.append(secs)
    assert g.verdict is Verdict.OK and g.complete, (g.verdict, g.reason)
    ours, theirs = (g.states, g.transitions, g.depth, g.deadlocks), (h.states, h.transitions, h.depth, h.deadlocks)
    assert ours == theirs, f"ioakit {ours} vs hand-written {theirs} at {describe(sc)}"
    print(f"\n(a) exhaustive, {describe(sc)}")
    print(f"    {h.states:,} states, {h.transitions:,} transitions, depth {h.depth}, {h.deadlocks:,} deadlocks (agree)")
    print(f"    ioakit build {t_build * 1000:.0f} ms, code generation + compile {t_compile * 1000:.0f} ms (apart)")
    print(f"    {'':22} {'best s':>8} {'median s':>9} {'states/s (best)':>16} {'states/s (median)':>18}")
    for label, series in (("ioakit Explorer.run", gen), ("hand-written BFS", ref)):
        best, med = min(series), statistics.median(series)
        print(f"    {label:22} {best:8.2f} {med:9.2f} {h.states / best:16,.0f} {h.states / med:18,.0f}")
    ratio = statistics.median(ref) / statistics.median(gen)
    print(f"    ratio ioakit / hand-written (states/s, median; > 1: ioakit faster): {ratio:.2f}")
    return ratio


def bench_simulation(sc: hand.Scope, steps: int, runs: int, reps: int) -> float:
    """Table (b); returns the median ratio ioakit / hand-written (steps/s)."""
    m = build(sc)
    m.compiled()  # code generation outside the timings
    gen: list[float] = []
    ref: list[float] = []
    g: Any = None
    h: Any = None
    for _ in range(reps):
        secs, g = timed(lambda: Explorer(m).simulate(steps=steps, runs=runs, seed=SEED))
        gen.append(secs)
        secs, h = timed(lambda: hand.random_walk(sc, steps=steps, runs=runs, seed=SEED))
        ref.append(secs)
    assert g.verdict is Verdict.OK, (g.verdict, g.reason)
    print(f"\n(b) simulation, {describe(sc)}: {runs} runs of at most {steps} steps, seed {SEED}")
    print(f"    {'':26} {'steps':>8} {'distinct':>9} {'best s':>7} {'median s':>9} {'steps/s (median)':>17}")
    for label, n, d, series in (
        ("ioakit Explorer.simulate", g.steps, g.distinct_states, gen),
        ("hand-written random walk", h.steps, h.distinct_states, ref),
    ):
        med = statistics.median(series)
        print(f"    {label:26} {n:8,} {d:9,} {min(series):7.2f} {med:9.2f} {n / med:17,.0f}")
    ratio = (g.steps / statistics.median(gen)) / (h.steps / statistics.median(ref))
    print(f"    ratio ioakit / hand-written (steps/s, median; > 1: ioakit faster): {ratio:.2f}")
    return ratio


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small scopes, one repetition: a few seconds")
    ap.add_argument("--reps", type=int, default=None, help="repetitions of every run (default 2; 1 with --quick)")
    args = ap.parse_args(argv)
    reps = args.reps or (1 if args.quick else 2)
    print(machine_info())
    print(f"{reps} repetition(s), interleaved; {time.strftime('%Y-%m-%d %H:%M %Z')}")
    t0 = time.perf_counter()
    for sc in EXHAUSTIVE_QUICK if args.quick else EXHAUSTIVE:
        bench_exhaustive(sc, reps)
    sc, steps, runs = SIMULATION_QUICK if args.quick else SIMULATION
    bench_simulation(sc, steps, runs, reps)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
