"""Assertions for users' test suites (also exposed as pytest fixtures by ``ioakit.pytest_plugin``).

Each assertion fails with a readable message, including the shortest counterexample, and fails
too when the check could not be completed ("model checking is incomplete": a state limit, or
steps cut off by the scope's bounds), so a passing test always means the claim was checked in
full at the stated scope. ``allow_bound_hits=True`` accepts cut steps: the assertion is then
about the bounded machine only.
"""

from __future__ import annotations

from collections.abc import Iterable

from ioakit.engines.explore import Explorer, ExploreReport, Property
from ioakit.lang.automaton import Machine
from ioakit.refinement.trace_equiv import compare_traces
from ioakit.results import Verdict


def assert_invariants(
    machine: Machine, props: Iterable[Property], max_states: int | None = None, *, allow_bound_hits: bool = False
) -> ExploreReport:
    """Every property holds in every reachable state of ``machine`` (exhaustive at its scope)."""
    r = Explorer(machine).check(props).max_states(max_states).allow_bound_hits(allow_bound_hits).run()
    r.assert_ok()
    return r


def assert_trace_inclusion(impl: Machine, spec: Machine, *, allow_bound_hits: bool = False) -> None:
    """Every finite trace of ``impl`` is a trace of ``spec`` (exact at the machines' scopes).

    Steps cut off by the bounds of ``impl`` leave its traces unexplored, and those of ``spec``
    may hide the trace a witness lacks: either makes the assertion fail as incomplete (unless
    ``allow_bound_hits``) rather than pass or report a difference that may not exist."""
    r = compare_traces(impl, spec, allow_bound_hits=allow_bound_hits)
    v = r.inclusion_verdict
    if v is Verdict.VIOLATED:
        raise AssertionError(
            f"{impl.name} has a trace that {spec.name} does not allow (scope {impl.scope}): "
            + " · ".join(r.witness_left_only or ())
        )
    if v is not Verdict.OK:
        raise AssertionError(
            f"trace inclusion of {impl.name} in {spec.name}: model checking is incomplete ({r.reason})"
        )


def assert_trace_equivalent(a: Machine, b: Machine, *, allow_bound_hits: bool = False) -> None:
    """``a`` and ``b`` have exactly the same finite traces (exact at the machines' scopes)."""
    assert_trace_inclusion(a, b, allow_bound_hits=allow_bound_hits)
    assert_trace_inclusion(b, a, allow_bound_hits=allow_bound_hits)
