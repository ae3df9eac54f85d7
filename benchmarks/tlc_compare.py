"""ioakit against TLC on TO-machine at processors=3, values=2, max_inputs=5 (issue 13, item 6).

Runs, in one run and on the same machine: ioakit's explorer on one process and with
``--workers 2``, and — where TLC is installed — TLC on ``benchmarks/tla/TOMachine.tla`` (the same
machine, encoded as ioakit encodes it, so both must find 3,367,923 distinct states) with
``-workers 1`` and ``-workers 2``. Prints wall-clock seconds, states/s, and each run's time as a
ratio of ioakit's one-process run. TLC is found through ``$TLA2TOOLS_JAR`` (the path of
``tla2tools.jar``) or ``benchmarks/tla/tla2tools.jar``, and needs ``java`` on the PATH; without it
the script says so and prints ioakit's figures only (it never invents TLC's).

    .venv/bin/python benchmarks/tlc_compare.py [--reps 1]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ioakit.engines.explore import Explorer
from ioakit.registry import get_spec

SCOPE = {"processors": 3, "values": 2, "max_inputs": 5}
HERE = Path(__file__).resolve().parent / "tla"


def find_tlc() -> tuple[str, Path] | None:
    """``java`` and ``tla2tools.jar``, if both are here."""
    java = shutil.which("java")
    jar = Path(os.environ.get("TLA2TOOLS_JAR", HERE / "tla2tools.jar"))
    return (java, jar) if java and jar.is_file() else None


def run_tlc(java: str, jar: Path, workers: int) -> tuple[float, int]:
    """TLC's wall-clock time and its count of distinct states (read from its output)."""
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        out = subprocess.run(
            [java, "-XX:+UseParallelGC", "-cp", str(jar), "tlc2.TLC", "-workers", str(workers), "-deadlock",
             "-metadir", d, "-config", str(HERE / "TOMachine.cfg"), str(HERE / "TOMachine.tla")],
            capture_output=True, text=True, cwd=d, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - t0
    m = re.search(r"([\d,]+) distinct states found", out.stdout)
    if out.returncode != 0 or m is None:
        raise SystemExit(f"TLC failed (exit {out.returncode}):\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
    return seconds, int(m.group(1).replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=1, help="repetitions of each run (best is shown)")
    a = ap.parse_args()
    print(f"{os.cpu_count()} cores; load {os.getloadavg()}")
    m = get_spec("TO-machine").build(SCOPE)
    _ = m.compiled().layer  # code generation is not what is measured
    rows: list[tuple[str, float, int]] = []
    for label, w in (("ioakit, 1 process", 1), ("ioakit, --workers 2", 2)):
        best, states = float("inf"), 0
        for _ in range(a.reps):
            t0 = time.perf_counter()
            r = Explorer(m).workers(w).run()
            best, states = min(best, time.perf_counter() - t0), r.states
        rows.append((label, best, states))
    tlc = find_tlc()
    if tlc is None:
        print("TLC not found: set TLA2TOOLS_JAR to tla2tools.jar (and put java on the PATH) to compare")
    else:
        for w in (1, 2):
            runs = [run_tlc(*tlc, w) for _ in range(a.reps)]
            rows.append((f"TLC, -workers {w}", min(s for s, _ in runs), runs[0][1]))
    base = rows[0][1]
    print(f"\nTO-machine {SCOPE}")
    for label, seconds, states in rows:
        print(f"  {label:22} {states:>10,} states  {seconds:7.2f} s  {states / seconds:>10,.0f} states/s  "
              f"time / ioakit one process {seconds / base:.2f}")  # fmt: skip
    if len({s for _, _, s in rows}) != 1:
        raise SystemExit("the tools disagree on the number of states")
    print(f"\nload after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
