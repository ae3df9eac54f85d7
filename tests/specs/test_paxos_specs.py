"""The Deconstructing Paxos specifications (Sections 3.1 and 3.2): pinned state counts, an
independent breadth-first search (``tests/oracles/paxos.py``) reaching the same counts, and
histories that are, or are not, traces of the automata (Figures 1 and 2 of the paper)."""

from __future__ import annotations

from typing import Any

import pytest
from oracles import paxos as ref

from ioakit.engines.explore import Explorer
from ioakit.lang.automaton import Kind, Machine
from ioakit.registry import get_spec
from ioakit.specs.paxos.consensus_spec import RoundBasedConsensus
from ioakit.specs.paxos.register_spec import RoundBasedRegister

Event = tuple[str, dict[str, Any]]


def is_trace(m: Machine, events: list[Event]) -> bool:
    """Replay external actions ``(family, JSON arguments)`` through ``m`` (no internal actions:
    these automata have none), keeping every state the prefix may lead to."""
    assert all(a.kind is not Kind.INTERNAL for a in m.actions)
    succ = m.compiled().successors
    current = set(m.start_states)
    for name, args in events:
        nxt = set()
        for s in current:
            for k, t in succ(s):
                assert t is not None, "a step cut off by the scope's bounds"
                if m.actions[k].name == name and m.args_json_of(k, s) == args:
                    nxt.add(t)
        if not nxt:
            return False
        current = nxt
    return True


def oracle_label(e: Event) -> tuple[Any, ...]:
    """The oracle's label of a JSON event (processes and values numbered from 0, ⊥ = None)."""
    name, a = e
    p = int(a["p"][1:]) - 1
    v = None if a.get("v") is None else int(a["v"][1:]) - 1
    if name in ("read", "write", "propose"):
        return (name, p, a["k"]) + ((v,) if name != "read" else ())
    if name == "crash":
        return ("crash", p)
    if name == "write_return":
        return (name, p, a["status"])
    return (name, p, a["status"], v)


def check_both(spec: Any, scope: dict[str, int], events: list[Event]) -> bool:
    """``is_trace`` on the ioakit machine, asserting the oracle agrees."""
    m = spec().build(scope)
    got = is_trace(m, events)
    sc = m.scope.as_dict()
    args = (sc["processes"], sc["values"], sc["rounds"], sc["max_ops"], sc["crashes"])
    if spec is RoundBasedRegister:
        start, succ = ref.register_start(sc["processes"], sc["values"]), ref.register_successors(*args)
    else:
        start, succ = ref.consensus_start(sc["processes"]), ref.consensus_successors(*args)
    assert ref.is_trace(start, succ, [oracle_label(e) for e in events]) == got
    return got


def ev(name: str, **args: Any) -> Event:
    return name, args


# -- state counts ---------------------------------------------------------------------------------

COUNTS = [
    # (spec, processes, values, rounds, max_ops, crashes) -> states, transitions, depth, deadlocks
    (RoundBasedRegister, (2, 1, 2, 2, 1), (216, 602, 4, 22)),
    (RoundBasedRegister, (2, 2, 3, 3, 1), (5_739, 26_286, 6, 176)),
    (RoundBasedRegister, (3, 2, 3, 3, 1), (24_855, 141_537, 6, 264)),  # the default scope
    (RoundBasedConsensus, (2, 2, 2, 2, 1), (285, 762, 4, 30)),
    (RoundBasedConsensus, (2, 2, 3, 3, 0), (1_419, 5_384, 6, 12)),
    (RoundBasedConsensus, (3, 2, 3, 3, 1), (10_228, 56_355, 6, 90)),  # the default scope
]


def _scope(t: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(("processes", "values", "rounds", "max_ops", "crashes"), t))


@pytest.mark.parametrize(("spec", "scope", "expected"), COUNTS, ids=lambda x: getattr(x, "name", None))
def test_pinned_counts(spec: Any, scope: tuple[int, ...], expected: tuple[int, int, int, int]) -> None:
    r = Explorer(spec().build(_scope(scope))).run()
    assert r.complete and r.verdict.name == "OK"
    assert r.to_json()["bound_hits"] == 0  # nothing cut off by the scope's bounds
    assert (r.states, r.transitions, r.depth, r.to_json()["deadlocks"]) == expected


@pytest.mark.parametrize(("spec", "scope", "expected"), COUNTS, ids=lambda x: getattr(x, "name", None))
def test_oracle_counts(spec: Any, scope: tuple[int, ...], expected: tuple[int, int, int, int]) -> None:
    search = ref.register_search if spec is RoundBasedRegister else ref.consensus_search
    r = search(*scope)
    assert (r.states, r.transitions, r.depth, r.deadlocks) == expected


def test_registered_with_defaults() -> None:
    for name, cls in (("round-based-register", RoundBasedRegister), ("round-based-consensus", RoundBasedConsensus)):
        assert isinstance(get_spec(name), cls)
        assert cls().scope().as_dict() == {"processes": 3, "values": 2, "rounds": 3, "max_ops": 3, "crashes": 1}


# -- the environment ------------------------------------------------------------------------------


def test_environment_is_not_the_automaton() -> None:
    """The automaton's inputs have no preconditions (an ill-formed one changes nothing); the
    environment's assumptions (Section 3.1: one operation at a time per process; the budgets) are
    what restricts the explored machine's inputs, counted in two hidden variables."""
    closed = RoundBasedRegister().build()
    assert {"ops_invoked", "crashes_caused"} <= closed.hidden_vars
    assert [n for n in closed.var_names if n in ("ops_invoked", "crashes_caused")] == ["ops_invoked", "crashes_caused"]
    sc = {"processes": 1, "max_ops": 3, "crashes": 1}
    two_pending = [ev("read", p="p1", k=1), ev("read", p="p1", k=2)]
    assert not check_both(RoundBasedRegister, sc, two_pending)
    after_crash = [ev("crash", p="p1"), ev("read", p="p1", k=1)]
    assert not check_both(RoundBasedRegister, sc, after_crash)
    crashes_separate = [ev("read", p="p1", k=1), ev("crash", p="p1")]
    assert check_both(RoundBasedRegister, {**sc, "max_ops": 1}, crashes_separate)
    assert not check_both(RoundBasedRegister, {**sc, "max_ops": 1}, [*crashes_separate, ev("crash", p="p1")])


# -- the round-based register (Section 3.1) --------------------------------------------------------

FIGURE_1 = [
    ev("write", p="p1", k=1, v="v1"),
    ev("write_return", p="p1", status="commit"),
    ev("read", p="p2", k=2),
    ev("read_return", p="p2", status="commit", v="v1"),
    ev("write", p="p3", k=1, v="v2"),
    ev("write_return", p="p3", status="abort"),
    ev("write", p="p3", k=3, v="v2"),
    ev("write_return", p="p3", status="commit"),
]
REG4 = {"max_ops": 4}


def test_figure_1_is_a_trace() -> None:
    assert check_both(RoundBasedRegister, REG4, FIGURE_1)


def test_read_commit_needs_an_invoked_write() -> None:
    """Read-commit: read(1) cannot commit with v1 when no write of v1 was invoked; nor with a
    value written only in a higher round."""
    read = [ev("read", p="p1", k=1), ev("read_return", p="p1", status="commit", v="v1")]
    assert not check_both(RoundBasedRegister, REG4, read)
    assert check_both(RoundBasedRegister, REG4, [read[0], ev("read_return", p="p1", status="commit", v=None)])
    higher = [ev("write", p="p2", k=2, v="v1"), *read]
    assert not check_both(RoundBasedRegister, REG4, higher)
    lower = [ev("write", p="p2", k=1, v="v1"), ev("read", p="p1", k=2), read[1]]
    assert check_both(RoundBasedRegister, REG4, lower)  # the write is still pending: footnote 10


def test_read_write_abort_needs_a_higher_invocation() -> None:
    alone = [ev("write", p="p1", k=2, v="v1"), ev("write_return", p="p1", status="abort")]
    assert not check_both(RoundBasedRegister, REG4, alone)
    same = [ev("read", p="p2", k=2), *alone]
    assert not check_both(RoundBasedRegister, REG4, same)  # equal rounds do not conflict
    higher = [ev("read", p="p2", k=3), *alone]
    assert check_both(RoundBasedRegister, REG4, higher)
    # an aborted read may return any value (Figure 5, line 9 returns an unbound v)
    read = [ev("read", p="p2", k=3), ev("read", p="p1", k=1), ev("read_return", p="p1", status="abort", v="v2")]
    assert check_both(RoundBasedRegister, REG4, read)


def test_read_write_commit_forbids_lower_rounds_after_a_commit() -> None:
    first = [ev("write", p="p1", k=2, v="v1"), ev("write_return", p="p1", status="commit")]
    lower = [ev("read", p="p2", k=1), ev("read_return", p="p2", status="commit", v=None)]
    assert not check_both(RoundBasedRegister, REG4, first + lower)
    # concurrent (invoked before the commit): unconstrained
    concurrent = [first[0], lower[0], first[1], lower[1]]
    assert check_both(RoundBasedRegister, REG4, concurrent)
    # equal rounds are allowed (the same process reads then writes in round k)
    equal = [ev("read", p="p2", k=2), ev("read_return", p="p2", status="commit", v="v1")]
    assert check_both(RoundBasedRegister, REG4, first + equal)


def test_write_commit_is_not_a_guard() -> None:
    """Write-commit speaks of the rest of the run, so the automaton does not enforce it: this
    history breaks it (a committed write(1, v1), never overwritten, then read(2) commits with
    ⊥) and is still a trace; a checker over whole histories rejects it."""
    h = [
        ev("write", p="p1", k=1, v="v1"),
        ev("write_return", p="p1", status="commit"),
        ev("read", p="p2", k=2),
        ev("read_return", p="p2", status="commit", v=None),
    ]
    assert check_both(RoundBasedRegister, REG4, h)


def test_crashed_operation_never_returns() -> None:
    h = [ev("write", p="p1", k=1, v="v1"), ev("crash", p="p1")]
    assert check_both(RoundBasedRegister, REG4, h)
    assert not check_both(RoundBasedRegister, REG4, [*h, ev("write_return", p="p1", status="commit")])
    # its invocation still counts: a read may return its value (footnote 10) ...
    read = [ev("read", p="p2", k=1), ev("read_return", p="p2", status="commit", v="v1")]
    assert check_both(RoundBasedRegister, REG4, h + read)


# -- round-based consensus (Section 3.2) -----------------------------------------------------------

CONS = {"values": 3, "rounds": 4, "max_ops": 4}
FIGURE_2 = [
    ev("propose", p="p2", k=2, v="v2"),
    ev("propose_return", p="p2", status="commit", v="v2"),
    ev("propose", p="p1", k=1, v="v1"),
    ev("propose_return", p="p1", status="abort", v="v1"),
    ev("propose", p="p1", k=4, v="v1"),
    ev("propose_return", p="p1", status="commit", v="v2"),
    ev("propose", p="p3", k=3, v="v3"),
    ev("propose_return", p="p3", status="abort", v="v3"),
]


def test_figure_2_is_a_trace() -> None:
    assert check_both(RoundBasedConsensus, CONS, FIGURE_2)


def test_agreement() -> None:
    h = [
        ev("propose", p="p1", k=1, v="v1"),
        ev("propose", p="p2", k=2, v="v2"),
        ev("propose_return", p="p1", status="commit", v="v1"),
        ev("propose_return", p="p2", status="commit", v="v2"),
    ]
    assert not check_both(RoundBasedConsensus, CONS, h)
    assert check_both(RoundBasedConsensus, CONS, [*h[:3], ev("propose_return", p="p2", status="commit", v="v1")])


def test_validity() -> None:
    h = [ev("propose", p="p1", k=1, v="v1"), ev("propose_return", p="p1", status="commit", v="v2")]
    assert not check_both(RoundBasedConsensus, CONS, h)


def test_termination() -> None:
    """(1) an abort needs a proposal in a higher round invoked before it; (2) after a commit in
    round k, no later-invoked propose commits in a lower round. An abort returns any value."""
    alone = [ev("propose", p="p1", k=2, v="v1"), ev("propose_return", p="p1", status="abort", v="v1")]
    assert not check_both(RoundBasedConsensus, CONS, alone)
    assert check_both(RoundBasedConsensus, CONS, [ev("propose", p="p2", k=3, v="v2"), *alone])
    other_value = [ev("propose", p="p2", k=3, v="v2"), alone[0], ev("propose_return", p="p1", status="abort", v="v3")]
    assert check_both(RoundBasedConsensus, CONS, other_value)
    committed = [ev("propose", p="p1", k=3, v="v1"), ev("propose_return", p="p1", status="commit", v="v1")]
    lower = [ev("propose", p="p2", k=2, v="v1"), ev("propose_return", p="p2", status="commit", v="v1")]
    assert not check_both(RoundBasedConsensus, CONS, committed + lower)
    assert check_both(RoundBasedConsensus, CONS, [committed[0], lower[0], committed[1], lower[1]])
