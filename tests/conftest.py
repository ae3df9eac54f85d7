"""Shared pytest configuration: slow exhaustive checks run only when asked for.

CI runs the representative set (everything not marked ``slow``). Run everything with
``IOAKIT_SLOW=1 pytest`` or only the slow ones with ``pytest -m slow``.
"""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("IOAKIT_SLOW") == "1" or "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow exhaustive check: run with IOAKIT_SLOW=1 or -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
