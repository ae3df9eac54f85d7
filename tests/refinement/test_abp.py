"""The alternating bit protocol refines a one-place buffer (``tests/models/abp.py``): exhaustively
at small scopes, along seeded random runs (with snapshots and replayed), and a seeded bug (the
receiver ignores the bit) is caught both ways. The model is also the bounded-state workload of
``benchmarks/refine_trace.py``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from models.abp import ABP, SloppyABP, bind_abp, write_walk

from ioakit.engines.explore import Explorer
from ioakit.refinement.check import check_exhaustive, check_trace_file
from ioakit.results import Verdict


@pytest.mark.parametrize("scope", [{"values": 2, "capacity": 1}, {"values": 2, "capacity": 2}])
def test_abp_refines_the_buffer_on_every_reachable_step(scope: dict[str, int]) -> None:
    mp = bind_abp(scope)
    r = check_exhaustive(mp)
    assert r.verdict is Verdict.OK, r.show()
    plain = Explorer(mp.impl).run()
    assert (r.states, r.steps) == (plain.states, plain.transitions)


def test_receiver_ignoring_the_bit_is_caught_with_a_shortest_execution() -> None:
    r = check_exhaustive(bind_abp({"values": 2, "capacity": 1}, SloppyABP))
    assert r.verdict is Verdict.VIOLATED
    assert r.failure is not None and r.failure.kind == "mismatch", r.show()
    # a retransmitted copy of the delivered message is accepted again: f moves without a step
    assert r.failure.impl_action == "recv_data()" and r.execution[-1] == "recv_data()"
    assert r.execution[:1] == ("send(a=a1)",) and "deliver(a=a1)" in r.execution
    assert len(r.execution) == 6


def _without_states(src: Path, dst: Path) -> Path:
    lines = src.read_text().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        ev = json.loads(line)
        ev.pop("state")
        out.append(json.dumps(ev))
    dst.write_text("\n".join(out) + "\n")
    return dst


@pytest.mark.parametrize("snapshots", [True, False])
def test_long_random_runs_refine_the_buffer(tmp_path: Path, snapshots: bool) -> None:
    mp = bind_abp({"values": 3, "capacity": 2})
    p = tmp_path / "abp.jsonl"
    assert write_walk(mp.impl, p, 3000, seed=7) == 3000
    if not snapshots:
        p = _without_states(p, tmp_path / "abp-replay.jsonl")
    r = check_trace_file(mp, p)
    assert r.verdict is Verdict.OK, r.show()
    assert r.steps == 3000 and r.states == 3000
    assert ("through their snapshots" if snapshots else "replayed on ABP") in (r.reason or "")


@pytest.mark.parametrize("snapshots", [True, False])
def test_a_sloppy_run_is_caught_at_its_line(tmp_path: Path, snapshots: bool) -> None:
    bad = bind_abp({"values": 2, "capacity": 2}, SloppyABP)
    p = tmp_path / "sloppy.jsonl"
    write_walk(bad.impl, p, 3000, seed=3)
    if not snapshots:
        p = _without_states(p, tmp_path / "sloppy-replay.jsonl")
    r = check_trace_file(bad, p)
    assert r.verdict is Verdict.VIOLATED, r.show()
    assert r.failure is not None and r.failure.impl_action == "recv_data()"
    assert r.line is not None and json.loads(p.read_text().splitlines()[r.line - 1])["action"] == "recv_data"
    # the correct protocol's mapping along the same file: ABP cannot take the bad step either
    # (with snapshots the states are what f reads, whatever program wrote them)
    good = bind_abp({"values": 2, "capacity": 2}, ABP)
    if snapshots:
        assert check_trace_file(good, p).verdict is Verdict.VIOLATED
