"""Aguilera, Keidar, Malkhi, Shraer: *Dynamic Atomic Storage Without Consensus* (DynaStore; J. ACM
58(2), Article 7, 2011) — the paper's bundle.

What ioakit ships for it, and where:

* trace checks (over ``traces/dynastore/``): histories of the dynamic atomic register
  (``"atomic-register"``: Definition 3.1, linearizability; Definition 3.2, Dynamic Service
  Liveness on a finite run, with hypothesis (A1)) and of the weak snapshot (``"weak-snapshot"``:
  PR1–PR5, Section 4), ``traces/FORMAT.md`` "DynaStore histories";
* Section 4, Algorithm 1 (the weak snapshot) at fidelity L1 (``weak-snapshot-alg1``) and over ABD
  registers, L2 (``weak-snapshot-alg1-abd``): ``impl/dynastore/weak_snapshot.py``, with PR1–PR4
  and Lemma 4.1 as history variables (``monitors.py``);
* Sections 3 and 5, Algorithms 2–3 (DynaStore): ``impl/dynastore/dynastore.py``;
* seeded bugs (ours, not the paper's): ``impl/dynastore/bugs.py``.
"""

from __future__ import annotations

from typing import Any

from ioakit.registry import Paper, TraceCheck, lazy_bundle

# -- trace checks of recorded histories (traces/dynastore/) -----------------------------------------


def _check_register(header: Any, events: Any) -> Any:
    from ioakit.traces.dynastore.checks import check_atomic_register_history

    return check_atomic_register_history(events, scope=header.scope)


def _check_snapshot(header: Any, events: Any) -> Any:
    from ioakit.traces.dynastore.checks import check_weak_snapshot_history

    return check_weak_snapshot_history(events, scope=header.scope)


TRACE_CHECKS = (
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
)

# -- scopes of the main job's claims (each explored in a few seconds) -----------------------------

WS_SCOPE = {"processes": 3, "values": 2, "max_ops": 4, "crashes": 1}
"""Algorithm 1's main-job scope: 3 processes (majorities of 2), two updates (c1, c2) and two scans
in any order and placement, one crash."""
WS_ABD_SCOPE = {"processes": 2, "values": 2, "max_ops": 3, "crashes": 0, "max_register_ops": 24, "capacity": 8}
"""Algorithm 1 over ABD registers (L2): two processes, two updates and a scan (187,677 states)."""
STORE_RW_SCOPE = {"processes": 2, "init": 2, "values": 1, "max_ops": 2, "reconfigs": 0, "crashes": 0}
"""DynaStore without reconfiguration: a write and a read (or two of either) at two processes."""
STORE_ADD_SCOPE = {"processes": 2, "init": 1, "values": 1, "max_ops": 2, "reconfigs": 1, "crashes": 0}
"""DynaStore with one reconfiguration: Init = {(+,p1)}, reconfig({(+,p2)}) with a read or a write."""


# -- machines' default properties (algorithm side) -----------------------------------------------


def _snapshot_properties(m: Any) -> list[Any]:
    """PR1–PR4 and Lemma 4.1 as history variables (``monitors.py``)."""
    from . import monitors

    return monitors.properties(m, monitors.SNAPSHOT_PROPERTIES)


def _store_properties(m: Any) -> list[Any]:
    """DynaStore's history checks and the state predicates of Section 5.5 (``monitors.py``)."""
    from . import monitors

    return monitors.store_properties(m)


def _store_liveness(m: Any) -> list[Any]:
    """Definition 3.2's conclusions (1) and (2) as predicates of a quiescent state (``monitors.py``)."""
    from . import monitors

    return monitors.liveness_conclusions(m)


def _snapshot_liveness(m: Any) -> list[Any]:
    """PR5 (termination) as a predicate of a quiescent state (``monitors.py``)."""
    from . import monitors

    return monitors.snapshot_liveness(m)


def _algorithm_machines() -> tuple[tuple[type, ...], dict[str, Any]]:
    """The algorithms of the paper and their seeded bugs, with their default properties."""
    from ioakit.impl.dynastore.bugs import BASE_OF, SEEDED_BUGS
    from ioakit.impl.dynastore.dynastore import DynaStore
    from ioakit.impl.dynastore.weak_snapshot import WeakSnapshotABD, WeakSnapshotAlg1

    machines: tuple[type, ...] = (WeakSnapshotAlg1, WeakSnapshotABD, DynaStore, *SEEDED_BUGS)
    properties: dict[str, Any] = {
        WeakSnapshotAlg1.name: _snapshot_properties,
        WeakSnapshotABD.name: _snapshot_properties,
        DynaStore.name: _store_properties,
    }
    # a seeded bug is checked with its base machine's properties
    properties |= {bug: properties[base] for bug, base in BASE_OF.items()}
    return machines, properties


# -- main-job claims (algorithm side) --------------------------------------------------------------


def _algorithm_claims() -> list[Any]:
    from ioakit import papers as J
    from ioakit.registry import Claim

    return [
        Claim(
            "Lemmas 4.1-4.4 (Algorithm 1)",
            lambda: J.explore_job(
                "weak-snapshot-alg1",
                WS_SCOPE,
                "Algorithm 1 at L1: PR1 (integrity), PR2 (Lemma 4.2), PR3 (Lemma 4.3), PR4 (Lemma 4.4), "
                "Mem[i] written at most once (Lemma 4.1)",
            ),
        ),
        Claim(
            "PR5 (Algorithm 1)",
            lambda: J.liveness_job(
                "weak-snapshot-alg1",
                WS_SCOPE,
                "Algorithm 1 at L1, one crash of three: every fair execution ends in a quiescent state where "
                "every update and scan of a process that never crashed has completed",
            ),
        ),
        Claim(
            "Lemmas 4.1-4.4 (Algorithm 1 over ABD)",
            lambda: J.explore_job(
                "weak-snapshot-alg1-abd",
                WS_ABD_SCOPE,
                "Algorithm 1 with its registers emulated by ABD over messages (L2): PR1-PR4, Lemma 4.1",
            ),
        ),
        Claim(
            "Theorem 5.18, Lemmas 5.2-5.20 (DynaStore, no reconfiguration)",
            lambda: J.explore_job(
                "dynastore",
                STORE_RW_SCOPE,
                "Algorithms 2-3 (weak snapshots at L1): every history linearizable (Definition 3.1, "
                "Theorem 5.18), reads return written values, no stale read, no new-old inversion, "
                "Lemma 5.17's ats order, the Section 5.5 state predicates DS1-DS10",
            ),
        ),
        Claim(
            "Theorem 5.28 (DynaStore liveness, no reconfiguration)",
            lambda: J.liveness_job(
                "dynastore",
                STORE_RW_SCOPE,
                "Definition 3.2 under (A1): every fair execution ends in a quiescent state where every "
                "operation of an active process has completed and every added active process is enabled",
            ),
        ),
        Claim(
            "Theorem 5.28 (DynaStore liveness, one reconfiguration)",
            lambda: J.liveness_job("dynastore", STORE_ADD_SCOPE, "Definition 3.2 with reconfig({(+,p2)}): the same"),
        ),
        Claim(
            "Theorem 5.18, Lemmas 5.2-5.20 (DynaStore, one reconfiguration)",
            lambda: J.explore_job(
                "dynastore",
                STORE_ADD_SCOPE,
                "Algorithms 2-3 with reconfig({(+,p2)}) from Init = {(+,p1)}: the same checks",
            ),
        ),
    ]


def _claims() -> list[Any]:
    return _algorithm_claims()


def _paper() -> Paper:
    """The bundle, built on first use (the algorithms import this package's ``monitors``)."""
    machines, properties = _algorithm_machines()
    return Paper(
        key="dynastore",
        title="Dynamic Atomic Storage Without Consensus",
        citation=(
            "M. K. Aguilera, I. Keidar, D. Malkhi, A. Shraer. Dynamic Atomic Storage Without Consensus. "
            "J. ACM 58(2), Article 7, 2011"
        ),
        machines=machines,
        properties=properties,
        claims=_claims,
        trace_checks=TRACE_CHECKS,
        liveness={
            **{name: _snapshot_liveness for name in _snapshot_machine_names(machines)},
            **{name: _store_liveness for name in _store_machine_names(machines)},
        },
    )


def _snapshot_machine_names(machines: tuple[type, ...]) -> list[str]:
    """Algorithm 1 (L1 and over ABD) and its seeded bugs (the machines with PR5)."""
    from ioakit.impl.dynastore.weak_snapshot import WeakSnapshotAlg1

    return [c.name for c in machines if issubclass(c, WeakSnapshotAlg1)]


def _store_machine_names(machines: tuple[type, ...]) -> list[str]:
    """DynaStore and its seeded bugs (the machines with Definition 3.2's conclusions)."""
    from ioakit.impl.dynastore.dynastore import DynaStore

    return [c.name for c in machines if issubclass(c, DynaStore)]


__getattr__ = lazy_bundle(__name__, _paper)

__all__ = ["PAPER"]
