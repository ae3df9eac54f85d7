"""pytest plugin (registered through the ``pytest11`` entry point): fixtures for ioakit checks.

In a user's test::

    def test_my_protocol_keeps_lemma(ioakit):
        m = ioakit.machine("VS-machine", processors=2)
        ioakit.assert_invariants(m, ioakit.lemma_4_1(m))
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: exhaustive checks at larger scopes (skipped unless IOAKIT_SLOW=1)")


@pytest.fixture
def ioakit() -> Any:
    """The assertion helpers of ``ioakit.testing`` plus machine lookup and the paper's lemmas."""
    from ioakit import testing
    from ioakit.engines.explore import properties_from
    from ioakit.registry import get_spec
    from ioakit.specs.fls.lemmas import LEMMA_4_1, TO_FACTS

    return SimpleNamespace(
        machine=lambda name, **scope: get_spec(name).build(scope),
        lemma_4_1=lambda m: properties_from(m, LEMMA_4_1),
        to_facts=lambda m: properties_from(m, TO_FACTS),
        assert_invariants=testing.assert_invariants,
        assert_trace_inclusion=testing.assert_trace_inclusion,
        assert_trace_equivalent=testing.assert_trace_equivalent,
    )
