"""Fixtures for the refinement tests: trace files written by a program outside ioakit.

``external/vstoto_writer.py`` is a standard-library-only implementation of VStoTO-system
(Fekete–Lynch–Shvartsman, Figs. 5, 7, 8, 9 and Section 6) that records seeded runs in the trace
format (``traces/FORMAT.md``) with a state snapshot after every event: what a refinement checker
that works from snapshots (the forward simulation of Section 6, VStoTO-system → TO-machine) is
fed when the implementation is not an ioakit automaton.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

WRITER = Path(__file__).parent / "external" / "vstoto_writer.py"
BUGS = ("deliver-unconfirmed", "duplicate-order")
"""The defects ``vstoto_writer.py --bug`` can seed (see its docstring)."""


def write_external_trace(
    tmp_path: Path, seed: int, inputs: int, values: int, bug: str | None = None, view_ids: int = 1
) -> Path:
    """Run ``vstoto_writer.py`` in a fresh interpreter (``sys.executable``; it imports nothing
    from ioakit) and return the trace file it wrote under ``tmp_path``: a seeded run of
    VStoTO-system with P = P0 = {p1, p2}, ``inputs`` bcasts of values a1 .. a``values``, view ids
    g0 .. g(``view_ids`` - 1), and the defect ``bug`` seeded if given. A seeded defect always
    shows when ``inputs`` ≥ 1: a bug's run stays in view g0 and the writer takes the defective
    step as soon as it can; ``duplicate-order`` needs ``view_ids`` ≥ 2, since the scope bounds
    ``order`` by max_inputs × view_ids."""
    name = f"vstoto-s{seed}-k{inputs}-v{values}-g{view_ids}" + (f"-{bug}" if bug else "") + ".jsonl"
    out = tmp_path / name
    cmd = [sys.executable, str(WRITER), str(out), "--seed", str(seed), "--inputs", str(inputs)]
    cmd += ["--values", str(values), "--view-ids", str(view_ids)] + (["--bug", bug] if bug else [])
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stderr}"
    return out


@pytest.fixture
def external_trace(tmp_path: Path) -> Callable[..., Path]:
    """``external_trace(seed, inputs, values, bug=None, view_ids=1)``: ``write_external_trace``
    into this test's ``tmp_path``."""

    def write(seed: int, inputs: int, values: int, bug: str | None = None, view_ids: int = 1) -> Path:
        return write_external_trace(tmp_path, seed, inputs, values, bug, view_ids)

    return write
