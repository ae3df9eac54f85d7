"""pytest plugin (registered through the ``pytest11`` entry point): the ``ioakit`` fixture.

In a user's test::

    def test_two_phase_commit(ioakit):
        ioakit.check("models/twopc.py:TwoPhaseCommit", "twopc.inv", scope={"rms": 3})
        ioakit.prove("models/twopc.py:TwoPhaseCommit", "twopc_inductive.inv", bmc=5, induction=True)
        ioakit.check("VS-machine", "vs_lemma_4_1", scope={"processors": 2})  # shipped machine and file
        ioakit.refine("VStoTO-system", "TO-machine", scope={"processors": 1, "values": 1, "max_inputs": 1})
        ioakit.assert_trace("runs/run-0000.jsonl")

The assertions are those of ``ioakit.testing`` (a failure shows the invariant as written, the
violating state and the shortest run, and no ioakit frames; an incomplete or undecided check
fails unless the test accepts it). Everything is looked up through ``ioakit.registry``: the
fixture names no paper.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: exhaustive checks at larger scopes (skipped unless IOAKIT_SLOW=1)")


class _Fixture(SimpleNamespace):
    """The fixture's namespace, with a short ``repr`` (pytest prints a failing test's arguments)."""

    def __repr__(self) -> str:
        return "<ioakit fixture: check, prove, refine, assert_trace, ...>"


@pytest.fixture
def ioakit() -> Any:
    """``check``, ``prove``, ``refine``, ``assert_trace`` and the other assertions of
    ``ioakit.testing``, with machine, property and invariant-file lookup:
    ``machine(ref, **scope)``, ``default_properties(m)``, ``invariants(m, file)``."""
    from ioakit import registry, testing

    def machine(ref: str, **scope: int) -> Any:
        __tracebackhide__ = True
        return testing.machine(ref, scope)

    def invariants(m: Any, file: str | Path) -> list[Any]:
        __tracebackhide__ = True
        return list(testing.invariant_set(m, file).properties)

    return _Fixture(
        machine=machine,
        default_properties=registry.default_properties,
        invariants=invariants,
        invariant_set=testing.invariant_set,
        check=testing.check,
        prove=testing.prove,
        refine=testing.refine,
        assert_trace=testing.assert_trace,
        assert_invariants=testing.assert_invariants,
        assert_trace_inclusion=testing.assert_trace_inclusion,
        assert_trace_equivalent=testing.assert_trace_equivalent,
        CheckFailed=testing.CheckFailed,
    )
