"""Traces written by a program outside ioakit (``external/vstoto_writer.py``, standard library
only) checked through the paper's forward simulation f (FLS Section 6.2) from their state
snapshots: the program's correct runs refine TO-machine; each seeded defect is caught, with the
trace line of the first step f cannot match — including a premature delivery that the trace
alone (TO-machine membership) cannot show."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ioakit.cli import main
from ioakit.refinement.check import check_trace_file
from ioakit.refinement.refine import bind, mapping_named
from ioakit.registry import get_spec
from ioakit.results import Verdict
from ioakit.traces.format import read_trace


def _check(path: Path):
    header, _ = read_trace(path)
    m = get_spec(header.automaton).build(dict(header.scope))
    return check_trace_file(bind(mapping_named("vstoto-f"), m), path)


@pytest.mark.parametrize(("seed", "view_ids"), [(1, 1), (2, 1), (3, 2)])
def test_correct_external_runs_refine_to_machine(external_trace: Callable[..., Path], seed: int, view_ids: int) -> None:
    p = external_trace(seed, 2, 2, view_ids=view_ids)
    r = _check(p)
    assert r.verdict is Verdict.OK, r.show()
    assert r.steps == len(p.read_text().splitlines()) - 1
    assert "through their snapshots" in (r.reason or "")


def test_premature_delivery_is_caught_through_f_but_not_by_the_trace(
    external_trace: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    p = external_trace(1, 2, 2, bug="deliver-unconfirmed")
    r = _check(p)
    assert r.verdict is Verdict.VIOLATED
    assert r.failure is not None and r.failure.impl_action.startswith("brcv")
    assert r.failure.kind == "disabled" and "next[" in r.failure.detail
    assert json.loads(p.read_text().splitlines()[r.line - 1])["action"] == "brcv"
    # the same file's external behaviour is a trace of TO-machine: only the states show the bug
    assert main(["trace", str(p)]) == 0
    capsys.readouterr()
    assert main(["refine", "VStoTO-system", "TO-machine", "--trace", str(p)]) == 1
    assert f"trace line {r.line}" in capsys.readouterr().out


def test_duplicate_order_is_caught_at_the_second_confirm(external_trace: Callable[..., Path]) -> None:
    p = external_trace(1, 2, 2, bug="duplicate-order", view_ids=2)
    r = _check(p)
    assert r.verdict is Verdict.VIOLATED
    assert r.failure is not None and r.failure.impl_action.startswith("confirm")
    assert r.failure.tried and r.failure.tried[0].startswith("to_order")
