"""Assertions for users' test suites (also exposed as pytest fixtures by ``ioakit.pytest_plugin``).

Each assertion fails with a readable message, including the shortest counterexample, and fails
too when the check could not be completed ("model checking is incomplete"), so a passing test
always means the claim was checked in full at the stated scope.
"""

from __future__ import annotations

from collections.abc import Iterable

from ioakit.engines.explore import Explorer, ExploreReport, Property
from ioakit.lang.automaton import Machine
from ioakit.refinement.trace_equiv import compare_traces


def assert_invariants(machine: Machine, props: Iterable[Property], max_states: int | None = None) -> ExploreReport:
    """Every property holds in every reachable state of ``machine`` (exhaustive at its scope)."""
    r = Explorer(machine).check(props).max_states(max_states).run()
    r.assert_ok()
    return r


def assert_trace_inclusion(impl: Machine, spec: Machine) -> None:
    """Every finite trace of ``impl`` is a trace of ``spec`` (exact at the machines' scopes)."""
    r = compare_traces(impl, spec)
    if not r.left_in_right:
        raise AssertionError(
            f"{impl.name} has a trace that {spec.name} does not allow (scope {impl.scope}): "
            + " · ".join(r.witness_left_only or ())
        )


def assert_trace_equivalent(a: Machine, b: Machine) -> None:
    """``a`` and ``b`` have exactly the same finite traces (exact at the machines' scopes)."""
    assert_trace_inclusion(a, b)
    assert_trace_inclusion(b, a)
