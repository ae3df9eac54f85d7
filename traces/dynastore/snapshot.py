"""The weak snapshot's properties PR1–PR5 (Aguilera, Keidar, Malkhi, Shraer, *Dynamic Atomic
Storage Without Consensus*, Section 4) judged on one recorded ``weak-snapshot`` history.

A weak snapshot is accessible by a fixed set P of processes; ``update_i(c)`` returns OK and
``scan_i()`` returns a set of values. As printed in Section 4 (the OCR of our copy turned "C ≠ ∅"
into "C = ∅" in PR2 and PR4; the proofs of Lemmas 4.2 and 4.4 — "the first and second collect
during o return a non-empty set, which means that C ≠ ∅" — fix the reading):

* **PR1 (integrity)** — if scan_i() returns C, then for each c ∈ C an update_j(c) was invoked by
  some p_j before the scan completed (Inv(update) < Res(scan));
* **PR2 (validity)** — a scan invoked after the completion of some update returns C ≠ ∅;
* **PR3 (monotonicity of scans)** — if scan o returns C and scan o' returns C' and is invoked
  after o completed, then C ⊆ C';
* **PR4 (non-empty intersection)** — some c belongs to every C ≠ ∅ returned by a scan (the
  intersection of the non-empty scan results is not empty); the witness is a smallest set of
  scans found whose results have an empty intersection (often two);
* **PR5 (termination)** — "if some majority M of processes in P does not crash, then every scan
  and update invoked by any process p_i ∈ M eventually completes". On a finite run this is judged
  as Definition 3.2 is (:mod:`ioakit.traces.dynastore.liveness`): only when the run ends with the
  ``quiescent`` marker (fair, nothing happens after it), and only when the header gives P. Then
  the processes of P that never crash form a majority M of P or no majority survives; in the first
  case every operation invoked by a process of M must have completed (VIOLATED names one that did
  not), in the second the property holds vacuously (the result says so). Without the marker or
  without P: UNKNOWN, never OK.

PR1–PR4 are safety properties: a violation in a prefix stays one; each is reported at the event
where it becomes visible (a scan's response) with its witness events.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from ioakit.traces.dynastore.history import Op, SnapshotHistory, property_result
from ioakit.traces.format import event_line
from ioakit.traces.paxos.histories import HistoryPropertyResult

__all__ = ["check_pr1", "check_pr2", "check_pr3", "check_pr4", "check_pr5", "snapshot_properties"]


def _ev(i: int) -> str:
    return f"event {i} (line {event_line(i)})"


def _val(key: tuple[str, Any]) -> str:
    v = key[1]
    return repr(v) if isinstance(v, str) else str(v)


def _setof(keys: Any) -> str:
    return "{" + ", ".join(sorted((_val(k) for k in keys), key=str)) + "}"


def _scans(ops: Sequence[Op]) -> list[Op]:
    return [o for o in ops if o.name == "scan" and o.res is not None]


def check_pr1(ops: Sequence[Op]) -> HistoryPropertyResult:
    first_update: dict[Any, Op] = {}
    for o in ops:  # invocation order
        if o.name == "update":
            first_update.setdefault((type(o.arg).__name__, o.arg), o)
    violations = []
    for s in _scans(ops):
        assert s.res is not None
        for c in sorted(s.ret, key=str):
            u = first_update.get(c)
            if u is None or u.inv > s.res:
                late = "" if u is None else f" (the first update({_val(c)}) is invoked later, at {_ev(u.inv)})"
                violations.append(
                    (
                        s.res,
                        f"scan() by {s.p} (invoked at {_ev(s.inv)}) returned {_setof(s.ret)} at {_ev(s.res)}, but no "
                        f"update({_val(c)}) was invoked before that response{late}",
                        (s.inv, s.res),
                    )
                )
                break
    return property_result("PR1 (integrity)", "Section 4, PR1", violations)


def check_pr2(ops: Sequence[Op]) -> HistoryPropertyResult:
    done = [o for o in ops if o.name == "update" and o.res is not None]
    first = min(done, key=lambda o: o.res or 0, default=None)
    violations = []
    if first is not None:
        assert first.res is not None
        for s in _scans(ops):
            if s.inv > first.res and not s.ret:
                assert s.res is not None
                violations.append(
                    (
                        s.res,
                        f"scan() by {s.p} invoked at {_ev(s.inv)}, after {first.describe()} by {first.p} completed at "
                        f"{_ev(first.res)}, returned ∅ at {_ev(s.res)}",
                        (first.res, s.inv, s.res),
                    )
                )
    return property_result("PR2 (validity)", "Section 4, PR2 (C ≠ ∅; the OCR reads 'C = ∅')", violations)


def check_pr3(ops: Sequence[Op]) -> HistoryPropertyResult:
    """For each value c, the earliest response of a scan returning it; a scan o' invoked after
    that response must return c. O(Σ|C| log n)."""
    scans = _scans(ops)
    earliest: dict[Any, Op] = {}
    for s in sorted(scans, key=lambda o: o.res or 0):
        for c in s.ret:
            earliest.setdefault(c, s)
    order = sorted(earliest.items(), key=lambda kv: kv[1].res or 0)
    times = [s.res for _, s in order]
    violations = []
    for s2 in scans:
        assert s2.res is not None
        k = bisect.bisect_left(times, s2.inv)  # values seen by scans that completed before s2's invocation
        seen = sum(1 for c in s2.ret if c in earliest and (earliest[c].res or 0) < s2.inv)
        if seen == k:
            continue
        c, s1 = next((c, s1) for c, s1 in order[:k] if c not in s2.ret)
        assert s1.res is not None
        violations.append(
            (
                s2.res,
                f"scan() by {s1.p} returned {_setof(s1.ret)} at {_ev(s1.res)}; scan() by {s2.p}, invoked after that "
                f"at {_ev(s2.inv)}, returned {_setof(s2.ret)} at {_ev(s2.res)}, without {_val(c)}",
                (s1.inv, s1.res, s2.inv, s2.res),
            )
        )
    return property_result("PR3 (monotonicity)", "Section 4, PR3", violations)


def check_pr4(ops: Sequence[Op]) -> HistoryPropertyResult:
    """The non-empty scan results by response order, intersected until the intersection is empty,
    remembering for each value the first scan without it. The witness: the scan s that emptied it
    and, for each value of s's result, the first scan without that value (at most |C| + 1 scans,
    found in time linear in the results), then thinned while the intersection stays empty."""
    nonempty = sorted((s for s in _scans(ops) if s.ret), key=lambda o: o.res or 0)
    ref = "Section 4, PR4 (C ≠ ∅; the OCR reads 'C = ∅')"
    if not nonempty:
        return property_result("PR4 (non-empty intersection)", ref, [])
    first = nonempty[0]
    common: frozenset[Any] = first.ret
    without: dict[Any, Op] = {}  # value -> the first scan whose result lacks it
    for s in nonempty[1:]:
        for c in common - s.ret:
            without[c] = s
        common = common & s.ret
        if common:
            continue
        group = list(dict.fromkeys([*(without.get(c, first) for c in s.ret), s]))
        group.sort(key=lambda o: o.res or 0)
        j = 0
        while j < len(group) - 1:  # keep s (the last), thin the rest
            rest = group[:j] + group[j + 1 :]
            if frozenset.intersection(*(o.ret for o in rest)):
                j += 1
            else:
                group = rest
        assert s.res is not None
        shown = "; ".join(f"scan() by {o.p} returned {_setof(o.ret)} at {_ev(o.res or 0)}" for o in group)
        witnesses = tuple(x for o in group for x in (o.inv, o.res or 0))
        text = f"no value is in every non-empty scan result: {shown}"
        return property_result("PR4 (non-empty intersection)", ref, [(s.res, text, witnesses)])
    return property_result("PR4 (non-empty intersection)", ref, [])


def check_pr5(history: SnapshotHistory) -> HistoryPropertyResult:
    name, ref = "PR5 (termination)", "Section 4, PR5 (judged on a run that ends with the quiescent marker)"
    if history.processes is None:
        return HistoryPropertyResult(
            name, ref, False, None, "the header gives no set P (scope.P): 'a majority of P' is unknown", judged=False
        )
    if history.quiescent is None:
        return HistoryPropertyResult(
            name,
            ref,
            False,
            None,
            "the run does not declare that it ended fairly and quiescently (no quiescent marker as its last event): "
            "a finite run shows nothing about 'eventually'",
            judged=False,
        )
    q = history.quiescent
    crashed = {p for _, p in history.crashes}
    M = history.processes - crashed
    if 2 * len(M) <= len(history.processes):
        return HistoryPropertyResult(
            name,
            ref,
            True,
            None,
            "",
            note=f"holds vacuously: only {len(M)} of the {len(history.processes)} processes of P never crash",
        )
    violations = []
    for o in history.operations:
        if o.p in M and o.res is None:
            violations.append(
                (
                    q,
                    f"{o.describe()} invoked by {o.p} at {_ev(o.inv)} never completed, though {o.p} is in the majority "
                    f"of {len(M)} of {len(history.processes)} processes of P that do not crash (the run ended "
                    f"quiescently at {_ev(q)})",
                    (o.inv, q),
                )
            )
    return property_result(name, ref, violations, note="M = the processes of P that never crash")


def snapshot_properties(history: SnapshotHistory) -> list[HistoryPropertyResult]:
    """PR1–PR5 in that order."""
    ops = history.operations
    return [check_pr1(ops), check_pr2(ops), check_pr3(ops), check_pr4(ops), check_pr5(history)]
