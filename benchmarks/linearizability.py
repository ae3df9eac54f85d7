"""Linearizability checking speed (issue 14, DynaStore Definition 3.1): ioakit's checker beside a
plain Wing–Gong search, on the same generated histories, in one process.

Histories come from a simulated concurrent MWMR register: ``k`` processes each run operations one
at a time; an operation is invoked, takes effect at one later step (an atomic step on one shared
value: a write sets it, a read returns it) and returns at a still later step, the steps of all
processes interleaved at random. Such a history is linearizable by construction (the effect steps
are a linearization). Written values are unique (a counter) or drawn from 4 values (repeated).
A *mutation* then makes one read return a stale value (one of the last values written before it
was invoked): mostly non-linearizable; every verdict is reported and the checkers must agree.
Each time is the best of three runs (one for a plain Wing–Gong run that took over a second).

Measured, each case on the same history:

* ``ioakit`` — :func:`ioakit.traces.dynastore.linearizability.check_linearizable` with its default
  (the zone check when values are unique, the memoised search otherwise), witness shrinking off;
  ``search`` — the memoised search forced (``method="search"``);
* ``plain WG`` — the Wing–Gong backtracking search with no memoisation (below, written here as the
  baseline: same entry list, same lift/unlift, no cache), stopped after ``--timeout`` seconds
  (shown as ``>T``, the ratio then a lower bound).

Then the target figure: a history of ``--big`` operations (default 5000) by 5 processes, judged by
the zone check and by the search, and a mutated one with its witness shrunk.

    .venv/bin/python benchmarks/linearizability.py [--seed 1] [--timeout 10] [--big 5000]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ioakit.registry import judge_trace_file
from ioakit.traces.dynastore.linearizability import RWOp, check_linearizable


def simulate(n_ops: int, procs: int, rng: random.Random, unique: bool) -> list[RWOp]:
    """A linearizable history of ``n_ops`` operations by ``procs`` processes (module docstring)."""
    value: Any = None
    t = 0
    started = 0
    counter = 0
    # per process: None (idle) or [kind, inv, value, effect taken]
    state: dict[int, list[Any] | None] = {p: None for p in range(procs)}
    ops: list[RWOp] = []
    while started < n_ops or any(s is not None for s in state.values()):
        p = rng.randrange(procs)
        s = state[p]
        if s is None:
            if started >= n_ops:
                continue
            started += 1
            if rng.random() < 0.5:
                counter += 1
                v = counter if unique else rng.randrange(4)
                state[p] = ["write", t, v, False]
            else:
                state[p] = ["read", t, None, False]
        elif not s[3]:
            if s[0] == "write":
                value = s[2]
            else:
                s[2] = value
            s[3] = True
            continue  # the effect is not an event of the history
        else:
            ops.append(RWOp(s[0], f"p{p + 1}", s[1], t, s[2]))
            state[p] = None
        t += 1
    return ops


def mutate(ops: list[RWOp], rng: random.Random) -> list[RWOp]:
    """One read (in the middle third) made to return a stale value: one of the last few values
    written before it was invoked, other than the one it returned (a new-old inversion, mostly)."""
    reads = [i for i, o in enumerate(ops) if o.kind == "read" and len(ops) // 3 <= i <= 2 * len(ops) // 3]
    i = rng.choice(reads)
    r = ops[i]
    before = sorted((o for o in ops if o.kind == "write" and o.res is not None and o.res < r.inv), key=lambda o: o.res)
    stale = [o.value for o in before[-5:] if o.value != r.value]
    if not stale:
        stale = [o.value for o in ops if o.kind == "write" and o.value != r.value]
    out = list(ops)
    out[i] = RWOp("read", r.p, r.inv, r.res, rng.choice(stale))
    return out


class Timeout(Exception):
    pass


def plain_wing_gong(ops: Sequence[RWOp], deadline: float) -> bool:
    """The baseline: Wing and Gong's search over the call/return entries, no memoisation (every
    operation is complete in these histories)."""
    entries = sorted([(o.inv, True, i) for i, o in enumerate(ops)] + [(o.res, False, i) for i, o in enumerate(ops)])
    n = len(entries)
    head, end = n, n + 1
    nxt = [*range(1, n + 1), 0, end]
    prv = [head, *range(0, n - 1), end, end]
    nxt[head], prv[0], nxt[n - 1], prv[end] = 0, head, end, n - 1
    call_of = {e[2]: k for k, e in enumerate(entries) if e[1]}
    match = {call_of[e[2]]: k for k, e in enumerate(entries) if not e[1]}

    def lift(e: int) -> None:
        for x in (e, match[e]):
            nxt[prv[x]] = nxt[x]
            prv[nxt[x]] = prv[x]

    def unlift(e: int) -> None:
        for x in (match[e], e):
            prv[nxt[x]] = x
            nxt[prv[x]] = x

    stack: list[tuple[int, Any]] = []
    state: Any = None
    entry = nxt[head]
    steps = 0
    while nxt[head] != end:
        steps += 1
        if steps % 4096 == 0 and time.perf_counter() > deadline:
            raise Timeout
        _, is_call, i = entries[entry]
        if is_call:
            o = ops[i]
            if o.kind == "write" or o.value == state:
                stack.append((entry, state))
                state = o.value if o.kind == "write" else state
                lift(entry)
                entry = nxt[head]
            else:
                entry = nxt[entry]
        else:
            if not stack:
                return False
            entry, state = stack.pop()
            unlift(entry)
            entry = nxt[entry]
    return True


def _ratio(x: float) -> str:
    return f"{x:.2f}" if x < 10 else f"{x:,.0f}"


def write_history(path: Path, ops: Sequence[RWOp]) -> None:
    """``ops`` as an ``atomic-register`` trace file (traces/FORMAT.md), ending with the quiescent
    marker; Init = the five processes."""
    events: list[tuple[int, dict[str, Any]]] = []
    for o in ops:
        args: dict[str, Any] = {"p": o.p, "v": o.value} if o.kind == "write" else {"p": o.p}
        events.append((o.inv, {"action": o.kind, "kind": "input", "args": args}))
        ret: dict[str, Any] = {"p": o.p, "v": o.value} if o.kind == "read" else {"p": o.p}
        events.append((o.res or 0, {"action": f"{o.kind}-return", "kind": "output", "args": ret}))
    events.sort(key=lambda e: e[0])
    head = {"format": "ioakit-trace", "version": 1, "automaton": "atomic-register"}
    head["scope"] = {"init": [f"p{i}" for i in range(1, 6)]}
    lines = [json.dumps(head)] + [json.dumps(e) for _, e in events]
    lines.append(json.dumps({"action": "quiescent", "kind": "input", "args": {}}))
    path.write_text("\n".join(lines) + "\n")


def timed(f: Callable[[], Any], reps: int = 1) -> tuple[Any, float]:
    """``f()`` and its best time over ``reps`` runs (one run when the first took over a second)."""
    best = float("inf")
    out: Any = None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
        if best > 1:
            break
    return out, best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per plain Wing–Gong run")
    ap.add_argument("--big", type=int, default=5000, help="operations of the target history")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    print(f"python {platform.python_version()} on {platform.machine()}, seed {args.seed}")
    print("times in ms; ratio = plain WG time / ioakit time (> 1: ioakit faster; '>': WG stopped at --timeout)")
    print(
        f"{'history':<42} {'verdict':>8} {'ioakit':>9} {'search':>9} {'plain WG':>10} {'WG/ioakit':>10} "
        f"{'WG/search':>10}"
    )
    disagreements = 0
    for n, k in [(20, 3), (40, 3), (80, 4), (160, 5), (320, 5)]:
        for unique in (True, False):
            base = simulate(n, k, rng, unique)
            for label, h in [("linearizable", base), ("mutated", mutate(base, rng))]:
                r, t_io = timed(lambda h=h: check_linearizable(h, witness=False), 3)
                rs, t_s = timed(lambda h=h: check_linearizable(h, method="search", witness=False), 3)
                try:
                    wg, t_wg = timed(lambda h=h: plain_wing_gong(h, time.perf_counter() + args.timeout), 3)
                    wg_text, lower = f"{t_wg * 1e3:10.3f}", ""
                except Timeout:
                    wg, t_wg, wg_text, lower = None, args.timeout, f">{args.timeout * 1e3:.0f}", ">"
                if (wg is not None and wg != r.linearizable) or rs.linearizable != r.linearizable:
                    disagreements += 1
                verdict = {True: "lin", False: "NOT lin", None: "?"}[r.linearizable]
                name = f"{n} ops, {k} procs, {'unique' if unique else 'repeated'}, {label}"
                print(
                    f"{name:<42} {verdict:>8} {t_io * 1e3:9.3f} {t_s * 1e3:9.3f} {wg_text:>10} "
                    f"{lower + _ratio(t_wg / t_io):>10} {lower + _ratio(t_wg / t_s):>10}"
                )
    print(f"disagreements between the checkers: {disagreements}")
    print()
    print(f"target: {args.big:,} operations by 5 processes")
    for unique in (True, False):
        h = simulate(args.big, 5, rng, unique)
        kind = "unique values" if unique else "repeated values"
        if unique:
            r, t = timed(lambda h=h: check_linearizable(h, method="zones", witness=False))
            print(f"  {kind:<16} linearizable, zone check:        {r.linearizable}  {t:7.3f}s")
        r, t = timed(lambda h=h: check_linearizable(h, method="search", witness=False))
        print(
            f"  {kind:<16} linearizable, memoised search:   {r.linearizable}  {t:7.3f}s "
            f"({r.configurations:,} configurations)"
        )
        m = mutate(h, rng)
        r, t = timed(lambda m=m: check_linearizable(m))
        print(
            f"  {kind:<16} mutated, {r.method} + shrinking:   {r.linearizable}  {t:7.3f}s "
            f"(witness: {len(r.witness)} operations, 1-minimal: {r.minimal})"
        )
        if unique:
            with tempfile.TemporaryDirectory() as d:
                f = Path(d) / "big.jsonl"
                write_history(f, h)
                (_, _, result), t = timed(lambda f=f: judge_trace_file(str(f)))
                print(
                    f"  {kind:<16} ioakit trace (read, validate, judge the file): {result.verdict.value}  {t:7.3f}s "
                    f"({f.stat().st_size / 1e6:.1f} MB)"
                )
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
