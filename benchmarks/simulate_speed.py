"""Simulator speed (issue 13, items 5 and 6): ``Explorer.simulate`` beside a hand-written random walk.

For TO-machine (processors=3, values=2, max_inputs=5) and VS-machine (processors=3,
initial_members=3, view_ids=2, messages=1, max_inputs=2) this measures, in one process and
interleaved repetition by repetition, steps per second of:

* ``Explorer(machine).simulate(steps, runs, seed)`` with no properties, and with the machine's
  default properties checked after every step (the TO facts; Lemma 4.1 items 1-14 for VS);
* a hand-written random walk of the same machine, with and without hand-coded checks of the same
  facts (``tests/oracles/fls.py``'s ``to_facts_hold`` / ``lemma_4_1_holds``). Its successors are
  the oracle's (``tests/oracles/fls.py``, written from the paper's figures: only the instance a
  queue entry names is generated), and it makes the same kind of choice as the simulator: uniform
  among the enabled steps (every enabled action instance once), with ``random.Random.choice``; it
  keeps the run's states (for a counterexample) and the set of distinct states, as the simulator
  does; one generator for all runs (the simulator seeds one per run: a cost the walk is spared);
* ``simulate(..., workers=N)`` for N = 1, 2 on a longer job (the scaling across processes).

Both walks take the same number of steps per run (a run ends at a deadlock or after ``--steps``);
the totals differ a little with the random choices, so speed is compared in steps per second.
Ratio = simulator steps/s ÷ hand-written steps/s (> 1: the simulator is faster).
``--profile`` adds a cProfile of one simulation per machine.

    .venv/bin/python benchmarks/simulate_speed.py [--reps 5] [--runs 2000] [--steps 100] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import platform
import pstats
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from oracles import fls

from ioakit.engines.explore import Explorer, Verdict
from ioakit.registry import default_properties, get_spec

SCOPES: dict[str, dict[str, int]] = {
    "TO-machine": {"processors": 3, "values": 2, "max_inputs": 5},
    "VS-machine": {"processors": 3, "initial_members": 3, "view_ids": 2, "messages": 1, "max_inputs": 2},
}

State = tuple[Any, ...]


def to_walk(
    processors: int, values: int, max_inputs: int, runs: int, steps: int, seed: int, check: bool
) -> tuple[int, int, int]:
    """Random walks of TO-machine (Figure 2): (steps taken, distinct states, states violating the
    facts)."""
    rP, rA = range(processors), range(values)
    rng = random.Random(seed)
    choice = rng.choice
    seen: set[State] = set()
    add = seen.add
    facts = fls.to_facts_hold
    total = bad = 0
    for _ in range(runs):
        s = fls.to_start(processors)
        run = [s]
        add(s)
        if check and not facts(s):
            bad += 1
        for _ in range(steps):
            queue, pending, nxt, issued = s
            out: list[State] = []
            push = out.append
            if issued < max_inputs:  # bcast(a)_p
                i1 = issued + 1
                for p in rP:
                    head, pp, tail = pending[:p], pending[p], pending[p + 1 :]
                    for a in rA:
                        push((queue, head + (pp + (a,),) + tail, nxt, i1))
            for p in rP:  # to-order(a, p): a = head(pending[p])
                pp = pending[p]
                if pp:
                    push((queue + ((pp[0], p),), pending[:p] + (pp[1:],) + pending[p + 1 :], nxt, issued))
            lq = len(queue)
            for q in rP:  # brcv(a)_{p,q}: (a, p) = queue[next[q]]
                n = nxt[q]
                if n <= lq:
                    push((queue, pending, nxt[:q] + (n + 1,) + nxt[q + 1 :], issued))
            if not out:
                break
            s = choice(out)
            run.append(s)
            add(s)
            total += 1
            if check and not facts(s):
                bad += 1
    return total, len(seen), bad


def vs_walk(
    processors: int,
    initial_members: int,
    view_ids: int,
    messages: int,
    max_inputs: int,
    runs: int,
    steps: int,
    seed: int,
    check: bool,
) -> tuple[int, int, int]:
    """Random walks of VS-machine (Figure 5): (steps taken, distinct states, states violating
    Lemma 4.1)."""
    P, G = processors, view_ids
    rP, rG, rM = range(P), range(G), range(messages)
    subsets = [frozenset(c) for r in range(P + 1) for c in itertools.combinations(rP, r)]
    rng = random.Random(seed)
    choice = rng.choice
    seen: set[State] = set()
    add = seen.add
    lemma = fls.lemma_4_1_holds
    total = bad = 0
    for _ in range(runs):
        s = fls.vs_start(P, initial_members, G)
        run = [s]
        add(s)
        if check and not lemma(s, P, G):
            bad += 1
        for _ in range(steps):
            created, cv, queue, pending, nxt, nsafe, issued = s
            out: list[State] = []
            push = out.append
            ids = [w[0] for w in created]
            for g in range(max(ids) + 1, G):  # createview(v): v.id above every created id
                for S in subsets:
                    push((created | {(g, S)}, cv, queue, pending, nxt, nsafe, issued))
            for v in created:  # newview(v)_p
                g = v[0]
                for p in v[1]:
                    if g > cv[p]:
                        push((created, cv[:p] + (g,) + cv[p + 1 :], queue, pending, nxt, nsafe, issued))
            if issued < max_inputs:  # gpsnd(m)_p
                i1 = issued + 1
                for p in rP:
                    g = cv[p]
                    for _m in rM:
                        if g == -1:
                            push((created, cv, queue, pending, nxt, nsafe, i1))
                        else:
                            i = p * G + g
                            pend = pending[:i] + (pending[i] + (_m,),) + pending[i + 1 :]
                            push((created, cv, queue, pend, nxt, nsafe, i1))
            for p in rP:  # vs-order(m, p, g): m = head(pending[p, g])
                base = p * G
                for g in rG:
                    i = base + g
                    pend = pending[i]
                    if pend:
                        q2 = queue[:g] + (queue[g] + ((pend[0], p),),) + queue[g + 1 :]
                        push((created, cv, q2, pending[:i] + (pend[1:],) + pending[i + 1 :], nxt, nsafe, issued))
            for q in rP:  # gprcv(m)_{p,q}, safe(m)_{p,q}: the entry at next / next-safe
                g = cv[q]
                if g == -1:
                    continue
                i = q * G + g
                lq = len(queue[g])
                k = nxt[i]
                if k <= lq:
                    push((created, cv, queue, pending, nxt[:i] + (k + 1,) + nxt[i + 1 :], nsafe, issued))
                k = nsafe[i]
                if k <= lq and any(w[0] == g and all(nxt[r * G + g] > k for r in w[1]) for w in created):
                    push((created, cv, queue, pending, nxt, nsafe[:i] + (k + 1,) + nsafe[i + 1 :], issued))
            if not out:
                break
            s = choice(out)
            run.append(s)
            add(s)
            total += 1
            if check and not lemma(s, P, G):
                bad += 1
    return total, len(seen), bad


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def bench_machine(name: str, reps: int, runs: int, steps: int, seed: int) -> dict[str, float]:
    scope = SCOPES[name]
    m = get_spec(name).build(scope)
    full = m.scope.as_dict()
    props = default_properties(m)
    t_gen, _ = _timed(lambda: (Explorer(m)._walker(), Explorer(m).check(props)._walker()))

    def hand(check: bool) -> Callable[[], tuple[int, int, int]]:
        if name == "TO-machine":
            return lambda: to_walk(**full, runs=runs, steps=steps, seed=seed, check=check)
        return lambda: vs_walk(**full, runs=runs, steps=steps, seed=seed, check=check)

    def generic(check: bool) -> Callable[[], tuple[int, int, int]]:
        def go() -> tuple[int, int, int]:
            r = Explorer(m).check(props if check else []).simulate(steps=steps, runs=runs, seed=seed)
            assert r.verdict is Verdict.OK, r.verdict
            return r.steps, r.distinct_states, 0

        return go

    series: dict[str, Callable[[], tuple[int, int, int]]] = {
        "simulate": generic(False),
        "hand-written walk": hand(False),
        f"simulate + {len(props)} facts": generic(True),
        f"hand-written + {len(props)} facts": hand(True),
    }
    rates: dict[str, list[float]] = {k: [] for k in series}
    counts: dict[str, tuple[int, int, int]] = {}
    for _ in range(reps):
        for label, fn in series.items():
            secs, out = _timed(fn)
            rates[label].append(out[0] / secs)
            counts[label] = out
    assert all(c[2] == 0 for c in counts.values()), counts
    print(
        f"\n{name} ({', '.join(f'{k}={v}' for k, v in full.items())}): "
        f"{runs} runs of at most {steps} steps, seed {seed}"
    )
    print(f"  generated walks (plain and with checks) in {t_gen * 1000:.0f} ms (not in the timings)")
    print(f"  {'':34} {'steps':>8} {'distinct':>9} {'steps/s best':>13} {'steps/s median':>15}")
    for label, r in rates.items():
        st, ds, _ = counts[label]
        print(f"  {label:34} {st:8,} {ds:9,} {max(r):13,.0f} {statistics.median(r):15,.0f}")
    labels = list(series)
    ratios = {
        "plain (best)": max(rates[labels[0]]) / max(rates[labels[1]]),
        "plain (median)": statistics.median(rates[labels[0]]) / statistics.median(rates[labels[1]]),
        "with facts (best)": max(rates[labels[2]]) / max(rates[labels[3]]),
        "with facts (median)": statistics.median(rates[labels[2]]) / statistics.median(rates[labels[3]]),
    }
    print(
        "  ratio simulate / hand-written (steps/s; > 1: the simulator is faster): "
        + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items())
    )
    return ratios


def bench_workers(name: str, reps: int, runs: int, steps: int, seed: int) -> None:
    m = get_spec(name).build(SCOPES[name])
    props = default_properties(m)
    Explorer(m).check(props)._walker()
    secs: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    reports: dict[int, Any] = {}

    def used(who: int) -> float:
        u = resource.getrusage(who)
        return u.ru_utime + u.ru_stime

    for _ in range(reps):
        for w in secs:
            p0, c0 = used(resource.RUSAGE_SELF), used(resource.RUSAGE_CHILDREN)
            t, r = _timed(lambda w=w: Explorer(m).check(props).simulate(steps=steps, runs=runs, seed=seed, workers=w))
            cpu[w].append((used(resource.RUSAGE_SELF) - p0, used(resource.RUSAGE_CHILDREN) - c0))
            secs[w].append(t)
            reports[w] = r
    a, b = reports[1], reports[2]
    assert (a.steps, a.distinct_states, a.verdict) == (b.steps, b.distinct_states, b.verdict)
    print(
        f"\n{name} with its facts, {runs} runs of at most {steps} steps: --workers 1 / 2 "
        f"(same report: {a.steps:,} steps, {a.distinct_states:,} distinct states)"
    )
    for w, t in secs.items():
        print(
            f"  workers {w}: best {min(t):.3f} s, median {statistics.median(t):.3f} s, "
            f"{a.steps / min(t):,.0f} steps/s (best); CPU s (last): this process "
            f"{cpu[w][-1][0]:.2f}, workers {cpu[w][-1][1]:.2f}"
        )
    print(
        f"  speed-up workers 2 / 1: best {min(secs[1]) / min(secs[2]):.2f}, "
        f"median {statistics.median(secs[1]) / statistics.median(secs[2]):.2f}"
    )


def profile(name: str, runs: int, steps: int, seed: int) -> None:
    m = get_spec(name).build(SCOPES[name])
    e = Explorer(m).check(default_properties(m))
    e._walker()
    prof = cProfile.Profile()
    prof.enable()
    e.simulate(steps=steps, runs=runs, seed=seed)
    prof.disable()
    print(f"\ncProfile of Explorer(...).check(facts).simulate(...) on {name}:")
    pstats.Stats(prof).sort_stats("tottime").print_stats(8)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=5, help="repetitions of every run (default 5)")
    ap.add_argument("--runs", type=int, default=2000, help="runs per simulation (default 2000)")
    ap.add_argument("--steps", type=int, default=100, help="steps per run at most (default 100)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--worker-runs", type=int, default=20000, help="runs of the --workers comparison (default 20000)")
    ap.add_argument("--profile", action="store_true", help="cProfile one simulation per machine")
    args = ap.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name in SCOPES:
        bench_machine(name, args.reps, args.runs, args.steps, args.seed)
    for name in SCOPES:
        bench_workers(name, max(1, args.reps // 2), args.worker_runs, args.steps, args.seed)
    if args.profile:
        for name in SCOPES:
            profile(name, args.runs, args.steps, args.seed)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
