"""Explorer speed (issue item 9): the generic explorer beside hand-written searches.

For TO-machine (processors=3, values=2, max_inputs=4) and VS-machine (processors=3,
initial_members=3, view_ids=2, messages=1, max_inputs=2) this measures, in one process and
interleaved repetition by repetition:

* ``Explorer(machine).run()`` with no properties, and with the machine's facts checked on every
  state (Lemma 4.1 items 1–14 for VS, the TO facts for TO);
* a hand-written, specialised breadth-first search of the same machine — the tests' independent
  oracle, ``tests/oracles/fls.py``, written straight from the paper's figures — with and without
  its hand-coded checks of the same facts;

asserts that both find the same numbers of states, transitions, depth and deadlocks, and prints states per
second (best and median of the repetitions) and the ratio generic / hand-written (> 1: the generic
explorer is faster). ``--breakdown`` adds the time the generated layer spends per
action family; ``--profile`` a cProfile of one generic run.

    .venv/bin/python benchmarks/explore_speed.py [--reps 5] [--small] [--breakdown] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from oracles import fls

from ioakit.backends.codegen import compile_layer
from ioakit.engines.explore import Explorer, Verdict, properties_from
from ioakit.registry import get_spec
from ioakit.specs.fls.lemmas import LEMMA_4_1, TO_FACTS

BENCH_SCOPES: dict[str, dict[str, int]] = {
    "TO-machine": {"processors": 3, "values": 2, "max_inputs": 4},
    "VS-machine": {"processors": 3, "initial_members": 3, "view_ids": 2, "messages": 1, "max_inputs": 2},
}
SMALL_SCOPES: dict[str, dict[str, int]] = {"TO-machine": {}, "VS-machine": {}}


@dataclasses.dataclass(frozen=True)
class Counts:
    """What a hand-written search found: only the numbers, so that its states are freed inside
    the timed call, as the generic explorer's are (its report keeps no states)."""

    states: int
    transitions: int
    depth: int
    deadlocks: int
    violations: int


def _hand_written(name: str, scope: dict[str, int], check: bool) -> Callable[[], Counts]:
    full = get_spec(name).scope(scope).as_dict()  # defaults filled in

    def search() -> fls.Result:
        if name == "TO-machine":
            return fls.to_bfs(**full, check=check)
        return fls.vs_bfs(**full, weak=name == "WeakVS-machine", check=check)

    def run() -> Counts:
        r = search()
        return Counts(r.states, r.transitions, r.depth, r.deadlocks, r.violations)

    return run


def _facts(name: str) -> list[tuple[str, str, Callable[..., Any]]]:
    return TO_FACTS if name == "TO-machine" else LEMMA_4_1


@dataclasses.dataclass
class Series:
    """Wall-clock seconds of one kind of run, over the repetitions."""

    label: str
    seconds: list[float] = dataclasses.field(default_factory=list)

    def best(self) -> float:
        return min(self.seconds)

    def median(self) -> float:
        return statistics.median(self.seconds)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def bench_machine(name: str, scope: dict[str, int], reps: int) -> dict[str, float]:
    """Measure one machine; print its table; return the ratios (generic / hand-written)."""
    t_build, m = _timed(lambda: get_spec(name).build(scope))
    t_compile, _ = _timed(lambda: m.compiled().layer)  # successors, steps and the explorer's layer
    props = properties_from(m, _facts(name))
    generic = Series("generic explorer")
    generic_p = Series(f"generic + {len(props)} facts")
    hand = Series("hand-written BFS")
    hand_p = Series(f"hand-written + {len(props)} facts")
    runs: list[tuple[Series, Callable[[], Any]]] = [
        (generic, lambda: Explorer(m).run()),
        (hand, _hand_written(name, scope, check=False)),
        (generic_p, lambda: Explorer(m).check(props).run()),
        (hand_p, _hand_written(name, scope, check=True)),
    ]
    results: dict[str, Any] = {}
    for _ in range(reps):
        for series, fn in runs:
            secs, out = _timed(fn)
            series.seconds.append(secs)
            results[series.label] = out
    g, gp = results[generic.label], results[generic_p.label]
    h, hp = results[hand.label], results[hand_p.label]
    assert g.verdict is Verdict.OK and gp.verdict is Verdict.OK, (g.verdict, gp.verdict)
    assert hp.violations == 0
    for r in (g, gp):
        assert (r.states, r.transitions, r.depth, r.deadlocks) == (h.states, h.transitions, h.depth, h.deadlocks), (
            f"{name}: generic {r.states}/{r.transitions}/{r.depth}/{r.deadlocks} "
            f"vs hand-written {h.states}/{h.transitions}/{h.depth}/{h.deadlocks}"
        )
    assert (hp.states, hp.transitions) == (h.states, h.transitions)
    states = h.states
    print(
        f"\n{name} ({', '.join(f'{k}={v}' for k, v in m.scope.values)}): {states:,} states, "
        f"{h.transitions:,} transitions, depth {h.depth}; {len(m.actions)} action instances"
    )
    print(
        f"  build {t_build * 1000:.0f} ms, code generation + compile {t_compile * 1000:.0f} ms "
        f"({len(m.compiled().source.splitlines()) + len(m.compiled().layer.source.splitlines())} generated lines)"
    )
    print(f"  {'':32} {'best s':>8} {'median s':>9} {'states/s (best)':>16} {'states/s (median)':>18}")
    for series in (generic, hand, generic_p, hand_p):
        print(
            f"  {series.label:32} {series.best():8.3f} {series.median():9.3f} "
            f"{states / series.best():16,.0f} {states / series.median():18,.0f}"
        )
    ratios = {
        "plain (best)": hand.best() / generic.best(),
        "plain (median)": hand.median() / generic.median(),
        "with facts (best)": hand_p.best() / generic_p.best(),
        "with facts (median)": hand_p.median() / generic_p.median(),
    }
    print(
        "  ratio generic / hand-written (states/s; > 1 means the generic explorer is faster): "
        + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items())
    )
    return ratios


def breakdown(name: str, scope: dict[str, int]) -> None:
    """Seconds the explorer's generated layer spends per action family: the layer of the
    machine restricted to the family, run over all reachable states (all already seen)."""
    m = get_spec(name).build(scope)
    states = Explorer(m).reachable()

    def cost(actions: tuple[Any, ...]) -> float:
        layer = compile_layer(dataclasses.replace(m, actions=actions))
        best = float("inf")
        for _ in range(3):
            seen = dict.fromkeys(states)
            t0 = time.perf_counter()
            layer(states, seen, [], len(seen))
            best = min(best, time.perf_counter() - t0)
        return best

    print(f"\n{name}: generated layer over its {len(states):,} reachable states (best of 3)")
    print(f"  {'all instances':28} {cost(m.actions):7.3f} s")
    for fam in dict.fromkeys(a.name for a in m.actions):
        acts = tuple(a for a in m.actions if a.name == fam)
        print(f"  {fam + f' ({len(acts)} instances)':28} {cost(acts):7.3f} s   (alone)")


def profile(name: str, scope: dict[str, int]) -> None:
    m = get_spec(name).build(scope)
    m.compiled()
    prof = cProfile.Profile()
    prof.enable()
    Explorer(m).check(properties_from(m, _facts(name))).run()
    prof.disable()
    print(f"\ncProfile of Explorer(...).check(facts).run() on {name}:")
    pstats.Stats(prof).sort_stats("tottime").print_stats(8)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=5, help="repetitions of every run (default 5)")
    ap.add_argument("--small", action="store_true", help="the machines' default scopes (a quick smoke run)")
    ap.add_argument("--breakdown", action="store_true", help="time per action family of the generated code")
    ap.add_argument("--profile", action="store_true", help="cProfile one generic run per machine")
    args = ap.parse_args(argv)
    scopes = SMALL_SCOPES if args.small else BENCH_SCOPES
    print(
        f"Python {platform.python_version()} on {platform.machine()} ({platform.processor() or 'unknown cpu'}), "
        f"{args.reps} repetitions, interleaved"
    )
    for name, scope in scopes.items():
        bench_machine(name, scope, args.reps)
        if args.breakdown:
            breakdown(name, scope)
        if args.profile:
            profile(name, scope)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
