"""Refinement checks: along a recorded trace (events per second, peak memory) and exhaustively
(against a plain exploration of the same implementation). Issue #9, item 8.

Three tables, every figure CPU time (``time.process_time``: the machine may be shared), medians
over ``--reps`` repetitions:

1. **ABP along a trace** (``tests/models/abp.py``: the alternating bit protocol over lossy FIFO
   channels refining a one-place buffer; its state is bounded, so a run can be as long as one
   likes). Seeded random walks of 10^4, 10^5, 10^6 events are written with ``TraceWriter``, with
   a ``state`` snapshot after every event and without (the same run: the walk does not depend on
   the snapshots), and ``check_trace_file`` runs on each in a fresh child process: events/s, and
   the child's peak resident memory (``ru_maxrss``) before the check (after imports and a warm-up
   check of a short trace, which generates the code) and after it — flat in the trace length when
   the check streams.
2. **VStoTO along external traces**: seeded runs of ``tests/refinement/external/vstoto_writer.py``
   (a VStoTO-system outside ioakit) checked through FLS's ``f`` from their snapshots. The one-time
   cost (building VStoTO-system, generating the code of its steps and of ``f``: the first pass)
   is reported apart from the events/s of later passes.
3. **Exhaustive refinement check against plain exploration** (``check_exhaustive(mapping)`` vs
   ``Explorer(m).run()``, both after a warm-up run) for VStoTO-system-label-normal at
   ``ioakit.specs.fls.VSTOTO_SCOPE`` and ABP at three scopes: the ratio of the two, in one run.

With ``--base DIR`` (another checkout with its own ``.venv``, e.g. the commit before a change,
extracted with ``git archive``) every measurement also runs in that checkout's interpreter —
children alternating, the ABP model loaded from this checkout — and the ratio base / this is
printed (> 1: this checkout is faster). ``--profile`` prints a cProfile of the 10^5-event
snapshot check.

    .venv/bin/python benchmarks/refine_trace.py                      # all three tables
    .venv/bin/python benchmarks/refine_trace.py --lengths 10000,100000 --reps 3 --base /tmp/base
    .venv/bin/python benchmarks/refine_trace.py --only trace --profile
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]
TESTS = HERE / "tests"
WRITER = TESTS / "refinement" / "external" / "vstoto_writer.py"
ABP_TRACE_SCOPE = {"values": 3, "capacity": 2}
ABP_EXHAUSTIVE_SCOPES = [{"values": 3, "capacity": 2}, {"values": 8, "capacity": 8}, {"values": 4, "capacity": 16}]
VSTOTO_TRACE_SCOPES = [{"view_ids": 1}, {"view_ids": 2}]
"""The external writer's runs: P = P0 = {p1, p2}, 2 bcasts of 2 values; one view id (the normal
case) or two (view changes). Larger scopes make f's definedness conditions nest too deeply for
CPython's parser (a CodegenLimitError), at view_ids = 2 from max_inputs = 3."""
WARM_EVENTS = 2000


# -- children: one measurement each, printed as JSON -----------------------------------------------


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_abp_trace(path: str, warm: str) -> dict[str, Any]:
    """``check_trace_file`` on one ABP trace, after a warm-up check of a short one."""
    sys.path.insert(0, str(TESTS))
    from models.abp import bind_abp

    from ioakit.refinement.check import check_trace_file

    mp = bind_abp(ABP_TRACE_SCOPE)
    w = check_trace_file(mp, warm)
    assert w.verdict.value == "OK", w.show()
    before = _rss_mb()
    t0 = time.process_time()
    r = check_trace_file(mp, path)
    cpu = time.process_time() - t0
    return {"events": r.steps, "cpu": cpu, "verdict": r.verdict.value, "rss_before": before, "rss_peak": _rss_mb()}


def _child_vstoto(paths: list[str], reps: int) -> dict[str, Any]:
    """VStoTO-system at the traces' scope: build, code generation, first pass, then ``reps`` passes."""
    from ioakit.refinement.check import check_trace_file
    from ioakit.refinement.refine import bind, mapping_named
    from ioakit.registry import get_spec
    from ioakit.traces.format import read_trace

    header, _ = read_trace(paths[0])
    t0 = time.process_time()
    m = get_spec(header.automaton).build(dict(header.scope))
    mp = bind(mapping_named("vstoto-f"), m)
    t1 = time.process_time()
    m.compiled()
    t2 = time.process_time()

    def once() -> int:
        n = 0
        for p in paths:
            r = check_trace_file(mp, p)
            assert r.verdict.value == "OK", r.show()
            n += r.steps
        return n

    events = once()
    t3 = time.process_time()
    passes = []
    for _ in range(reps):
        t = time.process_time()
        once()
        passes.append(time.process_time() - t)
    return {"events": events, "build": t1 - t0, "compile": t2 - t1, "first": t3 - t2, "passes": passes}


def _child_exhaustive(which: str, scope: dict[str, int], reps: int) -> dict[str, Any]:
    """Plain exploration and the exhaustive refinement check, alternating, after a warm-up."""
    from ioakit.engines.explore import Explorer
    from ioakit.refinement.check import check_exhaustive

    if which == "ABP":
        sys.path.insert(0, str(TESTS))
        from models.abp import bind_abp

        mp = bind_abp(scope)
    else:
        from ioakit.refinement.refine import bind, mapping_named
        from ioakit.registry import get_spec

        mp = bind(mapping_named("vstoto-f"), get_spec(which).build(scope))
    m = mp.impl
    plain = Explorer(m).run()
    t0 = time.process_time()
    r = check_exhaustive(mp)  # the first run generates f's and the steps' code
    first = time.process_time() - t0
    assert r.verdict.value == "OK" and (r.states, r.steps) == (plain.states, plain.transitions), r.show()
    explore, check = [], []
    for _ in range(reps):
        t = time.process_time()
        Explorer(m).run()
        explore.append(time.process_time() - t)
        t = time.process_time()
        check_exhaustive(mp)
        check.append(time.process_time() - t)
    return {"states": plain.states, "steps": plain.transitions, "first": first, "explore": explore, "check": check}


def _child(spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec.pop("kind")
    if kind == "abp-trace":
        return _child_abp_trace(**spec)
    if kind == "vstoto":
        return _child_vstoto(**spec)
    return _child_exhaustive(**spec)


# -- the parent ----------------------------------------------------------------------------------


def _run(checkout: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """One child in ``checkout``'s interpreter (it runs this very file, so a base checkout's
    interpreter measures the base checkout's ioakit on this checkout's models and traces)."""
    python = sys.executable if checkout == HERE else str(checkout / ".venv" / "bin" / "python")
    out = subprocess.run(
        [python, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        cwd=checkout,
    )
    if out.returncode != 0:
        raise SystemExit(f"child {spec} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pythons(base: str | None) -> dict[str, Path]:
    """The checkouts measured: this one, and the base if given."""
    out = {"this": HERE}
    if base:
        out["base"] = Path(base).resolve()
    return out


def _med(xs: list[float]) -> float:
    return statistics.median(xs)


def write_abp_traces(work: Path, lengths: list[int], seed: int) -> dict[int, tuple[Path, Path]]:
    """The ABP walks (with snapshots, without), written once per length into ``work``."""
    sys.path.insert(0, str(TESTS))
    from models.abp import bind_abp, write_walk

    m = bind_abp(ABP_TRACE_SCOPE).impl
    out = {}
    for n in [WARM_EVENTS, *lengths]:
        snap, bare = work / f"abp-{n}-s{seed}.jsonl", work / f"abp-{n}-s{seed}-replay.jsonl"
        for p, snapshots in ((snap, True), (bare, False)):
            if not p.exists():
                t0 = time.process_time()
                write_walk(m, p, n, seed, snapshots=snapshots)
                if n >= 10**5:
                    print(f"  wrote {p.name} ({n:,} events) in {time.process_time() - t0:.1f} s CPU", flush=True)
        out[n] = (snap, bare)
    return out


def table_abp(work: Path, lengths: list[int], reps: int, pythons: dict[str, Path], seed: int) -> None:
    print(f"\n1. ABP ({','.join(f'{k}={v}' for k, v in ABP_TRACE_SCOPE.items())}) along a seeded random walk")
    paths = write_abp_traces(work, lengths, seed)
    warm = {True: str(paths[WARM_EVENTS][0]), False: str(paths[WARM_EVENTS][1])}
    print(f"   CPU time, median of {reps} child processes; peak RSS of the child before / after the check")
    head = f"   {'events':>9} {'snapshots':>9} {'file MB':>7}"
    for which in pythons:
        head += f" {which + ' ev/s':>12} {'RSS MB':>13}"
    if len(pythons) > 1:
        head += f" {'base/this':>9}"
    print(head)
    for n in lengths:
        for snapshots in (True, False):
            path = paths[n][0 if snapshots else 1]
            rates: dict[str, list[float]] = {w: [] for w in pythons}
            rss: dict[str, tuple[float, float]] = {}
            for _ in range(reps):
                for which, py in pythons.items():
                    spec = {"kind": "abp-trace", "path": str(path), "warm": warm[snapshots]}
                    r = _run(py, spec)
                    assert r["verdict"] == "OK" and r["events"] == n, r
                    rates[which].append(n / r["cpu"])
                    rss[which] = (r["rss_before"], r["rss_peak"])
            row = f"   {n:>9,} {'yes' if snapshots else 'replay':>9} {path.stat().st_size / 2**20:>7.1f}"
            for which in pythons:
                row += f" {_med(rates[which]):>12,.0f} {rss[which][0]:>6.0f} / {rss[which][1]:<4.0f}"
            if len(pythons) > 1:
                row += f" {_med(rates['this']) / _med(rates['base']):>9.2f}"
            print(row, flush=True)


def table_vstoto(work: Path, traces: int, reps: int, pythons: dict[str, Path]) -> None:
    print(f"\n2. VStoTO-system along external traces (vstoto_writer.py, {traces} seeds per row), through f")
    print("   build, compile (successors) and the first pass (generates the steps' and f's code) once;")
    print(f"   events/s: median of {reps} later passes over all the row's traces")
    head = f"   {'writer scope':<34} {'events':>6}"
    for which in pythons:
        head += f" {which + ' build':>11} {'compile':>8} {'1st pass':>9} {'ev/s':>8}"
    if len(pythons) > 1:
        head += f" {'base/this':>9}"
    print(head)
    for extra in VSTOTO_TRACE_SCOPES:
        g = extra["view_ids"]
        paths = []
        for seed in range(1, traces + 1):
            p = work / f"vstoto-s{seed}-g{g}.jsonl"
            if not p.exists():
                cmd = [sys.executable, str(WRITER), str(p), "--seed", str(seed), "--inputs", "2", "--values", "2"]
                subprocess.run([*cmd, "--view-ids", str(g)], check=True)
            paths.append(str(p))
        row = f"   {f'inputs=2,values=2,view_ids={g}':<34}"
        rates = {}
        for which, py in pythons.items():
            r = _run(py, {"kind": "vstoto", "paths": paths, "reps": reps})
            rates[which] = r["events"] / _med(r["passes"])
            if which == "this":
                row += f" {r['events']:>6}"
            row += f" {r['build']:>10.2f}s {r['compile']:>7.2f}s {r['first']:>8.2f}s {rates[which]:>8,.0f}"
        if len(pythons) > 1:
            row += f" {rates['this'] / rates['base']:>9.2f}"
        print(row, flush=True)


def table_exhaustive(reps: int, pythons: dict[str, Path]) -> None:
    from ioakit.specs.fls import VSTOTO_SCOPE

    print(f"\n3. Exhaustive refinement check vs plain exploration (CPU s, median of {reps}, after a warm-up)")
    print(f"   VSTOTO_SCOPE = {','.join(f'{k}={v}' for k, v in VSTOTO_SCOPE.items())}")
    head = f"   {'machine at scope':<44} {'states':>8} {'steps':>8}"
    for which in pythons:
        head += f" {which + ' explore':>13} {'check':>7} {'ratio':>6}"
    if len(pythons) > 1:
        head += f" {'base/this':>9}"
    print(head)
    runs = [("VStoTO-system-label-normal", VSTOTO_SCOPE)] + [("ABP", sc) for sc in ABP_EXHAUSTIVE_SCOPES]
    for which_m, scope in runs:
        shown = "at VSTOTO_SCOPE" if scope is VSTOTO_SCOPE else ",".join(f"{k}={v}" for k, v in scope.items())
        row = f"   {which_m + ' ' + shown:<44}"
        checks = {}
        for which, py in pythons.items():
            r = _run(py, {"kind": "exhaustive", "which": which_m, "scope": scope, "reps": reps})
            if which == "this":
                row += f" {r['states']:>8,} {r['steps']:>8,}"
            e, c = _med(r["explore"]), _med(r["check"])
            checks[which] = c
            row += f" {e:>13.3f} {c:>7.3f} {c / e:>6.1f}"
        if len(pythons) > 1:
            row += f" {checks['base'] / checks['this']:>9.2f}"
        print(row, flush=True)


def profile(work: Path, seed: int) -> None:
    import cProfile
    import pstats

    sys.path.insert(0, str(TESTS))
    from models.abp import bind_abp

    from ioakit.refinement.check import check_trace_file

    paths = write_abp_traces(work, [10**5], seed)
    mp = bind_abp(ABP_TRACE_SCOPE)
    check_trace_file(mp, paths[WARM_EVENTS][0])
    prof = cProfile.Profile()
    prof.enable()
    check_trace_file(mp, paths[10**5][0])
    prof.disable()
    print("\ncProfile of check_trace_file on the 100,000-event ABP trace with snapshots:")
    pstats.Stats(prof).sort_stats("tottime").print_stats(20)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lengths", default="10000,100000,1000000", help="ABP trace lengths (comma-separated)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions (child processes) per figure")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vstoto-traces", type=int, default=8, help="external VStoTO traces (seeds) per scope")
    ap.add_argument("--only", choices=("trace", "vstoto", "exhaustive"), help="one table only")
    ap.add_argument("--base", help="another checkout (with its own .venv) measured beside this one")
    ap.add_argument("--workdir", help="where the traces are written and reused (default: a temporary folder)")
    ap.add_argument("--profile", action="store_true", help="cProfile the 10^5-event snapshot check")
    ap.add_argument("--child", help=argparse.SUPPRESS)  # internal: one measurement, JSON in and out
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return 0
    pythons = _pythons(args.base)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores "
        f"(load average {load:.1f}: other jobs may be running; figures are CPU time)"
    )
    if args.base:
        print(f"base checkout: {args.base}")
    with tempfile.TemporaryDirectory(prefix="ioakit-refine-") as tmp:
        work = Path(args.workdir) if args.workdir else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        lengths = [int(x) for x in args.lengths.split(",") if x]
        if args.only in (None, "trace"):
            table_abp(work, lengths, args.reps, pythons, args.seed)
        if args.only in (None, "vstoto"):
            table_vstoto(work, args.vstoto_traces, args.reps, pythons)
        if args.only in (None, "exhaustive"):
            table_exhaustive(args.reps, pythons)
        if args.profile:
            profile(work, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
