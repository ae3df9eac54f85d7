"""History checkers for the three abstractions of *Deconstructing Paxos* (Boichat, Dutta, Frølund,
Guerraoui), Section 3: the round-based register (3.1), round-based consensus (3.2) and weak leader
election (3.3), each judged on one recorded history (``traces/FORMAT.md``, "Deconstructing Paxos
histories"; the events are read into operations by :mod:`ioakit.traces.paxos.operations`).

Notation. An operation o has invocation index Inv(o) and, when it returned, response index
Res(o) (0-based event indices; file line = index + 2). Footnote 8: o' is *subsequent* to o iff
Inv(o') > Res(o). "o commits" means o returned with status commit.

Round-based register (Section 3.1), the four properties as printed:

* **Read-write-abort** — "If read(k) or write(k, ·) aborts, then some operation read(k') or
  write(k', ·) was invoked with k' > k". "Was invoked" is read as *invoked before the abort's
  response* (Inv(o') < Res(o)), which makes the property prefix-closed.
* **Read-write-commit** — "If read(k) or write(k, ·) commits, then no subsequent read(k') or
  write(k', ·) can commit with k' < k" (equal rounds are allowed; concurrent operations are not
  constrained).
* **Read-commit** — "If read(k) commits with v ≠ ⊥, then some write(k', v) with k' ≤ k was
  invoked" — before the read's response; the write may have aborted (footnote 10).
* **Write-commit** — "If write(k, v) commits and no subsequent write(k', ·) is invoked with
  k' ≥ k, then any read(k'') that commits, commits with v if k'' > k". Its premise speaks of the
  rest of the run, so it is not prefix-closed: it is **evaluated over the whole recorded run**
  (a write counts as overwritten only if such a later write appears somewhere in the file). As
  printed, it concerns *any* committing read(k''), not only reads subsequent to the write.
  With "subsequent" as footnote 8 defines it, a history of Figure 5 violates it: a higher-round
  write concurrent with the committed one, which took partial effect (footnote 10) before its
  writer crashed, can be read later. The proof of Lemma 5 reads the premise as "no write(k', ·)
  with k' ≥ k has been invoked" (no "subsequent"). The property is judged as printed, and beside
  it the named variant **Write-commit (no other write)** with that premise (implied by the
  printed one, so the verdict is the printed property's whenever the variant holds).

Round-based consensus (Section 3.2):

* **Validity** — a value decided was proposed by some process (invoked before the decision);
* **Agreement** — "no two processes decide differently", uniform: every decision of the run, at
  any process and in any round, also a process deciding twice, equals the first decision;
* **Termination (1)** — if a process aborts round k, some process proposed in a round k' > k
  (invoked before the abort's response);
* **Termination (2)** — if a process commits round k, no process can subsequently commit a round
  k' < k.

Besides, as an **assumption** and not a property of the specification, whether the history
respects Section 4.2's round-number uniqueness: p_i proposes only for rounds k = i, i + n,
i + 2n, … (k ≡ i mod n). The specification allows any rounds (footnote 11, and Section 3.2 states
no such restriction); the paper assumes uniqueness of the environment of its algorithm (Figure
6), whose Agreement can fail without it (footnote 15). It is reported, never part of the
verdict. n is the header scope's ``processes`` when present, else the highest index i of the
processes p_i named in the history.

Weak leader election (Section 3.3): "some process is an eventual perpetual leader", p being one
when (1) p is correct and (2) eventually every invocation of leader() returns p. On a finite run
this is judged only under an explicit stabilization assumption: the environment's ``stabilize``
marker (the point after which Ω trusts one process forever, Section 4.3). With S the last
marker's index, the property **holds** iff some process l

* is correct on the finite run: l does not crash after S and is up at the end of the run; and
* is returned by every leader() invoked after S and returned, at every process.

It is **violated** when two leader() invoked after S return different processes, or when the one
process they return crashes after S or is down at the end. A run with no ``stabilize`` marker is
**not judged** (verdict UNKNOWN): a finite run without a stabilization point shows nothing about
"eventually".

Every violated property names its witness events by index (and line) and the operations in the
paper's notation.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ioakit.results import Verdict
from ioakit.traces.fls.checkers import TraceCheckResult, TracePropertyResult
from ioakit.traces.format import Event, domain_sort_key, event_line
from ioakit.traces.paxos.operations import (
    CONSENSUS,
    LEADER,
    REGISTER,
    History,
    Operation,
    parse_history,
)

__all__ = [
    "ConsensusHistoryResult",
    "HistoryCheckResult",
    "HistoryPropertyResult",
    "LeaderHistoryResult",
    "RegisterHistoryResult",
    "check_consensus_history",
    "check_leader_history",
    "check_register_history",
    "round_uniqueness_n",
]

WHOLE_RUN: Final = "refers to the rest of the run: evaluated over the whole recorded run"


def _ev(index: int) -> str:
    return f"event {index} (line {event_line(index)})"


def _val(v: str | None) -> str:
    return "⊥" if v is None else v


@dataclass(frozen=True)
class HistoryPropertyResult(TracePropertyResult):
    """One property of a history (a :class:`TracePropertyResult` with three more fields).

    * ``witnesses`` — the event indices of the first violation's witness events, in event order
      (empty when the property holds or was not judged);
    * ``judged`` — False when the run cannot decide the property (weak leader election without a
      stabilization point): ``verdict`` is then UNKNOWN;
    * ``note`` — a remark on the property's meaning, e.g. that it refers to the rest of the run.
    """

    witnesses: tuple[int, ...] = ()
    judged: bool = True
    note: str = ""

    @property
    def verdict(self) -> Verdict:
        """OK / VIOLATED as ``holds`` says, UNKNOWN when not judged."""
        if not self.judged:
            return Verdict.UNKNOWN
        return Verdict.OK if self.holds else Verdict.VIOLATED

    @property
    def witness_lines(self) -> tuple[int, ...]:
        """The file lines of ``witnesses`` (index + 2)."""
        return tuple(event_line(i) for i in self.witnesses)

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data.update(verdict=self.verdict.value, witnesses=list(self.witnesses), judged=self.judged)
        if self.note:
            data["note"] = self.note
        return data


def _property(
    name: str,
    reference: str,
    violations: list[tuple[int, str, tuple[int, ...]]],
    note: str = "",
) -> HistoryPropertyResult:
    """The result from every violation found, ``(event index, explanation, witnesses)``."""
    violations = sorted(violations, key=lambda v: v[0])
    if not violations:
        return HistoryPropertyResult(name, reference, True, None, "", (), note=note)
    index, explanation, witnesses = violations[0]
    return HistoryPropertyResult(
        name,
        reference,
        False,
        index,
        explanation,
        tuple((i, e) for i, e, _ in violations),
        witnesses=tuple(sorted(set(witnesses))),
        note=note,
    )


@dataclass(frozen=True)
class HistoryCheckResult(TraceCheckResult):
    """What the three checkers return (a :class:`TraceCheckResult`).

    * ``holds`` — True iff ``verdict`` is OK; ``verdict`` combines the properties' verdicts
      (VIOLATED > UNKNOWN > OK);
    * ``failed_property`` / ``event_index`` / ``explanation`` — the earliest violation (ties
      broken in the order of ``properties``), or ``None`` / ``None`` / ``""``;
    * ``abstraction`` — the header's automaton name; ``operations`` — the history's operations
      (:class:`~ioakit.traces.paxos.operations.Operation`), in invocation order;
    * ``properties`` — one :class:`HistoryPropertyResult` per property of the specification;
    * ``assumptions`` — checks of assumptions that are *not* part of the specification and do not
      affect the verdict (round-number uniqueness for consensus).
    """

    abstraction: str
    operations: tuple[Operation, ...]
    properties: tuple[HistoryPropertyResult, ...]
    assumptions: tuple[HistoryPropertyResult, ...]

    @property
    def verdict(self) -> Verdict:
        return Verdict.combine(p.verdict for p in self.properties)

    def get(self, name: str) -> HistoryPropertyResult:
        """The result of the property (or assumption) called ``name``, e.g. ``"Read-commit"``."""
        for result in (*self.properties, *self.assumptions):
            if result.name == name:
                return result
        raise KeyError(name)


@dataclass(frozen=True)
class RegisterHistoryResult(HistoryCheckResult):
    """:func:`check_register_history`'s result; ``properties`` are Read-write-abort,
    Read-write-commit, Read-commit, Write-commit (Section 3.1), in that order."""


@dataclass(frozen=True)
class ConsensusHistoryResult(HistoryCheckResult):
    """:func:`check_consensus_history`'s result; ``properties`` are Validity, Agreement,
    Termination (1), Termination (2) (Section 3.2); ``assumptions`` holds Round-number uniqueness
    (Section 4.2), reported only. ``decision`` is the first value decided (``None`` if none)."""

    decision: str | None = None


@dataclass(frozen=True)
class LeaderHistoryResult(HistoryCheckResult):
    """:func:`check_leader_history`'s result; ``properties`` is the one property "some process is
    an eventual perpetual leader" (Section 3.3). ``stabilization`` is the index of the last
    ``stabilize`` marker (``None``: not judged, UNKNOWN); ``leader`` the eventual perpetual leader
    when the property holds."""

    stabilization: int | None = None
    leader: str | None = None


def _combine(
    cls: type[HistoryCheckResult],
    abstraction: str,
    history: History,
    properties: Sequence[HistoryPropertyResult],
    assumptions: Sequence[HistoryPropertyResult] = (),
    **extra: Any,
) -> Any:
    verdict = Verdict.combine(p.verdict for p in properties)
    first: HistoryPropertyResult | None = None
    for p in properties:
        if not p.holds and p.judged and (first is None or p.event_index < first.event_index):  # type: ignore[operator]
            first = p
    return cls(
        holds=verdict is Verdict.OK,
        failed_property=None if first is None else first.name,
        event_index=None if first is None else first.event_index,
        explanation="" if first is None else first.explanation,
        abstraction=abstraction,
        operations=history.operations,
        properties=tuple(properties),
        assumptions=tuple(assumptions),
        **extra,
    )


# --------------------------------------------------------------------------------------------
# The shapes shared by the register and consensus: abort needs a higher round invoked before,
# a commit forbids subsequent commits with lower rounds.


def _abort_needs_higher(ops: Sequence[Operation], name: str, reference: str, what: str) -> HistoryPropertyResult:
    """Every aborted o has some o' in ``ops`` with Inv(o') < Res(o) and k' > k (``ops`` in
    invocation order; ``what`` names the operations o' may be, in words)."""
    invs = [o.inv for o in ops]
    prefix_max: list[int] = []
    for o in ops:
        prefix_max.append(max(o.k or 0, prefix_max[-1] if prefix_max else 0))
    violations = []
    for o in ops:
        if o.aborted and o.res is not None and o.k is not None:
            j = bisect_left(invs, o.res)
            if j == 0 or prefix_max[j - 1] <= o.k:
                violations.append(
                    (
                        o.res,
                        f"{o.describe()} (invoked at {_ev(o.inv)}) aborted at {_ev(o.res)}, but no {what} "
                        f"with a round > {o.k} was invoked before that response",
                        (o.inv, o.res),
                    )
                )
    return _property(name, reference, violations)


def _commit_forbids_lower(ops: Sequence[Operation], name: str, reference: str) -> HistoryPropertyResult:
    """No committed o' is subsequent to a committed o with a higher round (Res(o) < Inv(o'))."""
    committed = sorted((o for o in ops if o.committed), key=lambda o: o.res or 0)
    ress = [o.res for o in committed]
    best: list[Operation] = []  # best[i]: the committed op with the highest round among committed[: i + 1]
    for o in committed:
        best.append(o if not best or (o.k or 0) > (best[-1].k or 0) else best[-1])
    violations = []
    for o2 in committed:
        j = bisect_left(ress, o2.inv)  # committed ops that returned before o2 was invoked
        if j > 0 and (best[j - 1].k or 0) > (o2.k or 0):
            o1 = best[j - 1]
            assert o1.res is not None and o2.res is not None
            violations.append(
                (
                    o2.res,
                    f"{o2.describe()} (invoked at {_ev(o2.inv)}) committed at {_ev(o2.res)} after "
                    f"{o1.describe()} committed at {_ev(o1.res)} (event {o1.res} returned before event "
                    f"{o2.inv} was invoked), round {o2.k} < {o1.k}",
                    (o1.res, o2.inv, o2.res),
                )
            )
    return _property(name, reference, violations)


# --------------------------------------------------------------------------------------------
# Round-based register (Section 3.1).


def _read_commit(ops: Sequence[Operation]) -> HistoryPropertyResult:
    writes: dict[str, list[Operation]] = defaultdict(list)
    for o in ops:
        if o.name == "write" and o.v is not None:
            writes[o.v].append(o)  # in invocation order
    prefix_min: dict[str, list[int]] = {}
    for v, ws in writes.items():
        mins: list[int] = []
        for w in ws:
            mins.append(min(w.k or 0, mins[-1]) if mins else (w.k or 0))
        prefix_min[v] = mins
    violations = []
    for r in ops:
        if r.name != "read" or not r.committed or r.rv is None or r.res is None:
            continue
        ws = writes.get(r.rv, [])
        j = bisect_left([w.inv for w in ws], r.res)
        if j == 0 or prefix_min[r.rv][j - 1] > (r.k or 0):
            had = "" if j == 0 else f" (only in rounds > {r.k})"
            violations.append(
                (
                    r.res,
                    f"{r.describe()} (invoked at {_ev(r.inv)}) committed with {r.rv} at {_ev(r.res)}, but no "
                    f"write(k', {r.rv}) with k' ≤ {r.k} was invoked before that response{had}",
                    (r.inv, r.res),
                )
            )
    return _property("Read-commit", "Section 3.1, Read-commit", violations)


def _write_commit(ops: Sequence[Operation], *, subsequent: bool = True) -> HistoryPropertyResult:
    """Write-commit as printed (``subsequent``: the premise is "no *subsequent* write(k', ·) with
    k' ≥ k is invoked") or our variant "Write-commit (no other write)" (no *other* such write, how
    Lemma 5's proof reads it); both over the whole recorded run."""
    writes = [o for o in ops if o.name == "write"]  # in invocation order
    invs = [w.inv for w in writes]
    suffix_max = [0] * (len(writes) + 1)  # suffix_max[j]: the highest round among writes[j:]
    for j in range(len(writes) - 1, -1, -1):
        suffix_max[j] = max(writes[j].k or 0, suffix_max[j + 1])
    rounds = sorted((w.k or 0 for w in writes), reverse=True)[:2]  # the two highest write rounds
    reads = [o for o in ops if o.name == "read" and o.committed]
    which = "subsequent" if subsequent else "other"
    violations = []
    for w in writes:
        if not w.committed or w.res is None or w.k is None:
            continue
        if subsequent:  # writes invoked after w returned (subsequent to w)
            overwritten = suffix_max[bisect_right(invs, w.res)] >= w.k
        else:  # some write other than w with k' ≥ k: the highest round but w's own, is ≥ k
            overwritten = len(rounds) > 1 and (rounds[1] >= w.k or (rounds[0] >= w.k and rounds[0] != w.k))
        if overwritten:
            continue
        for r in reads:
            if r.k is not None and r.k > w.k and r.rv != w.v and r.res is not None:
                violations.append(
                    (
                        max(w.res, r.res),
                        f"{w.describe()} committed at {_ev(w.res)} and no {which} write(k', ·) with "
                        f"k' ≥ {w.k} is invoked in the whole recorded run, but {r.describe()} committed with "
                        f"{_val(r.rv)} (not {w.v}) at {_ev(r.res)}, round {r.k} > {w.k}",
                        (w.res, r.res),
                    )
                )
    if subsequent:
        return _property("Write-commit", "Section 3.1, Write-commit", violations, note=WHOLE_RUN)
    return _property(
        "Write-commit (no other write)",
        "Section 3.1, Write-commit without 'subsequent' (our variant: Lemma 5's proof reads it so)",
        violations,
        note=WHOLE_RUN,
    )


def check_register_history(
    events: Iterable[Event], *, scope: Mapping[str, Any] | None = None, path: str = "<history>"
) -> RegisterHistoryResult:
    """Judge a round-based register history (Section 3.1): Read-write-abort, Read-write-commit,
    Read-commit and Write-commit (module docstring for each one's exact meaning; Write-commit is
    evaluated over the whole recorded run). Returns a :class:`RegisterHistoryResult` (fields in
    :class:`HistoryCheckResult`); raises :class:`~ioakit.traces.format.TraceFormatError` for
    malformed input (:mod:`ioakit.traces.paxos.operations`). ``scope`` is unused (accepted for
    symmetry)."""
    history = parse_history(events, REGISTER, path)
    ops = history.operations
    props = [
        _abort_needs_higher(ops, "Read-write-abort", "Section 3.1, Read-write-abort", "read or write"),
        _commit_forbids_lower(ops, "Read-write-commit", "Section 3.1, Read-write-commit (footnote 8)"),
        _read_commit(ops),
        _write_commit(ops),
        _write_commit(ops, subsequent=False),
    ]
    return _combine(RegisterHistoryResult, REGISTER, history, props)


# --------------------------------------------------------------------------------------------
# Round-based consensus (Section 3.2).


def _validity(ops: Sequence[Operation]) -> HistoryPropertyResult:
    first_proposed: dict[str, int] = {}
    for o in ops:
        if o.v is not None:
            first_proposed.setdefault(o.v, o.inv)
    violations = []
    for o in ops:
        if o.committed and o.res is not None:
            at = first_proposed.get(o.rv) if o.rv is not None else None
            if at is None or at > o.res:
                violations.append(
                    (
                        o.res,
                        f"{o.describe()} (invoked at {_ev(o.inv)}) decided {_val(o.rv)} at {_ev(o.res)}, but no "
                        f"process proposed {_val(o.rv)} before that decision",
                        (o.inv, o.res),
                    )
                )
    return _property("Validity", "Section 3.2, Validity", violations)


def _agreement(ops: Sequence[Operation]) -> tuple[HistoryPropertyResult, str | None]:
    decisions = sorted((o for o in ops if o.committed), key=lambda o: o.res or 0)
    if not decisions:
        return _property("Agreement", "Section 3.2, Agreement", []), None
    first = decisions[0]
    assert first.res is not None
    violations = []
    for o in decisions[1:]:
        if o.rv != first.rv and o.res is not None:
            same = " (the same process deciding twice)" if o.p == first.p else ""
            violations.append(
                (
                    o.res,
                    f"{o.describe()} decided {_val(o.rv)} at {_ev(o.res)}, but {first.describe()} decided "
                    f"{_val(first.rv)} at {_ev(first.res)}{same}",
                    (first.res, o.res),
                )
            )
    return _property("Agreement", "Section 3.2, Agreement (uniform)", violations), first.rv


_PROCESS_INDEX: Final = re.compile(r"^p([1-9][0-9]*)$")


def round_uniqueness_n(scope: Mapping[str, Any] | None, processes: Iterable[str]) -> int | None:
    """The n of Section 4.2's rule "p_i proposes only for rounds i, i + n, i + 2n, …": the header
    scope's ``processes`` when it is a positive integer, else the highest i among the processes
    p_i named (``None`` when some process is not named ``p<i>``)."""
    n = (scope or {}).get("processes")
    indices = []
    for p in processes:
        m = _PROCESS_INDEX.match(p)
        if m is None:
            return None
        indices.append(int(m.group(1)))
    if isinstance(n, int) and not isinstance(n, bool) and n >= 1:
        return n
    return max(indices, default=None)


def _round_uniqueness(ops: Sequence[Operation], n: int | None) -> HistoryPropertyResult:
    name, reference = "Round-number uniqueness", "Section 4.2 (an assumption of Figure 6, not of the specification)"
    if n is None:
        return HistoryPropertyResult(
            name, reference, False, None, "processes are not all named p1, p2, …: the rule cannot be read", judged=False
        )
    violations = []
    for o in ops:
        i = int(o.p[1:])
        if o.k is not None and (o.k - i) % n != 0:
            violations.append(
                (
                    o.inv,
                    f"{o.describe()} invoked at {_ev(o.inv)}: p{i} proposes only for rounds k ≡ {i} mod {n} "
                    f"({', '.join(str(i + j * n) for j in range(3))}, …), not {o.k}",
                    (o.inv,),
                )
            )
    return _property(name, reference, violations, note=f"n = {n}")


def check_consensus_history(
    events: Iterable[Event], *, scope: Mapping[str, Any] | None = None, path: str = "<history>"
) -> ConsensusHistoryResult:
    """Judge a round-based consensus history (Section 3.2): Validity, Agreement (uniform),
    Termination (1) and (2); plus the assumption of round-number uniqueness (Section 4.2),
    reported in ``assumptions`` only (n from ``scope["processes"]``, see
    :func:`round_uniqueness_n`). Returns a :class:`ConsensusHistoryResult` (fields in
    :class:`HistoryCheckResult`, and ``decision``); raises
    :class:`~ioakit.traces.format.TraceFormatError` for malformed input."""
    history = parse_history(events, CONSENSUS, path)
    ops = history.operations
    agreement, decision = _agreement(ops)
    props = [
        _validity(ops),
        agreement,
        _abort_needs_higher(ops, "Termination (1)", "Section 3.2, Termination, first clause", "propose"),
        _commit_forbids_lower(ops, "Termination (2)", "Section 3.2, Termination, second clause (footnote 8)"),
    ]
    n = round_uniqueness_n(scope, {o.p for o in ops})
    return _combine(
        ConsensusHistoryResult,
        CONSENSUS,
        history,
        props,
        [_round_uniqueness(ops, n)],
        decision=decision,
    )


# --------------------------------------------------------------------------------------------
# Weak leader election (Section 3.3).


def _not_correct(l: str, s: int, history: History, n: int | None) -> tuple[int, str, tuple[int, ...]] | None:
    """Why ``l`` is not correct on the finite run after the stabilization point ``s`` (``(event
    index, reason, witnesses)``), or ``None`` when it is: it does not crash after ``s``, is up at the
    end and, with ``processes`` = n, is one of p1 … pn."""
    crash_after = [i for i, p in history.crashes if p == l and i > s]
    if crash_after:
        c = crash_after[0]
        return c, f"{l} crashes at {_ev(c)}: it is not correct", (s, c)
    if l in history.crashed_at_end:
        c = max(i for i, p in history.crashes if p == l)
        return s, f"{l} crashed at {_ev(c)} and is down at the end of the run: it is not correct", (c, s)
    m = _PROCESS_INDEX.match(l)
    if n is not None and (m is None or int(m.group(1)) > n):
        return s, f"{l} is not one of p1 … p{n}", (s,)
    return None


def check_leader_history(
    events: Iterable[Event], *, scope: Mapping[str, Any] | None = None, path: str = "<history>"
) -> LeaderHistoryResult:
    """Judge a weak leader election history (Section 3.3): "some process is an eventual perpetual
    leader", on a finite run, under the explicit stabilization assumption of the last
    ``stabilize`` marker (module docstring). Without a marker the property is not judged and the
    verdict is UNKNOWN. Returns a :class:`LeaderHistoryResult` (fields in
    :class:`HistoryCheckResult`, and ``stabilization``, ``leader``); raises
    :class:`~ioakit.traces.format.TraceFormatError` for malformed input. When ``scope`` gives
    ``processes`` = n, a process outside p1 … pn is not correct."""
    history = parse_history(events, LEADER, path)
    name, reference = "Eventual perpetual leader", "Section 3.3 (under the run's stabilization marker)"
    if not history.stabilizations:
        prop = HistoryPropertyResult(
            name,
            reference,
            False,
            None,
            "no stabilize event: a finite run without a stabilization point shows nothing about 'eventually'",
            judged=False,
        )
        return _combine(LeaderHistoryResult, LEADER, history, [prop])
    s, marked = history.stabilizations[-1]
    after = [o for o in history.operations if o.name == "leader" and o.inv > s and o.res is not None]
    first: dict[str, Operation] = {}
    for o in sorted(after, key=lambda o: o.res or 0):
        first.setdefault(o.rv or "", o)
    violations: list[tuple[int, str, tuple[int, ...]]] = []
    leader: str | None = None
    if len(first) > 1:
        (l1, o1), (l2, o2) = list(first.items())[:2]
        assert o1.res is not None and o2.res is not None
        violations.append(
            (
                o2.res,
                f"{o1.describe()} (invoked at {_ev(o1.inv)}, after the stabilization point at {_ev(s)}) returned "
                f"{l1} at {_ev(o1.res)}, but {o2.describe()} (invoked at {_ev(o2.inv)}) returned {l2} at "
                f"{_ev(o2.res)}: no process is returned by every leader() invoked after stabilization",
                (s, o1.res, o2.res),
            )
        )
    else:
        n = (scope or {}).get("processes")
        n = n if isinstance(n, int) and not isinstance(n, bool) and n >= 1 else None
        universe = history.processes | {f"p{i}" for i in range(1, (n or 0) + 1)}
        if first:
            candidates = [next(iter(first))]
            returned = f"every leader() invoked after the stabilization point at {_ev(s)} returns {candidates[0]}"
        else:  # vacuous (b): any correct process is an eventual perpetual leader, the marked one first
            candidates = [marked, *sorted(universe - {marked}, key=domain_sort_key)]
            returned = f"no leader() invoked after the stabilization point at {_ev(s)} returned"
        problems = [_not_correct(c, s, history, n) for c in candidates]
        correct = [c for c, problem in zip(candidates, problems, strict=True) if problem is None]
        if correct:
            leader = correct[0]
        else:
            index, why, witnesses = problems[0]  # type: ignore[misc]
            if first:
                violations.append((index, f"{returned}, but {why}", witnesses))
            else:
                violations.append((s, f"{returned}, and no process is correct ({why})", (s,)))
    note = "" if leader is None or leader == marked else f"the stabilize marker names {marked}"
    prop = _property(name, reference, violations, note=note)
    return _combine(LeaderHistoryResult, LEADER, history, [prop], stabilization=s, leader=leader)
