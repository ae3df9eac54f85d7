"""This checkout's explorer against another checkout's, interleaved in one run.

A refactoring must not make exploration slower. This script times ``Explorer(machine).run()``
(states only, and with the machine's default properties checked on every state) in child
processes of two Python interpreters — this checkout's and the one of an older checkout with its
own virtualenv (e.g. a ``git worktree`` of the commit before the change, set up with
``scripts/setup``) — alternating child by child (each child reports the CPU time of the best of
three runs), asserts that both find the same numbers of states,
transitions and depth, and prints the best and median times and the ratio base / this (> 1: this
checkout is faster).

    .venv/bin/python benchmarks/against_commit.py --base /path/to/old/checkout [--reps 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

SCOPES: dict[str, dict[str, int]] = {
    "TO-machine": {"processors": 3, "values": 2, "max_inputs": 4},
    "VS-machine": {"processors": 3, "initial_members": 3, "view_ids": 2, "messages": 1, "max_inputs": 2},
}

# Runs in the child: works with the layout before the registry (ioakit.specs.machines) and after.
CHILD = r"""
import json, sys, time
try:
    from ioakit.registry import get_spec, default_properties
except ImportError:
    from ioakit.specs.machines import get_spec
    from ioakit.cli import builtin_properties as default_properties
try:
    from ioakit.engines.explore import Explorer
except ImportError:
    from ioakit.specs.explore import Explorer
name, scope, check = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "1"
m = get_spec(name).build(scope)
props = default_properties(m) if check else []
Explorer(m).check(props).run()  # compile and warm up
best = float("inf")
for _ in range(3):  # the best of three runs per child: one child is one sample
    t0 = time.process_time()
    r = Explorer(m).check(props).run()
    best = min(best, time.process_time() - t0)
print(json.dumps({"s": best, "states": r.states, "transitions": r.transitions,
                  "depth": r.depth, "verdict": str(r.verdict)}))
"""


def _run(python: str, cwd: Path, name: str, scope: dict[str, int], check: bool) -> dict[str, float]:
    out = subprocess.run(
        [python, "-c", CHILD, name, json.dumps(scope), "1" if check else "0"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="the other checkout (with its own .venv)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", choices=sorted(SCOPES), help="one machine only")
    ap.add_argument("--scope", help="k=v,... overriding the scope of the machine(s) timed (with --only)")
    args = ap.parse_args()
    if args.scope:
        override = {k: int(v) for k, v in (kv.split("=") for kv in args.scope.split(","))}
        for name in SCOPES:
            SCOPES[name] = {**SCOPES[name], **override} if args.only == name else SCOPES[name]
    here = Path(__file__).resolve().parents[1]
    base = Path(args.base).resolve()
    pythons = {"this": (str(here / ".venv/bin/python"), here), "base": (str(base / ".venv/bin/python"), base)}
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=base, capture_output=True, text=True).stdout
    print(f"base checkout {base} at {head.strip()}; {args.reps} interleaved repetitions")
    print("CPU seconds, best of 3 runs per child; ratio = base / this (> 1: this checkout is faster)")
    print(f"{'machine':<12} {'checks':<8} {'states':>9} {'base best':>10} {'this best':>10} {'ratio':>6} {'median':>7}")
    for name, scope in SCOPES.items():
        if args.only and name != args.only:
            continue
        print(f"{name} at {','.join(f'{k}={v}' for k, v in scope.items())}")
        for check in (False, True):
            times: dict[str, list[float]] = {"this": [], "base": []}
            counts = set()
            for _ in range(args.reps):
                for which, (py, cwd) in pythons.items():
                    r = _run(py, cwd, name, scope, check)
                    times[which].append(r["s"])
                    counts.add((r["states"], r["transitions"], r["depth"], r["verdict"]))
            if len(counts) != 1:
                print(f"{name}: the two checkouts disagree: {counts}", file=sys.stderr)
                return 1
            states = next(iter(counts))[0]
            best = min(times["base"]) / min(times["this"])
            med = statistics.median(times["base"]) / statistics.median(times["this"])
            print(
                f"{name:<12} {'yes' if check else 'no':<8} {states:>9,} {min(times['base']):>10.3f} "
                f"{min(times['this']):>10.3f} {best:>6.2f} {med:>7.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
