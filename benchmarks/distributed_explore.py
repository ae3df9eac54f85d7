"""The search on a Dask cluster against one process and against forked workers (issue 13, item 2).

For TO-machine at processors=3, values=2, max_inputs=4 (and, with ``--big``, max_inputs=5) this
runs, interleaved repetition by repetition, ``Explorer(machine).run()`` on one process, on W
forked workers (``Explorer.workers``) and on W partitions on a local Dask cluster of W worker
processes (``Explorer.engine("dask", address)``; the cluster is started once, before the runs, and
its start is timed apart). It checks that every run finds the same states, transitions and depth,
and prints for each: the best wall-clock time and its ratio to one process measured in the same
run; the states' bytes exchanged between partitions (the serialised payloads, per state and per
transition: for the forked workers counted by running the same ``Partition`` objects in this
process, since the forked pool does not count them); for Dask also every byte that crossed the
loopback interface during the run (``/proc/net/dev``: the payloads plus Dask's own messages,
and anything else on ``lo`` meanwhile); and the resident memory per stored state (one process:
the peak growth of a forked child that runs the search; Dask: the growth of each worker since it built
the machine to the end of the first search on the fresh cluster, over the states it owns; later
searches reuse memory the earlier ones freed, so only the first is measured).

    .venv/bin/python benchmarks/distributed_explore.py [--reps 3] [--workers 2] [--big]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import statistics
import time
from typing import Any

from ioakit.engines import distributed, parallel
from ioakit.engines.explore import Explorer
from ioakit.measure import rss_bytes
from ioakit.registry import get_spec

MACHINE = "TO-machine"
SCOPE = {"processors": 3, "values": 2, "max_inputs": 4}
BIG = {"processors": 3, "values": 2, "max_inputs": 5}


def loopback_bytes() -> int | None:
    """Bytes sent on the loopback interface so far (Linux), or None."""
    try:
        with open("/proc/net/dev") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name.strip() == "lo":
                    return int(rest.split()[8])  # transmitted bytes
    except (OSError, ValueError, IndexError):
        return None
    return None


class CountingPool:
    """The partitions of the forked workers run one after the other in this process, counting the
    bytes they would send each other (the forked pool's payloads are the same ``Partition.expand``
    output)."""

    def __init__(self, explorer: Explorer, w: int) -> None:
        key = parallel.choose_key(explorer.machine, w)  # as run_parallel chooses it
        layer = explorer.machine.compiled().partition_layer(key)
        self.parts = [parallel.Partition(explorer, layer, me, w, key) for me in range(w)]
        self.sent = 0

    def all(self, cmd: str) -> list[Any]:
        if cmd == "start":
            return [p.start() for p in self.parts]
        if cmd == "steps":
            return [p.step_hits() for p in self.parts]
        outs = [p.expand() for p in self.parts]
        self.sent += sum(len(b) for out in outs for b in out.values())
        return [p.absorb([outs[o][me] for o in range(len(self.parts)) if o != me]) for me, p in enumerate(self.parts)]

    def ask(self, worker: int, cmd: str, arg: Any) -> Any:
        p = self.parts[worker]
        return p.parent_code(arg) if cmd == "parent" else p.state(arg)

    def close(self) -> None:
        pass

    def kill(self) -> None:
        pass


def _one_process_memory(scope: dict[str, int], conn: Any) -> None:
    m = get_spec(MACHINE).build(scope)
    m.compiled().layer  # noqa: B018 -- built before the baseline
    before = rss_bytes() or 0
    r = Explorer(m).run()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    conn.send((r.states, peak - before))


def one_process_bytes_per_state(scope: dict[str, int]) -> float:
    """Peak resident memory grown per state by a search in a fresh forked child."""
    ctx = multiprocessing.get_context("fork")
    a, b = ctx.Pipe()
    p = ctx.Process(target=_one_process_memory, args=(scope, b))
    p.start()
    states, grown = a.recv()
    p.join()
    return grown / states


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2, help="forked workers, Dask workers and partitions")
    ap.add_argument("--big", action="store_true", help=f"the larger scope {BIG}")
    a = ap.parse_args()
    w = a.workers
    scope = BIG if a.big else SCOPE
    py = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"{py} on {os.cpu_count()} cores; load {os.getloadavg()}")
    m = get_spec(MACHINE).build(scope)
    # code generation is not what is measured
    _ = m.compiled().layer, m.compiled().partition_layer(parallel.choose_key(m, w))

    t0 = time.perf_counter()
    cluster = distributed.local_cluster(w)
    started = time.perf_counter() - t0
    costs: list[dict[str, Any]] = []

    def read_costs(pool: distributed.DaskPool) -> None:
        costs.append({"sent": pool.sent, "memory": pool.memory()})

    wall: dict[str, list[float]] = {"one": [], "fork": [], "dask": []}
    lo: list[int] = []
    seen = set()
    counted = CountingPool(Explorer(m), w)
    try:
        for _ in range(a.reps):
            for kind in wall:
                t0 = time.perf_counter()
                if kind == "one":
                    r = Explorer(m).run()
                elif kind == "fork":
                    r = Explorer(m).workers(w).run()
                else:
                    lo0 = loopback_bytes()
                    ex = Explorer(m).engine("dask", cluster.scheduler_address).workers(w)
                    r = distributed.run_dask(ex, w, cluster.scheduler_address, on_close=read_costs)
                    lo1 = loopback_bytes()
                    if lo0 is not None and lo1 is not None:
                        lo.append(lo1 - lo0)
                wall[kind].append(time.perf_counter() - t0)
                seen.add((r.states, r.transitions, r.depth, r.deadlocks, r.verdict))
        assert len(seen) == 1, f"the runs disagree: {seen}"
        states, transitions, depth = next(iter(seen))[:3]
        parallel.run_parallel(Explorer(m), w, make_pool=lambda ex, n, key: counted)
    finally:
        cluster.close()
    base = min(wall["one"])
    print(f"\n{MACHINE} {scope}: {states:,} states, {transitions:,} transitions, depth {depth}")
    print(f"local Dask cluster of {w} worker processes started in {started:.2f} s (not in the times below)")
    names = {"one": "1 process", "fork": f"{w} forked workers", "dask": f"{w} partitions on Dask"}
    for kind, runs in wall.items():
        print(
            f"  {names[kind]:<22} best {min(runs):6.2f} s, median {statistics.median(runs):6.2f} s; "
            f"{states / min(runs):>10,.0f} states/s; time / one process {min(runs) / base:.2f}"
        )
    sent = costs[-1]["sent"]
    print(
        f"  exchanged between partitions: fork {counted.sent:,} B ({counted.sent / states:.1f} B/state, "
        f"{counted.sent / transitions:.1f} B/transition); dask {sent:,} B ({sent / states:.1f} B/state, "
        f"{sent / transitions:.1f} B/transition)"
    )
    if lo:
        print(
            f"  loopback bytes during a dask run (payloads + Dask's messages): median {statistics.median(lo):,.0f} B "
            f"({statistics.median(lo) / states:.1f} B/state)"
        )
    summary = distributed.summary_of_costs(costs[0]["memory"])  # the first run: on fresh worker processes
    print(
        f"  resident memory per stored state: 1 process {one_process_bytes_per_state(scope):.0f} B; "
        f"dask workers {summary['bytes_per_state']:.0f} B "
        f"(end of the first run on fresh workers; states per partition {[x['states'] for x in costs[0]['memory']]})"
    )
    built = [round(x["rss_built"] / 1e6) for x in costs[0]["memory"]]
    print(f"  a Dask worker's resident memory once the machine is built, before any state: {built} MB")
    print(f"\nload after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
