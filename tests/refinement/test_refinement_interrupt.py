"""Ctrl-C during ``compare`` and ``refine`` gives a partial report that says what was established
before it, INCOMPLETE — never OK — and a difference or failing step found before it stays a
violation (the real-signal tests are in ``tests/ioakit/test_sigint.py``; here the interrupt is
raised at a chosen point, as a real one would be)."""

from __future__ import annotations

from typing import Any

import pytest

import ioakit.refinement.check as check
import ioakit.refinement.trace_equiv as trace_equiv
from ioakit.refinement.refine import refine
from ioakit.refinement.trace_equiv import compare_traces
from ioakit.results import Verdict
from ioakit.specs.fls import VSMachine, WeakVSMachine


def _interrupt_moves_after(monkeypatch: pytest.MonkeyPatch, calls: int) -> None:
    """Make ``_Det.moves`` raise KeyboardInterrupt on its call number ``calls + 1``."""
    real = trace_equiv._Det.moves
    n = {"calls": 0}

    def moves(self: Any, X: frozenset[int]) -> dict[int, frozenset[int]]:
        n["calls"] += 1
        if n["calls"] > calls:
            raise KeyboardInterrupt
        return real(self, X)

    monkeypatch.setattr(trace_equiv._Det, "moves", moves)


def test_compare_interrupted_in_the_product_search_claims_only_the_pairs_compared(monkeypatch):
    scope = {"view_ids": 3, "max_inputs": 1}
    full = compare_traces(VSMachine().build(scope), WeakVSMachine().build(scope))
    assert full.verdict is Verdict.OK and full.compared == full.macro_pairs > 40
    _interrupt_moves_after(monkeypatch, 2 * 40 + 1)  # two calls per pair: 40 pairs, then the 41st's left side
    r = compare_traces(VSMachine().build(scope), WeakVSMachine().build(scope))
    assert r.verdict is Verdict.INCOMPLETE and r.interrupted and not r.equivalent
    assert r.compared == 40 and r.macro_pairs > 40
    assert (r.left_states, r.right_states) == (full.left_states, full.right_states)
    j = r.to_json()
    assert j["interrupted"] is True and j["complete"] is False and j["verdict"] == "INCOMPLETE"
    assert j["left_in_right"] is None and j["right_in_left"] is None and j["macro_pairs_compared"] == 40
    text = r.show()
    assert "INCOMPLETE" in text and "EQUAL" not in text
    assert "no difference found among the 40 macro-state pairs compared before the interrupt" in text
    assert "nothing is claimed about the rest" in text


def test_compare_interrupted_while_exploring_claims_nothing(monkeypatch):
    def interrupted(self: Any, labels: dict[str, int]) -> None:
        self.ids[("a state",)] = 0  # one state reached, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(trace_equiv._Det, "explore", interrupted)
    r = compare_traces(VSMachine().build({}), WeakVSMachine().build({}))
    assert r.verdict is Verdict.INCOMPLETE and r.compared == 0 and r.macro_pairs == 0
    assert r.interrupted_while == "exploring VS-machine" and (r.left_states, r.right_states) == (1, 0)
    assert "while exploring VS-machine (1 / 0 states reached), before any trace was compared" in r.show()


def test_a_difference_found_before_the_interrupt_stays_a_difference(monkeypatch):
    from test_trace_equiv import VSNoIdOrder

    scope = {"processors": 1, "initial_members": 1, "view_ids": 2, "max_inputs": 1}
    full = compare_traces(VSNoIdOrder().build(scope), VSMachine().build(scope))
    assert full.witness_left_only is not None and full.compared > 3
    # the search goes on after the witness (for one the other way): Ctrl-C before the last pair
    _interrupt_moves_after(monkeypatch, 2 * (full.compared - 1))
    r = compare_traces(VSNoIdOrder().build(scope), VSMachine().build(scope))
    assert r.interrupted and r.compared == full.compared - 1
    assert r.witness_left_only == full.witness_left_only and r.witness_right_only is None
    assert r.verdict is Verdict.VIOLATED and r.inclusion_verdict is Verdict.VIOLATED
    assert r.to_json()["left_in_right"] is False and r.to_json()["right_in_left"] is None
    assert "DIFFERENT" in r.show() and "apart from the difference shown" in r.show()


def test_refine_interrupted_in_a_check_runs_no_later_check(monkeypatch):
    """The exhaustive check reports its own partial result; the Z3 check after it never starts."""
    real = check.check_exhaustive
    started: list[str] = []

    def exhaustive_interrupted(mp: Any, **kw: Any) -> Any:
        r = real(mp, max_states=50)  # stands for a run Ctrl-C stopped after 50 states
        import dataclasses

        return dataclasses.replace(r, verdict=Verdict.INCOMPLETE, interrupted=True, reason="interrupted (Ctrl-C)")

    monkeypatch.setattr(check, "check_exhaustive", exhaustive_interrupted)
    monkeypatch.setattr(check, "check_symbolic", lambda *a, **kw: started.append("z3"))
    r = refine("VStoTO-system", "TO-machine", {}, inclusion=False, z3=True, progress=started.append)
    assert started == ["mapping vstoto-f (exhaustive)"]
    assert r.verdict is Verdict.INCOMPLETE and r.interrupted == "mapping vstoto-f (exhaustive)"
    assert r.not_run == ("mapping vstoto-f (Z3)",)
    text = r.show()
    assert "mapping vstoto-f (Z3)" in text and "not run (interrupted)" in text
    assert "0 check(s) finished before it, 1 not run" in text
    assert text.startswith("INCOMPLETE — VStoTO-system undecided (incomplete) whether it refines TO-machine")
    j = r.to_json()
    assert j["interrupted"] is True and j["complete"] is False and j["not_run"] == ["mapping vstoto-f (Z3)"]
    assert j["checks"][0]["interrupted"] is True and j["checks"][0]["states"] >= 50
    from ioakit.junit import suites_for

    (suite,) = suites_for(r, "refine")  # CI sees the check not run, not a pass
    assert [(c.name, c.verdict) for c in suite.cases] == [
        ("mapping vstoto-f (exhaustive)", Verdict.INCOMPLETE),
        ("mapping vstoto-f (Z3)", Verdict.INCOMPLETE),
    ]


def test_refine_interrupted_before_a_check_reports_is_never_ok(monkeypatch):
    """Ctrl-C escaping a check (a Z3 call, code generation) leaves the checks finished before it;
    a failing step found before it stays a violation (the printed VStoTO-system's)."""

    def z3_interrupted(*a: Any, **kw: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(check, "check_symbolic", z3_interrupted)
    r = refine("VStoTO-system-label-normal", "TO-machine", {}, inclusion=False, z3=True)
    assert [p.method for p in r.parts] == ["exhaustive"] and r.parts[0].verdict is Verdict.OK
    assert r.verdict is Verdict.INCOMPLETE and r.interrupted == "mapping vstoto-f (Z3)" and r.not_run == ()
    row = next(line for line in r.show().splitlines() if line.strip().startswith("mapping vstoto-f (Z3)"))
    assert row.endswith("INCOMPLETE (interrupted before any result)")
    assert "1 check(s) finished before it, 0 not run" in r.show()
    printed = refine("VStoTO-system", "TO-machine", {}, inclusion=False, z3=True)
    assert printed.parts[0].verdict is Verdict.VIOLATED and printed.interrupted == "mapping vstoto-f (Z3)"
    assert printed.verdict is Verdict.VIOLATED and printed.to_json()["interrupted"] is True


def test_refine_interrupted_in_trace_inclusion_says_so_and_runs_no_mapping(monkeypatch):
    _interrupt_moves_after(monkeypatch, 6)  # 3 of the 9 macro-state pairs compared
    r = refine("VStoTO-system-label-normal", "TO-machine", {})
    (inclusion,) = r.parts
    assert inclusion.interrupted and inclusion.compared == 3
    assert r.verdict is Verdict.INCOMPLETE and r.interrupted == "trace inclusion"
    assert r.not_run == ("mapping vstoto-f (exhaustive)",)
    text = r.show()
    assert "trace inclusion of VStoTO-system-label-normal in TO-machine: not decided, interrupted (Ctrl-C)" in text
    assert "no difference found among the 3 macro-state pairs compared before the interrupt" in text
    assert "cut off" not in text
