"""What a phase of preparing a machine costs: wall time and peak memory.

Tracing a spec (``Spec.build``) and generating code for it (``compile_machine``,
``compile_layer``) grow with the model; their cost is recorded on the ``Machine`` and on the
``Compiled`` object so that ``ioakit explore --progress`` can say where the time before the first
state went. Peak memory is, while ``tracemalloc`` traces, the peak of the memory allocated during
the phase; otherwise how much the process's peak resident memory grew during it
(``resource.getrusage``: free to measure, but 0 when the process had already been larger), or
``None`` where neither is available.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass


@dataclass(frozen=True)
class Cost:
    """The wall time of one phase and, when ``tracemalloc`` was tracing, the peak of memory
    allocated during it above what was allocated when it started."""

    seconds: float
    peak_bytes: int | None = None

    def __str__(self) -> str:
        if self.peak_bytes is None:
            return f"{self.seconds:.2f} s"
        mb = self.peak_bytes / 1e6
        return f"{self.seconds:.2f} s ({mb:.1f} MB)" if mb < 10 else f"{self.seconds:.2f} s ({mb:.0f} MB)"

    def __add__(self, other: Cost) -> Cost:
        """Two phases one after the other: times add, the peak is the larger one."""
        peaks = [p for p in (self.peak_bytes, other.peak_bytes) if p is not None]
        return Cost(self.seconds + other.seconds, max(peaks) if peaks else None)


class Meter:
    """Filled in by ``measure()``: ``cost`` is set when the measured block ends."""

    cost: Cost = Cost(0.0)


def _max_rss() -> int | None:
    """The process's peak resident memory in bytes, or None where ``resource`` is missing."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # kilobytes on Linux


@contextmanager
def measure() -> Iterator[Meter]:
    """Measure the block: ``with measure() as m: ...`` then ``m.cost``. Phases are measured one
    at a time (the peak of ``tracemalloc`` is reset at the start of each)."""
    meter = Meter()
    tracing = tracemalloc.is_tracing()
    start = tracemalloc.get_traced_memory()[0] if tracing else _max_rss()
    if tracing:
        tracemalloc.reset_peak()
    t0 = time.perf_counter()
    try:
        yield meter
    finally:
        seconds = time.perf_counter() - t0
        peak: int | None = None
        if tracing and tracemalloc.is_tracing():
            peak = max(0, tracemalloc.get_traced_memory()[1] - (start or 0))
        elif not tracing and start is not None:
            peak = max(0, (_max_rss() or 0) - start)
        meter.cost = Cost(seconds, peak)


# -- the memory guard of long runs ---------------------------------------------------------------

MEMORY_SHARE = 0.8
"""The default limit of a long run's resident memory: this share of what the machine (or the
process's cgroup, when it is limited) has, so that a run too large for the machine stops with a
report instead of being killed by the kernel with none."""


def rss_bytes() -> int | None:
    """The process's resident memory now (Linux ``/proc/self/statm``), or ``None`` elsewhere."""
    try:
        with open("/proc/self/statm", "rb") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    import os

    return pages * os.sysconf("SC_PAGE_SIZE")


def memory_available_bytes() -> int | None:
    """What the process may use at most: the smaller of physical memory and a cgroup limit."""
    import os

    sizes = []
    with suppress(OSError, ValueError, AttributeError):
        sizes.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:
            sizes.append(int(text))
    return min(sizes) if sizes else None


def default_memory_limit_bytes() -> int | None:
    """``MEMORY_SHARE`` of ``memory_available_bytes()`` (``None``: no guard where unknown)."""
    avail = memory_available_bytes()
    return None if avail is None else int(avail * MEMORY_SHARE)
