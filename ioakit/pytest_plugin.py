"""pytest plugin (registered through the ``pytest11`` entry point): fixtures for ioakit checks.

In a user's test::

    def test_my_protocol_keeps_lemma(ioakit):
        m = ioakit.machine("VS-machine", processors=2)       # or "path/to/model.py:Class"
        ioakit.assert_invariants(m, ioakit.default_properties(m))
        ioakit.assert_invariants(m, ioakit.invariants(m, "vs_lemma_4_1"))   # a shipped file, or a path

Everything is looked up through ``ioakit.registry``: the fixture names no paper.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: exhaustive checks at larger scopes (skipped unless IOAKIT_SLOW=1)")


@pytest.fixture
def ioakit() -> Any:
    """The assertion helpers of ``ioakit.testing`` plus machine, property and invariant-file lookup."""
    from pathlib import Path

    from ioakit import registry, testing
    from ioakit.invariants import load_invariants

    def invariants(m: Any, file: str | Path) -> list[Any]:
        return list(load_invariants(registry.find_invariant_file(file), m).properties)

    return SimpleNamespace(
        machine=lambda ref, **scope: registry.get_spec(ref).build(scope),
        default_properties=registry.default_properties,
        invariants=invariants,
        assert_invariants=testing.assert_invariants,
        assert_trace_inclusion=testing.assert_trace_inclusion,
        assert_trace_equivalent=testing.assert_trace_equivalent,
    )
