"""Hypothesis-driven schedules (``impl/net/schedules.py``) on the algorithms of *Deconstructing
Paxos* (Boichat, Dutta, Frølund, Guerraoui): a shrunk counterexample to Agreement when round
uniqueness is dropped (footnote 15), no counterexample in a sample of Figure 6's runs, and long
seeded runs of Figure 5 whose histories satisfy the register's properties."""

from __future__ import annotations

import random
from typing import Any

import pytest

import ioakit.specs.paxos  # noqa: F401  (registers the paxos machines; resolves the import order)
from ioakit.engines.explore import Property
from ioakit.impl.net.schedules import (
    MAX_CHOICE,
    find_failure,
    history_check,
    property_check,
    reproducer,
    run_schedule,
)
from ioakit.impl.net.script import enabled
from ioakit.lang.automaton import Machine
from ioakit.registry import get_spec
from ioakit.results import Verdict
from ioakit.specs.paxos import monitors
from ioakit.traces.paxos.histories import check_consensus_history, check_register_history

SHARED = dict(processes=3, values=2, rounds=1, max_ops=2, crashes=0)
"""Footnote 15's setting: two proposals, both in round 1."""

SHRUNK_BOUND = 30
"""Measured: the shrunk counterexample has 29 steps with seeds 0-3 (27-29 with plain lists); the
shortest possible has 22 (two proposes, four READ and four ackREAD deliveries, two
read_committed, four WRITE and four ackWRITE deliveries, two returns)."""


def build(name: str, **scope: int) -> Machine:
    return get_spec(name).build(scope)


def consensus_check() -> Any:
    return history_check(check_consensus_history, scope={"processes": 3})


def machine_property(m: Machine, table: Any, name: str) -> Property:
    (prop,) = [p for p in monitors.properties(m, table) if p.name == name]
    return prop


def test_run_schedule_is_deterministic_and_takes_choices_modulo() -> None:
    m = build("round-based-register-fig5", processes=3, values=2, rounds=2, max_ops=2, crashes=0)
    n = len(enabled(m, m.start_states[0]))
    a = run_schedule(m, [1, 5, 7, 2], max_steps=10)
    b = run_schedule(m, [1 + n, 5, 7, 2], max_steps=10)
    assert a.labels == b.labels and a.final == b.final
    assert len(run_schedule(m, [0] * 50, max_steps=3)) == 3
    assert len(run_schedule(m, [], max_steps=3)) == 0


def test_footnote15_shrunk_agreement_violation() -> None:
    """Without round uniqueness (footnote 15), Hypothesis finds a run where two processes decide
    differently, shrunk to at most SHRUNK_BOUND steps; the schedule and the reproducer text replay it."""
    m = build("round-based-consensus-fig6-shared-rounds", **SHARED)
    failure = find_failure(m, consensus_check(), max_steps=60, max_examples=1000, seed=0)
    assert failure is not None
    assert failure.message.startswith("Agreement:")
    assert len(failure.run) <= SHRUNK_BOUND
    assert all(0 <= c <= MAX_CHOICE for c in failure.choices)
    # replaying the schedule gives the same run and the same violation
    replay = run_schedule(m, failure.choices, failure.max_steps)
    assert replay.labels == failure.run.labels
    result = check_consensus_history(replay.history, scope={"processes": 3})
    assert result.verdict is Verdict.VIOLATED and result.failed_property == "Agreement"
    decided = {e.args["v"] for e in replay.returns() if e.args["status"] == "commit"}
    assert decided == {"v1", "v2"}
    # both proposals are in round 1 (the environment's fault, reported as an assumption)
    assert result.get("Round-number uniqueness").verdict is Verdict.VIOLATED
    # the reproducer is Python that replays it
    text = failure.reproducer()
    assert "seed=0" in text and str(list(failure.choices)) in text
    assert all(label in text for label in failure.run.labels)
    namespace: dict[str, Any] = {}
    exec(text, namespace)
    assert namespace["run"].labels == failure.run.labels
    # the same seed finds the same schedule
    again = find_failure(m, consensus_check(), max_steps=60, max_examples=1000, seed=0)
    assert again is not None and again.choices == failure.choices


def test_footnote15_found_by_a_machine_property() -> None:
    """The same violation through the machine's own Agreement history variable (a property false in
    some state of the run) instead of the history checker."""
    m = build("round-based-consensus-fig6-shared-rounds", **SHARED)
    prop = machine_property(m, monitors.CONSENSUS_PROPERTIES, "agreement")
    failure = find_failure(m, property_check(m, prop), max_steps=60, max_examples=1000, seed=1)
    assert failure is not None and failure.message.startswith("agreement is false")
    assert len(failure.run) <= SHRUNK_BOUND
    assert check_consensus_history(failure.run.history).failed_property == "Agreement"
    assert "run_schedule(machine," in reproducer(m, failure.choices, failure.max_steps)


def test_figure6_sample_of_schedules_finds_no_failure() -> None:
    """Figure 6 with round uniqueness, one crash, four proposals over rounds 1..6: a fixed budget of
    schedules finds no violation of Validity, Agreement or Termination. A sample, not a proof (the
    exhaustive checks of the paxos bundle are the proof at their scopes)."""
    m = build("round-based-consensus-fig6", processes=3, values=3, rounds=6, max_ops=4, crashes=1)
    seen: list[int] = []

    def check(run: Any) -> str | None:
        seen.append(len(run.returns()))
        return consensus_check()(run)

    assert find_failure(m, check, max_steps=60, max_examples=300, seed=0) is None
    assert max(seen) >= 3  # the sample reaches runs where several proposals returned


def _long_runs(m: Machine, runs: int, steps: int, seed: int) -> dict[str, int]:
    """``runs`` seeded random schedules of ``steps`` choices on Figure 5; every history must satisfy
    Read-write-abort, Read-write-commit, Read-commit (history checker) and the machine's
    write_commit_no_other; Write-commit as printed is only counted (it may fail on Figure 5)."""
    rng = random.Random(seed)
    wc_no_other = property_check(m, machine_property(m, monitors.REGISTER_PROPERTIES, "write_commit_no_other"))
    counts = {"returns": 0, "write_commit_printed_violated": 0}
    for _ in range(runs):
        run = run_schedule(m, [rng.randrange(MAX_CHOICE + 1) for _ in range(steps)], steps)
        result = check_register_history(run.history)
        for name in ("Read-write-abort", "Read-write-commit", "Read-commit"):
            assert result.get(name).verdict is Verdict.OK, (name, result.get(name).explanation, run.labels)
        assert wc_no_other(run) is None, run.labels
        counts["returns"] += len(run.returns())
        counts["write_commit_printed_violated"] += result.get("Write-commit").verdict is Verdict.VIOLATED
    return counts


def test_figure5_seeded_runs_small() -> None:
    """Figure 5, n = 3, one crash, ten operations over rounds 1..4: 50 seeded runs of 100 steps."""
    m = build("round-based-register-fig5", processes=3, values=2, rounds=4, max_ops=10, crashes=1)
    counts = _long_runs(m, runs=50, steps=100, seed=1)
    assert counts["returns"] > 100


@pytest.mark.slow
def test_figure5_seeded_runs_large() -> None:
    """Figure 5, n = 5, one crash, twenty operations over rounds 1..6: 200 seeded runs of 200 steps
    (about 40 s, most of it generating the step code of the 4910 action instances on first use)."""
    m = build("round-based-register-fig5", processes=5, values=2, rounds=6, max_ops=20, crashes=1)
    counts = _long_runs(m, runs=200, steps=200, seed=1)
    assert counts["returns"] > 1000


def test_a_step_cut_off_by_the_scope_is_reported_not_skipped() -> None:
    """A schedule that meets a step the scope's bounds cut off fails with a message saying so,
    shrunk like any failure; ``allow_bound_hits`` accepts the cut explicitly."""
    from models.numbered import Numbered

    from ioakit.impl.net.schedules import find_failure

    m = Numbered().build({"numbers": 1, "max_ops": 3, "capacity": 1, "crashes": 0})
    never = lambda run: None  # noqa: E731 - a check that nothing fails
    found = find_failure(m, never, max_steps=6, max_examples=50, seed=0)
    assert found is not None and "cut off by the scope's bounds" in found.message
    # shrunk: one emit fills the channel; at the state after it the next emit is cut (the run
    # looks at the steps of a state when it has a choice left to make there)
    assert len(found.choices) == 2 and found.run.labels[0] == "emit(n=1)" and found.run.cut == ("emit(n=1)",)
    assert find_failure(m, never, max_steps=6, max_examples=50, seed=0, allow_bound_hits=True) is None
