"""Algorithm 1 of DynaStore (Section 4), the weak snapshot at fidelity L1
(``impl/dynastore/weak_snapshot.py``): exhaustive checks of PR1–PR4 and Lemma 4.1 at small scopes,
scripted runs of the properties' scenarios, the registers' majority condition, the recorded
``weak-snapshot`` history."""

from __future__ import annotations

import functools

import pytest

import ioakit.specs.dynastore  # noqa: F401  (registers the dynastore machines)
from ioakit.engines.explore import Explorer, ExploreReport
from ioakit.impl.dynastore.weak_snapshot import WeakSnapshotAlg1
from ioakit.impl.net.script import enabled, run_script
from ioakit.lang.automaton import Machine
from ioakit.registry import default_properties, get_spec
from ioakit.results import Verdict

NAME = "weak-snapshot-alg1"
PROPS = {"pr1", "pr2", "pr3", "pr4", "mem_once"}


@functools.cache
def machine(**scope: int) -> Machine:
    return get_spec(NAME).build(scope)


@functools.cache
def explore(**scope: int) -> ExploreReport:
    m = machine(**scope)
    return Explorer(m).check(default_properties(m)).run()


@pytest.mark.parametrize(
    ("scope", "states"),
    [
        (dict(processes=3, values=2, max_ops=3, crashes=0), 12_562),
        (dict(processes=3, values=2, max_ops=3, crashes=1), 30_028),
        (dict(processes=3, values=2, max_ops=4, crashes=1), 194_560),
    ],
    ids=["3p-3ops", "3p-3ops-crash", "3p-4ops-crash"],
)
def test_pr1_to_pr4_and_lemma_4_1_hold_exhaustively(scope: dict[str, int], states: int) -> None:
    """Every reachable state of Algorithm 1 at the scope satisfies the five checks; the exploration
    is complete (no step cut off) and its size is pinned."""
    r = explore(**scope)
    assert r.complete and r.verdict is Verdict.OK
    assert {x.name for x in r.results} == PROPS
    assert r.states == states


def test_a_scan_after_an_update_sees_it_and_later_scans_keep_it() -> None:
    """PR2 and PR3 on a sequential run: update(c1) at p1 writes Mem[1] (its collect is empty); a
    later scan at p2 returns {c1}; update(c2) at p3 finds Mem[1] non-empty and writes nothing
    (Section 4: "subsequent updates have no effect"); a later scan still returns {c1}."""
    m = machine(processes=3, values=2, max_ops=4, crashes=0)
    steps = ["update(p=p1,c=c1)", *["read_mem(p=p1)"] * 3, "write_mem(p=p1)", "update_return(p=p1)"]
    steps += ["scan(p=p2)", *["read_mem(p=p2)"] * 6, "scan_return(p=p2"]
    steps += ["update(p=p3,c=c2)", *["read_mem(p=p3)"] * 3, "update_return(p=p3)"]
    steps += ["scan(p=p1)", *["read_mem(p=p1)"] * 6, "scan_return(p=p1"]
    run = run_script(m, steps)
    assert run.value("mem") == {"p1": "c1", "p2": None, "p3": None}
    scans = [e.args["C"] for e in WeakSnapshotAlg1().history(run.execution.events()) if e.action == "scan-return"]
    assert scans == [["c1"], ["c1"]]


def test_registers_need_a_majority_of_P_up() -> None:
    """L1's liveness condition (PR5's hypothesis, ABD's majority): with 2 of 3 processes crashed, no
    register step is enabled, so the surviving process's scan blocks."""
    m = machine(processes=3, values=1, max_ops=1, crashes=2)
    run = run_script(m, ["scan(p=p1)", "read_mem(p=p1)", "crash(p=p2)"])
    labels = [m.label_of(k, run.final) for k, _ in enabled(m, run.final)]
    assert "read_mem(p=p1)" in labels
    run = run_script(m, ["crash(p=p3)"], start=run.final)
    labels = [m.label_of(k, run.final) for k, _ in enabled(m, run.final)]
    assert not any(lab.startswith(("read_mem", "write_mem")) for lab in labels)


def test_history_is_a_weak_snapshot_history() -> None:
    """The recorded events are the contract's: update {p, c}, update-return {p}, scan {p},
    scan-return {p, C} (C a JSON array), crash {p}."""
    m = machine(processes=3, values=2, max_ops=4, crashes=1)
    run = run_script(m, ["update(p=p1,c=c2)", "scan(p=p2)", "crash(p=p3)", *["read_mem(p=p2)"] * 3, "scan_return"])
    events = WeakSnapshotAlg1().history(run.execution.events())
    assert [(e.action, e.kind, dict(e.args)) for e in events] == [
        ("update", "input", {"p": "p1", "c": "c2"}),
        ("scan", "input", {"p": "p2"}),
        ("crash", "input", {"p": "p3"}),
        ("scan-return", "output", {"p": "p2", "C": []}),
    ]


# -- fidelity L2: the registers emulated by ABD over messages -------------------------------------

ABD = "weak-snapshot-alg1-abd"


def test_over_abd_pr1_to_pr4_hold_exhaustively_at_the_default_scope() -> None:
    """Two processes, two updates and a scan, a crash, every message interleaving: complete."""
    m = get_spec(ABD).build({})
    r = Explorer(m).check(default_properties(m)).run()
    assert r.complete and r.verdict is Verdict.OK
    assert {x.name for x in r.results} == PROPS
    assert r.states == 248_693


@pytest.mark.parametrize(
    "scope",
    [
        pytest.param(dict(processes=2, values=1, max_ops=2, crashes=0), id="2p-2ops"),
        pytest.param(dict(processes=2, values=2, max_ops=3, crashes=1), id="2p-3ops-crash", marks=pytest.mark.slow),
    ],
)
def test_over_abd_the_traces_are_those_of_atomic_step_registers(scope: dict[str, int]) -> None:
    """L2 and L1 have the same finite traces (update, scan, their returns, crash) at the scope: ABD's
    emulation is exactly as observable as the atomic registers L1 assumes, including the majority
    condition L1 puts on its register steps."""
    from ioakit.refinement.trace_equiv import compare_traces

    r = compare_traces(get_spec(ABD).build({**scope, "max_register_ops": 24, "capacity": 8}), machine(**scope))
    assert r.verdict is Verdict.OK and r.left_in_right
    assert not (r.left_bound_hits or r.right_bound_hits)


def test_over_abd_simulation_at_three_processes() -> None:
    """A sample, not a proof: 50 seeded runs at three processes with a crash; no check fails and no
    step is cut off."""
    m = get_spec(ABD).build(dict(processes=3, values=2, max_ops=4, crashes=1, capacity=16, max_register_ops=40))
    r = Explorer(m).check(default_properties(m)).simulate(steps=400, runs=50, seed=1)
    assert r.verdict is Verdict.OK and r.bound_hits == 0 and r.runs == 50
