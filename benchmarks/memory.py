"""Peak memory per reached state of ``Explorer.run`` with each seen-set (issue #13, item 3).

For TO-machine (processors=3, values=2, max_inputs=5: 3,367,923 states) and VS-machine
(processors=3, initial_members=3, view_ids=3: 1,018,851 states) this explores every reachable
state once per store (``exact``, the baseline, ``compact`` and ``fingerprint``), each in a fresh Python
process so that each peak is its own, and prints for each: states, transitions, seconds, the
process's peak resident memory (``ru_maxrss``: interpreter, imports, traced machine, generated
code, the search — everything), that peak divided by the states (bytes per state, all
included), the growth of the peak over the process before the search (the built machine) per
state, and the ratios to the exact store measured in the same run. The two stores must find the
same counts; the script fails otherwise.

    .venv/bin/python benchmarks/memory.py [--machine TO-machine] [--store exact --store compact ...]

Times are wall-clock on a shared machine (the load average is printed); memory peaks do not
depend on the load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

SCOPES: dict[str, dict[str, int]] = {
    "TO-machine": {"processors": 3, "values": 2, "max_inputs": 5},
    "VS-machine": {"processors": 3, "initial_members": 3, "view_ids": 3},
}
STORES = ("exact", "compact", "fingerprint")


def _peak_bytes() -> int:
    """This process's peak resident memory (Linux reports kilobytes, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def child(machine: str, store: str) -> dict[str, Any]:
    """One exploration in this process: what the parent prints."""
    from ioakit.engines.explore import Explorer
    from ioakit.registry import get_spec

    m = get_spec(machine).build(SCOPES[machine])
    m.compiled().layer  # generated before the search, so that the growth below is the search's  # noqa: B018
    before = _peak_bytes()
    t0 = time.perf_counter()
    r = Explorer(m).store(store).run()
    seconds = time.perf_counter() - t0
    if not r.complete:
        raise SystemExit(f"{machine} ({store}): not complete: {r.reason}")
    return {
        "states": r.states,
        "transitions": r.transitions,
        "depth": r.depth,
        "deadlocks": r.deadlocks,
        "seconds": seconds,
        "peak": _peak_bytes(),
        "before": before,
        "collision_bound": r.collision_bound,
    }


def measure(machine: str, store: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", machine, store], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--machine", action="append", choices=list(SCOPES), help="only this machine (repeatable)")
    ap.add_argument("--store", action="append", choices=STORES, help="only this store (repeatable; exact first)")
    ap.add_argument("--child", nargs=2, metavar=("MACHINE", "STORE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    machines = args.machine or list(SCOPES)
    stores = args.store or list(STORES)
    load = os.getloadavg()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for machine in machines:
        scope = ",".join(f"{k}={v}" for k, v in SCOPES[machine].items())
        print(f"\n{machine} [{scope}]")
        print(
            f"  {'store':<12} {'states':>10} {'transitions':>12} {'seconds':>8} {'peak MB':>8} {'B/state':>8} "
            f"{'search B/state':>15} {'peak vs exact':>14} {'time vs exact':>14}  collision bound"
        )
        base: dict[str, Any] | None = None
        for store in stores:
            r = measure(machine, store)
            if base is None:
                base = r
            for key in ("states", "transitions", "depth", "deadlocks"):
                if r[key] != base[key]:
                    raise SystemExit(f"{machine}: {store} found {key} {r[key]}, {stores[0]} {base[key]}")
            bound = "exact" if r["collision_bound"] is None else f"≤ {r['collision_bound']:.1e}"
            print(
                f"  {store:<12} {r['states']:>10,} {r['transitions']:>12,} {r['seconds']:>8.1f} "
                f"{r['peak'] / 1e6:>8.0f} {r['peak'] / r['states']:>8.0f} "
                f"{(r['peak'] - r['before']) / r['states']:>15.0f} {r['peak'] / base['peak']:>14.2f} "
                f"{r['seconds'] / base['seconds']:>14.2f}  {bound}"
            )
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
