"""The search on several processes (``Explorer.workers``, ``ioakit.engines.parallel``) against one
process, on every shipped machine: the same states, transitions, depth, deadlocks, bound hits,
verdicts, vacuity witnesses and counterexample lengths; counterexamples that are real
executions; step properties; the limits; Ctrl-C; ``--workers`` on the command line."""

from __future__ import annotations

import multiprocessing
import signal
import sys
from typing import Any

import pytest
from test_step_properties import next_monotone, next_never_changes, to_machine, to_step

from ioakit.cli import main
from ioakit.engines import parallel
from ioakit.engines.explore import Explorer, ExploreReport
from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, internal
from ioakit.lang.types import IntT
from ioakit.registry import default_properties, get_spec, machine_classes
from ioakit.results import Verdict

pytestmark = pytest.mark.skipif(not parallel.available(), reason="workers are forked (POSIX)")


def summary(r: ExploreReport) -> tuple[Any, ...]:
    """Everything that must not depend on the number of workers."""
    return (
        r.verdict,
        r.states,
        r.transitions,
        r.depth,
        r.deadlocks,
        r.bound_hits,
        r.complete,
        tuple(
            (x.name, x.verdict, None if x.counterexample is None else len(x.counterexample), x.vacuous)
            for x in r.results
        ),
    )


def assert_real(m: Any, r: ExploreReport) -> None:
    """Each counterexample starts in a start state and each of its steps is a step of ``m``."""
    succ = m.compiled().successors
    for x in r.results:
        ex = x.counterexample
        if ex is None:
            continue
        assert ex.start in m.start_states
        s = ex.start
        for k, post in ex.steps:
            assert (k, post) in list(succ(s)), (x.name, k)
            s = post


SHIPPED = sorted(machine_classes())
SMALL = {"max_ops": 2, "rounds": 2, "processes": 2}
"""A small scope for the Deconstructing Paxos machines (Figure 5 at its default scope has over
a million states); the FLS machines keep their defaults."""


def small(name: str) -> Any:
    spec = get_spec(name)
    params = {p.name for p in spec.parameters}
    return spec.build({k: v for k, v in SMALL.items() if k in params})


DYNASTORE_REPRESENTATIVE = {"dynastore", "dynastore-bug-skip-update", "weak-snapshot-alg1"}
"""Of the DynaStore bundle's 17 machines (2-4 s each here), these run by default; the rest are
``slow`` (the same search on machines of the same substrate)."""


def _default_run(name: str) -> Any:
    dyna = name.startswith(("dynastore", "weak-snapshot"))
    return pytest.param(name, marks=pytest.mark.slow) if dyna and name not in DYNASTORE_REPRESENTATIVE else name


@pytest.mark.parametrize("name", [_default_run(n) for n in SHIPPED])
def test_every_shipped_machine_gives_the_same_report_on_two_workers(name: str) -> None:
    m = small(name)
    props = default_properties(m)
    one = Explorer(m).check(props).run()
    two = Explorer(m).check(props).workers(2).run()
    assert two.workers == 2 and summary(two) == summary(one)
    assert_real(m, two)


@pytest.mark.parametrize("name", ["TO-machine", "VS-machine", "VStoTO-system", "weak-leader-election-fig7"])
def test_three_workers_give_the_same_report(name: str) -> None:
    m = small(name)
    props = default_properties(m)
    assert summary(Explorer(m).check(props).workers(3).run()) == summary(Explorer(m).check(props).run())


def test_a_violation_has_a_shortest_counterexample_and_the_same_length() -> None:
    m = small("round-based-consensus-fig6-bug-ignore-read")  # Agreement broken in 22 steps
    props = default_properties(m)
    one = Explorer(m).check(props).run()
    for w in (2, 3):
        r = Explorer(m).check(props).workers(w).run()
        assert one.verdict is Verdict.VIOLATED and summary(r) == summary(one)
        assert len(r.result("agreement").counterexample or ()) == 22
        assert_real(m, r)


def test_step_properties_with_workers() -> None:
    m = to_machine()
    props = [to_step("next_monotone", next_monotone), to_step("next_never_changes", next_never_changes)]
    one = Explorer(m).check_steps(props).run()
    two = Explorer(m).check_steps(props).workers(2).run()
    assert summary(two) == summary(one)
    ex = two.result("next_never_changes").counterexample
    assert ex is not None and [m.actions[k].name for k, _ in ex.steps] == ["bcast", "to_order", "brcv"]


def test_max_depth_and_max_states_with_workers() -> None:
    m = get_spec("VS-machine").build({})
    one = Explorer(m).max_depth(5).run()
    two = Explorer(m).max_depth(5).workers(2).run()
    assert summary(two) == summary(one) and not two.complete and "max-depth 5" in (two.reason or "")
    capped = Explorer(m).max_states(100).workers(2).run()
    assert capped.verdict is Verdict.INCOMPLETE and capped.states >= 100
    assert "max-states 100 reached" in (capped.reason or "")


def test_ctrl_c_stops_the_workers_with_a_partial_report() -> None:
    m = get_spec("TO-machine").build({"processors": 3, "values": 2, "max_inputs": 5})
    m.compiled()
    previous = signal.signal(signal.SIGALRM, lambda *_: signal.raise_signal(signal.SIGINT))
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        r = Explorer(m).workers(2).run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert r.interrupted and r.verdict is Verdict.INCOMPLETE and not r.complete
    assert 0 < r.states < 3_367_923
    assert multiprocessing.active_children() == []


def test_workers_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "VS-machine", "--workers", "2", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"workers": 2' in out and '"states": 2197' in out
    assert main(["explore", "VS-machine", "--workers", "2"]) == 0
    assert "searched on 2 worker processes" in capsys.readouterr().out
    assert main(["check", "VS-machine", "vs_lemma_4_1", "--workers", "2"]) == 0
    assert main(["explore", "VS-machine", "--workers", "0"]) == 2
    assert main(["explore", "VS-machine", "--workers", "auto", "--json"]) == 0
    assert f'"workers": {parallel.default_workers()}' in capsys.readouterr().out


@pytest.mark.skipif(sys.platform != "linux", reason="CPU affinity")
def test_default_workers_is_the_cores_this_process_may_use() -> None:
    import os

    assert parallel.default_workers() == len(os.sched_getaffinity(0))
    assert Explorer(to_machine()).workers(None)._workers == parallel.default_workers()


def test_symmetry_on_several_workers_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "TO-machine", "--workers", "2", "--symmetry"]) == 2
    assert "not supported yet" in capsys.readouterr().err


def test_a_huge_worker_count_is_refused_before_any_fork(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["explore", "TO-machine"], ["simulate", "TO-machine"]):
        assert main([*command, "--workers", "10000"]) == 2
        assert "must be at most 256" in capsys.readouterr().err
    assert multiprocessing.active_children() == []


class HashTwins(Spec):
    """States that differ only by -1 against -2, which Python hashes alike (``hash(-1) ==
    hash(-2)``): a partitioned search that knew states by their hash merged them and reported
    4 of these 7 states as exhaustive."""

    name = "HashTwins"
    source = "a regression test of ioakit.engines.parallel"
    parameters = (ScopeParam("n", 2, "the highest y", min=1),)

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.var("x", IntT(-2, 0))
        d.var("y", IntT(0, sc["n"]))
        return d

    @internal()
    def to_minus_one(self, s: Any) -> None:
        s.require(s.x == 0)
        s.x = -1

    @internal()
    def to_minus_two(self, s: Any) -> None:
        s.require(s.x == 0)
        s.x = -2

    @internal()
    def inc(self, s: Any) -> None:
        s.require((s.x != 0) & (s.y < s.y.type.hi))
        s.y = s.y + 1


@pytest.mark.parametrize("w", [2, 3])
def test_states_are_compared_whole_not_by_hash(w: int) -> None:
    m = HashTwins().build({"n": 2})
    assert hash((-1, 0)) == hash((-2, 0))  # what the test is about
    one = Explorer(m).run()
    assert one.states == 7
    assert summary(Explorer(m).workers(w).run()) == summary(one)


@pytest.mark.parametrize(
    "name",
    [
        "TO-machine",
        "VS-machine",
        pytest.param("round-based-consensus-fig6-bug-ignore-read", marks=pytest.mark.slow),  # 11 s: 14 variables
    ],
)
def test_every_owner_variable_gives_the_same_report(name: str) -> None:
    """The variable that decides owners changes only what is exchanged, never the search: each
    variable of the machine, and the whole state, as the key."""
    m = small(name)
    props = default_properties(m)
    one = summary(Explorer(m).check(props).run())
    for key in [None, *range(len(m.variables))]:
        r = parallel.run_parallel(Explorer(m).check(props).workers(2), 2, key=key)
        assert summary(r) == one, key
        assert_real(m, r)


def test_the_owner_variable_keeps_most_steps_local() -> None:
    """``choose_key`` picks a variable few steps change and whose values spread the states: TO-machine's
    ``queue`` (only ``to_order`` changes it) and VS-machine's ``queue`` at the scopes of
    ``benchmarks/parallel_explore.py``; the whole state when no variable has enough values."""
    to = get_spec("TO-machine").build({"processors": 3, "values": 2, "max_inputs": 5})
    vs = get_spec("VS-machine").build({"processors": 3, "initial_members": 3, "view_ids": 3})
    assert [to.variables[parallel.choose_key(to, 2)][0], vs.variables[parallel.choose_key(vs, 2)][0]] == ["queue"] * 2
    assert parallel.choose_key(HashTwins().build({"n": 2}), 2) is None  # x and y have 3 values each
