"""The DynaStore history checkers behind ``ioakit trace`` (``traces/FORMAT.md``, "DynaStore
histories"): an ``atomic-register`` history is judged for linearizability (Definition 3.1,
:mod:`ioakit.traces.dynastore.linearizability`) and Dynamic Service Liveness (Definition 3.2,
:mod:`ioakit.traces.dynastore.liveness`, with (A1) reported as an assumption); a ``weak-snapshot``
history for PR1–PR5 (Section 4, :mod:`ioakit.traces.dynastore.snapshot`). Each property is its
own verdict with its witness; the result's verdict combines them (VIOLATED > UNKNOWN > OK).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ioakit.results import Verdict
from ioakit.traces.dynastore.history import (
    REGISTER,
    SNAPSHOT,
    Op,
    parse_register_history,
    parse_snapshot_history,
)
from ioakit.traces.dynastore.linearizability import (
    DEFAULT_MAX_CONFIGURATIONS,
    LinearizabilityResult,
    RWOp,
    check_linearizable,
    timeline,
)
from ioakit.traces.dynastore.liveness import judge_liveness
from ioakit.traces.dynastore.snapshot import snapshot_properties
from ioakit.traces.fls.checkers import TraceCheckResult
from ioakit.traces.format import Event
from ioakit.traces.paxos.histories import HistoryPropertyResult

__all__ = ["DynaStoreHistoryResult", "check_atomic_register_history", "check_weak_snapshot_history", "rw_operations"]

LINEARIZABILITY: Final = "Linearizability"


@dataclass(frozen=True)
class DynaStoreHistoryResult(TraceCheckResult):
    """What both checkers return (a :class:`~ioakit.traces.fls.checkers.TraceCheckResult`):

    * ``properties`` — one :class:`~ioakit.traces.paxos.histories.HistoryPropertyResult` per
      property (OK / VIOLATED / UNKNOWN each, with witness event indices);
    * ``assumptions`` — (A1) of Definition 3.2, reported and never part of the verdict;
    * ``operations`` — the history's operations in invocation order;
    * ``linearizability`` — the linearizability checker's own result (register histories).
    """

    automaton: str
    operations: tuple[Op, ...]
    properties: tuple[HistoryPropertyResult, ...]
    assumptions: tuple[HistoryPropertyResult, ...] = ()
    linearizability: LinearizabilityResult | None = None

    @property
    def verdict(self) -> Verdict:
        return Verdict.combine(p.verdict for p in self.properties)

    def get(self, name: str) -> HistoryPropertyResult:
        """The property (or assumption) whose name starts with ``name`` (``"PR3"``, ``"(A1)"``)."""
        for r in (*self.properties, *self.assumptions):
            if r.name == name or r.name.startswith(name):
                return r
        raise KeyError(name)


def _combine(
    automaton: str,
    ops: Sequence[Op],
    props: Sequence[HistoryPropertyResult],
    assumptions: Sequence[HistoryPropertyResult] = (),
    lin: LinearizabilityResult | None = None,
) -> DynaStoreHistoryResult:
    verdict = Verdict.combine(p.verdict for p in props)
    failed = [p for p in props if p.judged and not p.holds]
    first = min(failed, key=lambda p: p.event_index or 0) if failed else None
    return DynaStoreHistoryResult(
        holds=verdict is Verdict.OK,
        failed_property=None if first is None else first.name,
        event_index=None if first is None else first.event_index,
        explanation="" if first is None else first.explanation,
        automaton=automaton,
        operations=tuple(ops),
        properties=tuple(props),
        assumptions=tuple(assumptions),
        linearizability=lin,
    )


def rw_operations(ops: Iterable[Op]) -> list[RWOp]:
    """σ|RW: the reads and writes of a history (reconfigs dropped) as the linearizability checker's
    operations (a read's ``value`` is what it returned)."""
    out = []
    for o in ops:
        if o.name == "write":
            out.append(RWOp("write", o.p, o.inv, o.res, o.arg))
        elif o.name == "read":
            out.append(RWOp("read", o.p, o.inv, o.res, o.ret))
    return out


def _linearizability_property(lin: LinearizabilityResult) -> HistoryPropertyResult:
    ref = "Definition 3.1 (σ|RW; pending writes may or may not take effect, pending reads dropped)"
    if lin.method == "zones":
        how = "zone check (written values unique: Gibbons–Korach)"
    else:
        how = f"search (Wing–Gong with Lowe's memoisation): {lin.configurations:,} configurations"
    note = f"{lin.operations:,} read/write operations; {how}"
    if lin.linearizable is None:
        return HistoryPropertyResult(LINEARIZABILITY, ref, False, None, "; ".join(lin.notes), judged=False, note=note)
    if lin.linearizable:
        return HistoryPropertyResult(LINEARIZABILITY, ref, True, None, "", note=note)
    w = lin.witness
    last = max(x for o in w for x in (o.inv, o.res if o.res is not None else o.inv))
    minimal = (
        "removing any one of them makes it linearizable"
        if lin.minimal
        else "shrinking stopped at the search budget: maybe not minimal"
    )
    why = f" ({lin.reason})" if lin.reason else ""
    text = (
        f"not linearizable{why}; a non-linearizable sub-history of {len(w)} of the {lin.operations:,} operations "
        f"({minimal}):\n{timeline(w, indent='      ')}\n     "
    )
    witnesses = tuple(sorted({x for o in w for x in (o.inv, o.res) if x is not None}))
    return HistoryPropertyResult(LINEARIZABILITY, ref, False, last, text, witnesses=witnesses, note=note)


def check_atomic_register_history(
    events: Iterable[Event],
    *,
    scope: Mapping[str, Any] | None = None,
    path: str = "<history>",
    max_configurations: int = DEFAULT_MAX_CONFIGURATIONS,
) -> DynaStoreHistoryResult:
    """Judge an ``atomic-register`` history: Linearizability (Definition 3.1), Liveness (1) and
    (2) (Definition 3.2, finite-run reading of :mod:`ioakit.traces.dynastore.liveness`), and (A1)
    as an assumption. Raises :class:`~ioakit.traces.format.TraceFormatError` for malformed input
    (:mod:`ioakit.traces.dynastore.history`)."""
    history = parse_register_history(events, scope=scope, path=path)
    lin = check_linearizable(rw_operations(history.operations), max_configurations=max_configurations)
    liveness, a1 = judge_liveness(history)
    return _combine(REGISTER, history.operations, [_linearizability_property(lin), *liveness], [a1], lin)


def check_weak_snapshot_history(
    events: Iterable[Event], *, scope: Mapping[str, Any] | None = None, path: str = "<history>"
) -> DynaStoreHistoryResult:
    """Judge a ``weak-snapshot`` history: PR1–PR5 (Section 4), each its own verdict. Raises
    :class:`~ioakit.traces.format.TraceFormatError` for malformed input."""
    history = parse_snapshot_history(events, scope=scope, path=path)
    return _combine(SNAPSHOT, history.operations, snapshot_properties(history))
