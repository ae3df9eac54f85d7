"""Build, compile and explore times and peak memory of VStoTO-system by scope (FLS Section 6).

Each scope runs in a fresh subprocess so the peak resident memory (``ru_maxrss``) is that
scope's own. Prints one row per scope: instances, build (tracing) time, code generation time,
exploration time, states, transitions, peak memory, verdict.

    .venv/bin/python benchmarks/vstoto_scale.py                 # the default scopes
    .venv/bin/python benchmarks/vstoto_scale.py --scope processors=3,view_ids=2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

DEFAULT_SCOPES = [
    {"processors": 2, "view_ids": 2, "max_inputs": 1},
    {"processors": 2, "view_ids": 2, "max_inputs": 2},
    {"processors": 2, "view_ids": 3, "max_inputs": 1},
    {"processors": 3, "initial_members": 3, "view_ids": 2, "max_inputs": 1},
]
"""The scopes of issue 8's "done when" (values = 1, P0 = P, majorities), full message alphabet."""


def measure(scope: dict[str, int], max_states: int) -> dict[str, object]:
    """One scope, measured in this process."""
    import resource

    from ioakit.engines.explore import Explorer
    from ioakit.registry import get_spec

    t0 = time.perf_counter()
    m = get_spec("VStoTO-system").build(scope)
    t1 = time.perf_counter()
    m.compiled()
    t2 = time.perf_counter()
    r = Explorer(m).max_states(max_states).run()
    t3 = time.perf_counter()
    return {
        "scope": scope,
        "instances": len(m.actions),
        "build_s": round(t1 - t0, 2),
        "compile_s": round(t2 - t1, 2),
        "explore_s": round(t3 - t2, 2),
        "states": r.states,
        "transitions": r.transitions,
        "verdict": r.verdict.value,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scope", action="append", help="k=v,k=v (repeatable); default: the standard scopes")
    ap.add_argument("--max-states", type=int, default=20_000_000)
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one JSON scope and print JSON
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(json.loads(args.one), args.max_states)))
        return
    scopes = (
        [dict((k, int(v)) for k, v in (kv.split("=") for kv in s.split(","))) for s in args.scope]
        if args.scope
        else DEFAULT_SCOPES
    )
    print(
        f"{'scope':<44} {'inst':>5} {'build':>7} {'compile':>8} {'explore':>8} {'states':>10} {'trans':>11} {'MB':>6}"
    )
    for sc in scopes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", json.dumps(sc), "--max-states", str(args.max_states)],
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            print(f"{sc}: failed\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout)
        name = ",".join(f"{k}={v}" for k, v in sc.items())
        print(
            f"{name:<44} {r['instances']:>5} {r['build_s']:>6}s {r['compile_s']:>7}s {r['explore_s']:>7}s "
            f"{r['states']:>10,} {r['transitions']:>11,} {r['peak_mb']:>6} {r['verdict']}"
        )


if __name__ == "__main__":
    main()
