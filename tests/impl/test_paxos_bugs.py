"""Seeded bugs in Deconstructing Paxos, Figures 5-7 (``impl/paxos/bugs.py``): each wrong variant is
caught — a property of Section 3 violated by exhaustive exploration with the history variables of
``specs/paxos/monitors.py`` (or Figure 7's ``eventual_leader_property``), every violated property's
shortest counterexample pinned, and, where the specification automaton sees it, a trace that
``round-based-register`` / ``round-based-consensus`` lacks (the shortest such trace's length
pinned) — and the correct base machine passes the same checks at the same scopes.
``docs/paxos-seeded-bugs.md`` has the table these tests pin.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from ioakit.engines.explore import Explorer, ExploreReport
from ioakit.impl.paxos.bugs import BASE_OF, SEEDED_BUGS
from ioakit.lang.automaton import Machine
from ioakit.refinement.trace_equiv import TraceComparison, compare_traces
from ioakit.registry import default_properties, get_spec, machine_classes, paper_of
from ioakit.results import Verdict

REGISTER = "round-based-register-fig5"
CONSENSUS = "round-based-consensus-fig6"
LEADER = "weak-leader-election-fig7-single"
DOC = Path(__file__).resolve().parents[2] / "docs" / "paxos-seeded-bugs.md"

Scope = tuple[tuple[str, int], ...]  # hashable, for the caches


def _scope(**kw: int) -> Scope:
    return tuple(kw.items())


R1 = _scope(processes=1, values=1, rounds=1, max_ops=2, crashes=0)
RP1 = _scope(processes=1, values=1, rounds=2, max_ops=2, crashes=0)
RP2 = _scope(processes=2, values=1, rounds=2, max_ops=2, crashes=0)
RP3 = _scope(processes=3, values=1, rounds=2, max_ops=2, crashes=0)
RD2 = _scope(processes=2, values=1, rounds=2, max_ops=2, crashes=0, duplication=2)
C1 = _scope(processes=1, values=2, rounds=2, max_ops=2, crashes=0)
L0 = _scope(processes=2, max_ops=2, crashes=0)
L1 = _scope(processes=2, max_ops=2, crashes=1)


@functools.cache
def machine(name: str, scope: Scope) -> Machine:
    return get_spec(name).build(dict(scope))


@functools.cache
def explore(name: str, scope: Scope) -> ExploreReport:
    m = machine(name, scope)
    return Explorer(m).check(default_properties(m)).run()


@functools.cache
def inclusion(name: str, spec: str, scope: Scope) -> TraceComparison:
    m = machine(name, scope)
    params = {p.name for p in get_spec(spec).parameters}
    return compare_traces(m, machine(spec, tuple((k, v) for k, v in scope if k in params)))


def violated(r: ExploreReport) -> dict[str, int]:
    """Violated property -> length of its shortest counterexample."""
    return {x.name: len(x.counterexample) for x in r.results if x.counterexample is not None}


# -- what catches each variant (docs/paxos-seeded-bugs.md) ------------------------------------------

EXPLORE_CATCHES = [
    # (variant, scope, every violated property with its shortest counterexample's length)
    (f"{REGISTER}-bug-refuse-equal", R1, {"read_write_abort": 8}),
    (f"{REGISTER}-bug-read-no-promise", RP1, {"read_write_commit": 8, "write_commit": 8, "write_commit_no_other": 8}),
    (f"{REGISTER}-bug-write-no-round", RP1, {"read_write_commit": 8, "read_commit": 8}),
    (f"{REGISTER}-bug-write-no-adopt", RP1, {"write_commit": 8, "write_commit_no_other": 8}),
    (f"{REGISTER}-bug-first-ack", RP3, {"write_commit": 12, "write_commit_no_other": 12}),
    (
        f"{REGISTER}-bug-minority-quorum",
        RP2,
        {"read_write_commit": 8, "write_commit": 8, "write_commit_no_other": 8},
    ),
    (f"{REGISTER}-bug-nack-ignored", RP1, {"read_write_commit": 8, "write_commit": 8, "write_commit_no_other": 8}),
    (
        f"{REGISTER}-bug-count-replies",
        RD2,
        {"read_write_commit": 12, "write_commit": 12, "write_commit_no_other": 12},
    ),
    (f"{CONSENSUS}-bug-ignore-read", C1, {"agreement": 14}),
    (f"{CONSENSUS}-bug-return-proposal", C1, {"agreement": 14}),
    (f"{LEADER}-bug-self", L0, {"eventual_perpetual_leader": 7}),
    (f"{LEADER}-bug-cached", L1, {"eventual_perpetual_leader": 8}),
]

NOT_CAUGHT_SMALLER = [
    # (variant, a smaller scope where it is not caught: why the catching scope is the one above)
    (f"{REGISTER}-bug-minority-quorum", RP1),  # ⌊1/2⌋ = 0, raised to 1: the majority of one
    (f"{REGISTER}-bug-first-ack", RP2),  # with two processes every read quorum is everyone
    (f"{REGISTER}-bug-count-replies", RP2),  # no duplicated replies without duplication
    (f"{LEADER}-bug-cached", L0),  # without a crash, two leader() calls cannot tell
]

INCLUSION_CATCHES = [
    # (variant, specification, scope, length of the shortest trace the specification lacks)
    (f"{REGISTER}-bug-refuse-equal", "round-based-register", R1, 4),
    (f"{REGISTER}-bug-read-no-promise", "round-based-register", RP1, 4),
    (f"{REGISTER}-bug-write-no-round", "round-based-register", RP1, 4),
    (f"{REGISTER}-bug-minority-quorum", "round-based-register", RP2, 4),
    (f"{REGISTER}-bug-nack-ignored", "round-based-register", RP1, 4),
    pytest.param(f"{REGISTER}-bug-count-replies", "round-based-register", RD2, 4, marks=pytest.mark.slow),
    (f"{CONSENSUS}-bug-ignore-read", "round-based-consensus", C1, 4),
    (f"{CONSENSUS}-bug-return-proposal", "round-based-consensus", C1, 4),
]

INCLUDED_ALL_THE_SAME = [
    # only Write-commit sees these; the specification automaton does not guard it (a whole-run property)
    (f"{REGISTER}-bug-write-no-adopt", "round-based-register", RP1),
    pytest.param(f"{REGISTER}-bug-first-ack", "round-based-register", RP3, marks=pytest.mark.slow),
]


def _ids(x: object) -> str:
    if isinstance(x, tuple) and x and isinstance(x[0], tuple):
        return ",".join(f"{k}={v}" for k, v in x)
    if isinstance(x, dict):
        return "-"
    return str(x).split("-bug-")[-1]


# -- the variants are registered, documented, and caught ---------------------------------------------


def test_every_seeded_bug_is_registered_with_its_bases_properties_and_documented() -> None:
    names = [c.name for c in SEEDED_BUGS]
    assert len(names) == len(set(names)) >= 8
    assert {n for n, _, _ in EXPLORE_CATCHES} == set(names)
    bases = {BASE_OF[n] for n in names}
    assert bases == {REGISTER, CONSENSUS, LEADER}
    classes = machine_classes()
    table = DOC.read_text(encoding="utf-8")
    rows = set(re.findall(r"(?m)^\| `([a-z0-9-]+)` \|", table))
    for cls in SEEDED_BUGS:
        base = BASE_OF[cls.name]
        assert classes[cls.name] is cls and paper_of(cls.name) is paper_of(base) is not None
        assert cls.name.startswith(f"{base}-bug-") and issubclass(cls, type(get_spec(base)))
        assert cls.source.startswith("SEEDED BUG (ours, not the paper's)")
        assert (cls.__doc__ or "").startswith("SEEDED BUG") and "line" in (cls.__doc__ or "")
        assert cls.name in rows, f"{cls.name} has no row in {DOC.name}"
    assert rows >= set(names)


@pytest.mark.parametrize(("name", "scope", "expected"), EXPLORE_CATCHES, ids=_ids)
def test_exploration_violates_the_named_properties_and_the_base_holds(
    name: str, scope: Scope, expected: dict[str, int]
) -> None:
    r = explore(name, scope)
    assert r.verdict is Verdict.VIOLATED and r.complete
    assert violated(r) == expected
    base = explore(BASE_OF[name], scope)
    assert base.verdict is Verdict.OK and base.complete


@pytest.mark.parametrize(("name", "scope"), NOT_CAUGHT_SMALLER, ids=_ids)
def test_not_caught_at_the_next_smaller_scope(name: str, scope: Scope) -> None:
    r = explore(name, scope)
    assert r.verdict is Verdict.OK and r.complete


@pytest.mark.parametrize(("name", "spec", "scope", "length"), INCLUSION_CATCHES, ids=_ids)
def test_a_trace_of_the_variant_is_not_one_of_the_specification_and_the_bases_are(
    name: str, spec: str, scope: Scope, length: int
) -> None:
    r = inclusion(name, spec, scope)
    assert not r.left_in_right and r.witness_left_only is not None
    assert len(r.witness_left_only) == length
    base = inclusion(BASE_OF[name], spec, scope)
    assert base.left_in_right and not (base.left_bound_hits or base.right_bound_hits)


@pytest.mark.parametrize(("name", "spec", "scope"), INCLUDED_ALL_THE_SAME, ids=_ids)
def test_write_commit_only_bugs_are_traces_of_the_specification(name: str, spec: str, scope: Scope) -> None:
    r = inclusion(name, spec, scope)
    assert r.left_in_right and not (r.left_bound_hits or r.right_bound_hits)


def test_refuse_equal_aborts_a_second_read_of_the_same_round() -> None:
    """The shortest trace: p1's read(1) commits, its next read(1) is refused by p1 itself."""
    r = inclusion(f"{REGISTER}-bug-refuse-equal", "round-based-register", R1)
    assert r.witness_left_only == (
        'read{"k": 1, "p": "p1"}',
        'read_return{"p": "p1", "status": "commit", "v": null}',
        'read{"k": 1, "p": "p1"}',
        'read_return{"p": "p1", "status": "abort", "v": null}',
    )
