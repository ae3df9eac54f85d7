"""Aguilera, Keidar, Malkhi, Shraer: *Dynamic Atomic Storage Without Consensus* (DynaStore; J. ACM
58(2), Article 7, 2011) — the paper's bundle.

What ioakit ships for it, and where:

* trace checks (here, over ``traces/dynastore/``): histories of the dynamic atomic register
  (``"atomic-register"``: Definition 3.1, linearizability; Definition 3.2, Dynamic Service
  Liveness on a finite run, with hypothesis (A1)) and of the weak snapshot (``"weak-snapshot"``:
  PR1–PR5, Section 4), ``traces/FORMAT.md`` "DynaStore histories";
* machines: none yet (Algorithms 1–3 are to come: add them to ``machines`` below).
"""

from __future__ import annotations

from typing import Any

from ioakit.registry import Paper, TraceCheck


def _check_register(header: Any, events: Any) -> Any:
    from ioakit.traces.dynastore.checks import check_atomic_register_history

    return check_atomic_register_history(events, scope=header.scope)


def _check_snapshot(header: Any, events: Any) -> Any:
    from ioakit.traces.dynastore.checks import check_weak_snapshot_history

    return check_weak_snapshot_history(events, scope=header.scope)


PAPER = Paper(
    key="dynastore",
    title="Dynamic Atomic Storage Without Consensus",
    citation=(
        "M. K. Aguilera, I. Keidar, D. Malkhi, A. Shraer. Dynamic Atomic Storage Without Consensus. "
        "J. ACM 58(2), Article 7, 2011"
    ),
    machines=(),
    trace_checks=(
        TraceCheck(
            ("atomic-register",),
            "Definition 3.1: linearizability of σ|RW; Definition 3.2: Dynamic Service Liveness (1) and (2) on a "
            "run that ends with the quiescent marker, (A1) reported as an assumption",
            _check_register,
        ),
        TraceCheck(
            ("weak-snapshot",),
            "Section 4: PR1 integrity, PR2 validity, PR3 monotonicity, PR4 non-empty intersection, PR5 termination "
            "(on a run that ends with the quiescent marker)",
            _check_snapshot,
        ),
    ),
)

__all__ = ["PAPER"]
