"""Dynamic Service Liveness (Definition 3.2 of Aguilera, Keidar, Malkhi, Shraer, *Dynamic Atomic
Storage Without Consensus*, Section 3) judged on a finite recorded history.

The paper's sets, at time t (here: the point after the first t events of the history, so t = 0
is before any event and the event with index i is followed by time i + 1):

* **V(t)** = Init ∪ ⋃{c : some reconfig(c) completes by time t}, so V(0) = Init ("by convention,
  a reconfig(Init) completes by time 0"); a ``reconfig-return`` at p completes the reconfig
  pending at p (its changes join V at the response, not before);
* **P(t)** — the pending changes: ω such that some reconfig(c) with ω ∈ c was invoked by time t
  and *no* reconfig containing ω completed by time t, i.e. Proposed(t) \\ V(t) (a change of Init
  is in V(0), completed by the convention);
* **F(t)** — the processes that crashed by time t;
* for a set of changes w: w.join = {i | (+, i) ∈ w}, w.remove = {i | (−, i) ∈ w}, w.members =
  w.join \\ w.remove.

**(A1)**: at every time t, fewer than |V(t).members|/2 processes out of V(t).members ∪ P(t).join
are in F(t) ∪ P(t).remove — checked as 2·|(V(t).members ∪ P(t).join) ∩ (F(t) ∪ P(t).remove)| <
|V(t).members| at t = 0 and after every event that changes V, P or F (reconfig invocations and
responses, crashes; no other event changes them). :func:`check_a1` reports the first time it
fails, the counted set and the bound. The Introduction's examples are the tests
(``tests/traces/test_dynastore_liveness.py``).

**(A2)** "the number of different changes proposed in the execution is finite": on a finite run,
and on the extension judged below, trivially true.

**The finite-run reading** (ours: the paper's conclusions are about infinite fair executions,
"eventually"). A finite history shows nothing about "eventually" by itself: an operation pending at
the end might complete later. So the conclusions are judged only when the run *declares* how it
ends, with the ``quiescent`` marker as its last event, which says: *the run was scheduled fairly
(FLS/Lynch fairness: every enabled step of a live process taken, every message between live
processes delivered), and from the marker on nothing happens at all: the environment invokes no
operation and crashes no process, and no step of the algorithm is enabled at a live process nor
any message in transit to one.* A recorder (a simulator run to quiescence) can verify that; the
history cannot. The fair infinite execution the run stands for is then the run followed by idle
steps, and its history is the recorded one. On it:

* a process p_i is **active** ("p_i does not crash, some process invokes a reconfig operation to
  add p_i, and no process invokes a reconfig operation to remove p_i") iff no ``crash`` of p_i is
  recorded, p_i ∈ Init or some recorded reconfig proposes (+, i), and no recorded reconfig
  proposes (−, i);
* (A1) holds iff it holds at every time of the run (V, P, F are constant after the end);
* (A2) holds (finitely many changes were proposed);
* conclusion **(1)**: an ``enable-operations`` event at every active process added by a complete
  reconfig — Init's processes (added by the reconfig(Init) that completes at time 0) are enabled at
  start by the contract (Algorithm 2, line 11), the others need a recorded ``enable-operations``;
* conclusion **(2)**: every read, write and reconfig invoked at an active process completed.

Verdicts: VIOLATED when (A1) holds throughout and a conclusion fails (naming the process or the
operation); OK when both conclusions hold — or, *vacuously*, when (A1) fails at some time: then
it fails in every extension of the run and Definition 3.2 promises nothing (the result says so);
UNKNOWN — never OK — when the run has no ``quiescent`` marker, or the header gives no Init (V(0)
unknown).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ioakit.traces.dynastore.history import Op, RegisterHistory, property_result, show_changes
from ioakit.traces.format import event_line
from ioakit.traces.paxos.histories import HistoryPropertyResult

__all__ = [
    "A1Result",
    "DynamicSets",
    "check_a1",
    "dynamic_sets",
    "join",
    "judge_liveness",
    "members",
    "remove",
]

Change = tuple[str, str]
"""(+, i) as ``("+", "p<i>")``, (−, i) as ``("-", "p<i>")``."""


def join(w: Iterable[Change]) -> frozenset[str]:
    """w.join = {i | (Add, i) ∈ w} (Section 3)."""
    return frozenset(p for s, p in w if s == "+")


def remove(w: Iterable[Change]) -> frozenset[str]:
    """w.remove = {i | (Remove, i) ∈ w}."""
    return frozenset(p for s, p in w if s == "-")


def members(w: Iterable[Change]) -> frozenset[str]:
    """w.members = w.join \\ w.remove."""
    w = list(w)
    return join(w) - remove(w)


@dataclass(frozen=True)
class DynamicSets:
    """V(t), P(t), F(t) at time ``t`` (after the first t events); ``after`` is the index of the
    event that led to this time (``None`` for t = 0)."""

    t: int
    after: int | None
    V: frozenset[Change]
    P: frozenset[Change]
    F: frozenset[str]

    @property
    def counted(self) -> frozenset[str]:
        """(V(t).members ∪ P(t).join) ∩ (F(t) ∪ P(t).remove): the set (A1) bounds."""
        return (members(self.V) | join(self.P)) & (self.F | remove(self.P))

    @property
    def bound(self) -> float:
        """|V(t).members| / 2."""
        return len(members(self.V)) / 2

    @property
    def a1(self) -> bool:
        return 2 * len(self.counted) < len(members(self.V))


def _marks(history: RegisterHistory) -> list[tuple[int, int, Op | str]]:
    """The events that change V, P or F, in event order: (index, 0 invocation / 1 response of a
    reconfig / 2 crash, the reconfig or the crashed process)."""
    marks: list[tuple[int, int, Op | str]] = []
    for o in history.operations:
        if o.name == "reconfig":
            marks.append((o.inv, 0, o))
            if o.res is not None:
                marks.append((o.res, 1, o))
    for i, p in history.crashes:
        marks.append((i, 2, p))
    marks.sort(key=lambda m: m[0])
    return marks


def dynamic_sets(init: Iterable[str], history: RegisterHistory) -> list[DynamicSets]:
    """V, P, F at t = 0 and after every event that changes one of them (reconfig invocations and
    responses, crashes), in event order; between two of these times they are constant. Each time
    is a copy of the sets (for inspection and tests: :func:`check_a1` does not build them)."""
    V: set[Change] = {("+", p) for p in init}
    proposed: set[Change] = set()
    F: set[str] = set()
    out = [DynamicSets(0, None, frozenset(V), frozenset(), frozenset())]
    for index, what_kind, what in _marks(history):
        if what_kind == 0:
            assert isinstance(what, Op)
            proposed |= what.arg
        elif what_kind == 1:
            assert isinstance(what, Op)
            V |= what.arg
        else:
            assert isinstance(what, str)
            F.add(what)
        out.append(DynamicSets(index + 1, index, frozenset(V), frozenset(proposed - V), frozenset(F)))
    return out


@dataclass(frozen=True)
class A1Result:
    """(A1) along a run: ``holds``, and at the first time it fails ``at`` (the sets there)."""

    holds: bool
    at: DynamicSets | None = None
    points: int = 0

    def explanation(self) -> str:
        if self.at is None:
            return ""
        s = self.at
        where = "at time 0 (Init)" if s.after is None else f"after event {s.after} (line {event_line(s.after)})"
        counted = ", ".join(sorted(s.counted, key=lambda p: int(p[1:])))
        return (
            f"{where}: {len(s.counted)} process(es) {{{counted}}} of V.members ∪ P.join are in F ∪ P.remove, "
            f"not fewer than |V.members|/2 = {len(members(s.V))}/2 = {s.bound:g} "
            f"(V.members = {_set(members(s.V))}, P = {show_changes(s.P)}, F = {_set(s.F)})"
        )


def _set(ps: Iterable[str]) -> str:
    return "{" + ", ".join(sorted(ps, key=lambda p: int(p[1:]))) + "}"


def check_a1(init: Iterable[str], history: RegisterHistory) -> A1Result:
    """Hypothesis (A1) of Definition 3.2 at every time of the run (module docstring), in time
    linear in the events and changes: each event updates the counted set only for the processes it
    names (a process i is counted iff i ∈ V.members or (+, i) ∈ P, and i ∈ F or (−, i) ∈ P)."""
    V: set[Change] = {("+", p) for p in init}
    proposed: set[Change] = set()
    F: set[str] = set()
    counted: set[str] = set()
    n_members = len(members(V))

    def member(i: str) -> bool:
        return ("+", i) in V and ("-", i) not in V

    def pending(c: Change) -> bool:
        return c in proposed and c not in V

    def update(i: str) -> None:
        left = member(i) or pending(("+", i))
        right = i in F or pending(("-", i))
        if left and right:
            counted.add(i)
        else:
            counted.discard(i)

    marks = _marks(history)
    points = 1
    if not 2 * len(counted) < n_members:
        return A1Result(False, DynamicSets(0, None, frozenset(V), frozenset(), frozenset()), points)
    for index, what_kind, what in marks:
        points += 1
        if what_kind == 2:
            assert isinstance(what, str)
            F.add(what)
            update(what)
        else:
            assert isinstance(what, Op)
            touched = {i for _, i in what.arg}
            before = sum(member(i) for i in touched)
            if what_kind == 0:
                proposed |= what.arg
            else:
                V |= what.arg
            n_members += sum(member(i) for i in touched) - before
            for i in touched:
                update(i)
        if not 2 * len(counted) < n_members:
            at = DynamicSets(index + 1, index, frozenset(V), frozenset(proposed - V), frozenset(F))
            return A1Result(False, at, points)
    return A1Result(True, None, points)


_REF = "Definition 3.2, Dynamic Service Liveness"
_EXTENSION = "on the fair execution the quiescent marker declares (the run, then nothing); (A2) holds there"


def _unknown(name: str, why: str) -> HistoryPropertyResult:
    return HistoryPropertyResult(name, _REF, False, None, why, judged=False)


def judge_liveness(history: RegisterHistory) -> tuple[list[HistoryPropertyResult], HistoryPropertyResult]:
    """Definition 3.2's conclusions (1) and (2) on the finite run under the reading of the module
    docstring, and (A1) as an assumption (reported, not part of the verdict)."""
    n1 = "Liveness (1): enable operations"
    n2 = "Liveness (2): operations complete"
    a1_name = "(A1)"
    if history.init is None:
        why = "the header gives no initial view (scope.init): V(0) = Init is unknown"
        return [_unknown(n1, why), _unknown(n2, why)], _unknown(a1_name, why)
    a1 = check_a1(history.init, history)
    a1_result = HistoryPropertyResult(
        a1_name,
        "Definition 3.2, hypothesis (A1), at every time of the run",
        a1.holds,
        None if a1.at is None else (a1.at.after if a1.at.after is not None else 0),
        a1.explanation(),
        witnesses=() if a1.at is None or a1.at.after is None else (a1.at.after,),
        note=f"checked at t = 0 and after each of the {a1.points - 1} reconfig and crash events",
    )
    if not a1.holds:
        why = (
            f"holds vacuously: (A1) fails {a1.explanation()}, so it fails in every extension and Definition 3.2 "
            "promises nothing"
        )
        return [
            HistoryPropertyResult(n1, _REF + " (1)", True, None, "", note=why),
            HistoryPropertyResult(n2, _REF + " (2)", True, None, "", note=why),
        ], a1_result
    if history.quiescent is None:
        why = (
            "the run does not declare that it ended fairly and quiescently (no quiescent marker as its last "
            "event): a finite run shows nothing about 'eventually'"
        )
        return [_unknown(n1, why), _unknown(n2, why)], a1_result
    q = history.quiescent
    crashed = {p for _, p in history.crashes}
    proposed: set[Change] = set()
    for o in history.operations:
        if o.name == "reconfig":
            proposed |= o.arg
    added = set(history.init) | set(join(proposed))
    active = added - crashed - remove(proposed)
    enabled = {p for _, p in history.enables}
    v1: list[tuple[int, str, tuple[int, ...]]] = []
    for o in history.operations:
        if o.name != "reconfig" or o.res is None:
            continue
        for p in sorted(join(o.arg) & active, key=lambda p: int(p[1:])):
            if p not in enabled and p not in history.init:
                v1.append(
                    (
                        o.res,
                        f"{p} is active and was added by {o.describe()} by {o.p}, complete at event {o.res} (line "
                        f"{event_line(o.res)}), but no enable-operations occurred at {p} before the run ended "
                        f"quiescently at event {q} (line {event_line(q)})",
                        (o.res, q),
                    )
                )
                enabled.add(p)  # one report per process
    v2: list[tuple[int, str, tuple[int, ...]]] = []
    for o in history.operations:
        if o.p in active and o.res is None:
            v2.append(
                (
                    o.inv,
                    f"{o.describe()} invoked at active process {o.p} at event {o.inv} (line {event_line(o.inv)}) "
                    f"never completed: the run ended quiescently at event {q} (line {event_line(q)})",
                    (o.inv, q),
                )
            )
    return [
        _prop(n1, _REF + " (1)", v1, q),
        _prop(n2, _REF + " (2)", v2, q),
    ], a1_result


def _prop(name: str, ref: str, violations: Sequence[tuple[int, str, tuple[int, ...]]], q: int) -> HistoryPropertyResult:
    """Every conclusion fails at the quiescent marker (event ``q``): the violations' own indices
    are the operations', the verdict's is the marker's."""
    return property_result(name, ref, [(q, text, w) for _, text, w in violations], note=_EXTENSION)
