"""The pytest fixture and assertion helpers users call from their own suites."""

from __future__ import annotations

import pytest

from ioakit.engines.explore import Property


def test_fixture_checks_lemma_4_1(ioakit):
    m = ioakit.machine("VS-machine", processors=2)
    r = ioakit.assert_invariants(m, ioakit.default_properties(m))
    assert r.states == 2197 and len(r.results) == 14
    r = ioakit.assert_invariants(m, ioakit.invariants(m, "vs_lemma_4_1"))
    assert r.states == 2197 and len(r.results) == 14


def test_false_invariant_fails_with_counterexample(ioakit):
    m = ioakit.machine("TO-machine", processors=1, values=1, max_inputs=1)
    bad = Property("queue_empty", m.predicate(lambda s: s.queue.length == 0))
    with pytest.raises(AssertionError, match="queue_empty violated") as e:
        ioakit.assert_invariants(m, [bad])
    assert "to_order(a=a1,p=p1)" in str(e.value)


def test_incomplete_check_is_not_a_pass(ioakit):
    m = ioakit.machine("VS-machine")
    with pytest.raises(AssertionError, match="incomplete"):
        ioakit.assert_invariants(m, ioakit.default_properties(m), max_states=50)


def test_trace_assertions(ioakit):
    small = ioakit.machine("TO-machine", processors=1, values=1, max_inputs=0)
    big = ioakit.machine("TO-machine", processors=1, values=1, max_inputs=1)
    ioakit.assert_trace_inclusion(small, big)
    with pytest.raises(AssertionError, match="bcast"):
        ioakit.assert_trace_inclusion(big, small)
    ioakit.assert_trace_equivalent(ioakit.machine("VS-machine"), ioakit.machine("WeakVS-machine"))
