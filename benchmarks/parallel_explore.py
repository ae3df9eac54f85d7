"""Exploration on several processes against one (issue 13, item 1).

For TO-machine at processors=3, values=2, max_inputs=5 (3,367,923 states) and VS-machine at
processors=3, initial_members=3, view_ids=3 (1,018,851 states), this runs, interleaved repetition
by repetition, ``Explorer(machine).run()`` on 1 process and on 2, 3, ... workers
(``Explorer.workers``), checks that every run finds the same states, transitions and depth, and
prints the wall-clock time, the CPU time of all processes, and the speed-up over one process
measured in the same run. The CPU ratio (all processes' CPU / one process's CPU) is the overhead
of partitioning: with W idle cores the best wall-clock speed-up is about W / that ratio.

    .venv/bin/python benchmarks/parallel_explore.py [--reps 3] [--workers 1,2] [--small]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time

from ioakit.engines.explore import Explorer
from ioakit.registry import get_spec

SCOPES = {
    "TO-machine": {"processors": 3, "values": 2, "max_inputs": 5},
    "VS-machine": {"processors": 3, "initial_members": 3, "view_ids": 3},
}
SMALL = {
    "TO-machine": {"processors": 3, "values": 2, "max_inputs": 4},
    "VS-machine": {"processors": 3, "initial_members": 3, "view_ids": 2},
}


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have been waited for."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts (1 is the baseline)")
    ap.add_argument("--small", action="store_true", help="smaller scopes (a quick look)")
    a = ap.parse_args()
    counts = sorted({1, *(int(x) for x in a.workers.split(","))})
    py = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"{py} on {os.cpu_count()} cores; load {os.getloadavg()}")
    for name, scope in (SMALL if a.small else SCOPES).items():
        m = get_spec(name).build(scope)
        _ = m.compiled().layer  # code generation is not what is measured
        wall: dict[int, list[float]] = {w: [] for w in counts}
        cpu: dict[int, list[float]] = {w: [] for w in counts}
        seen = set()
        for _ in range(a.reps):
            for w in counts:
                c0, t0 = cpu_seconds(), time.perf_counter()
                r = Explorer(m).workers(w).run()
                wall[w].append(time.perf_counter() - t0)
                cpu[w].append(cpu_seconds() - c0)
                seen.add((r.states, r.transitions, r.depth, r.deadlocks))
        assert len(seen) == 1, f"the runs disagree: {seen}"
        states = next(iter(seen))[0]
        print(f"\n{name} {scope}: {states:,} states")
        base_wall, base_cpu = min(wall[1]), min(cpu[1])
        for w in counts:
            print(
                f"  {w} worker(s): wall best {min(wall[w]):6.2f} s, median {statistics.median(wall[w]):6.2f} s; "
                f"CPU {min(cpu[w]):6.2f} s; speed-up {base_wall / min(wall[w]):.2f}x; "
                f"CPU / one process {min(cpu[w]) / base_cpu:.2f}"
            )
    print(f"\nload after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
