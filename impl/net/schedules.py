"""Schedules: runs of a machine named by lists of integers, searched and shrunk with Hypothesis.

A *schedule* is a list of ints; :func:`run_schedule` replays it deterministically: from the
machine's first start state, choice i picks the (choice mod n)-th of the n enabled steps (instance
order; steps the scope's bounds cut off are not taken, but recorded in ``ScriptRun.cut`` and
reported by :func:`find_failure`), and the run ends when the choices run out,
after ``max_steps``, or at a state with no enabled step. Every list of ints is a run, so
Hypothesis can generate schedules (:func:`schedules`) and shrink a failing one — shorter lists,
smaller ints — to a short run that still fails. That is :func:`find_failure`: a check (a function
of the run that returns a failure message, or ``None``) is searched for a failing schedule, which
comes back shrunk, with the run and a :func:`reproducer` text that replays it.

Checks for the common cases: :func:`property_check` (an explorer ``Property`` false in some state
of the run) and :func:`history_check` (a history checker of ``traces/paxos/histories.py`` that
says VIOLATED on the run's history).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from ioakit.backends.codegen import compile_predicates
from ioakit.engines.explore import Property
from ioakit.lang.automaton import Machine
from ioakit.results import Verdict

from .script import ScriptRun, cut_off, enabled

Check = Callable[[ScriptRun], str | None]
"""A check of a run: a message saying how it fails, or ``None`` when it passes."""

MAX_CHOICE = 255
"""Choices are drawn from 0..MAX_CHOICE (they are taken modulo the number of enabled steps)."""


def run_schedule(machine: Machine, choices: Sequence[int], max_steps: int | None = None) -> ScriptRun:
    """The run of ``choices`` (module docstring): deterministic, at most ``max_steps`` steps."""
    state = machine.start_states[0]
    start = state
    steps = []
    cut: list[str] = []
    limit = len(choices) if max_steps is None else min(len(choices), max_steps)
    for c in choices[:limit]:
        cut += cut_off(machine, state)
        options = enabled(machine, state)
        if not options:
            break
        k, state = options[c % len(options)]
        steps.append((k, state))
    return ScriptRun(machine, start, tuple(steps), tuple(dict.fromkeys(cut)))


def schedules(max_steps: int) -> st.SearchStrategy[list[int]]:
    """Hypothesis schedules of at most ``max_steps`` choices in 0..MAX_CHOICE. The length is drawn
    first (lists drawn directly are mostly a few elements long: runs too short to reach a second
    operation); shrinking then shortens the length and lowers the choices."""
    return st.integers(0, max_steps).flatmap(lambda n: st.lists(st.integers(0, MAX_CHOICE), min_size=n, max_size=n))


def property_check(machine: Machine, prop: Property) -> Check:
    """Fails when ``prop`` is false in some state of the run (the first such state is named)."""
    (pred,) = compile_predicates(machine, [prop.term])

    def check(run: ScriptRun) -> str | None:
        for i, s in enumerate(run.states):
            if not pred(s):
                return f"{prop.name} is false after step {i}"
        return None

    return check


def history_check(checker: Callable[..., Any], **kwargs: Any) -> Check:
    """Fails when ``checker(run.history, **kwargs)`` (a checker of ``traces/paxos/histories.py``)
    says VIOLATED; the message names the property and the checker's explanation."""

    def check(run: ScriptRun) -> str | None:
        result = checker(run.history, **kwargs)
        if result.verdict is Verdict.VIOLATED:
            return f"{result.failed_property}: {result.explanation}"
        return None

    return check


@dataclass(frozen=True)
class Failure:
    """A failing schedule found by :func:`find_failure`, shrunk, with its run and message."""

    machine: Machine = field(repr=False)
    choices: tuple[int, ...]
    max_steps: int
    seed: int
    run: ScriptRun = field(repr=False)
    message: str

    def reproducer(self) -> str:
        return reproducer(
            self.machine, self.choices, self.max_steps, seed=self.seed, run=self.run, message=self.message
        )


def find_failure(
    machine: Machine,
    check: Check,
    *,
    max_steps: int,
    max_examples: int = 500,
    seed: int = 0,
    allow_bound_hits: bool = False,
) -> Failure | None:
    """Search schedules of at most ``max_steps`` choices for a run that fails ``check``, with
    Hypothesis seeded by ``seed`` (no example database: the same call finds the same schedule);
    return the shrunk failing schedule, or ``None`` when ``max_examples`` schedules all passed (a
    sample, not a proof). A run that meets a step cut off by the scope's bounds fails too (its
    message says so), unless ``allow_bound_hits``."""

    def verdict(run: ScriptRun) -> str | None:
        # a step cut off by the scope's bounds is reported, never skipped in silence
        if run.cut and not allow_bound_hits:
            return f"a step was cut off by the scope's bounds: {run.cut[0]} (raise the bound, or allow_bound_hits=True)"
        return check(run)

    def fails(choices: list[int]) -> bool:
        return verdict(run_schedule(machine, choices, max_steps)) is not None

    conf = settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    try:
        choices = find(schedules(max_steps), fails, settings=conf, random=random.Random(seed))
    except NoSuchExample:
        return None
    run = run_schedule(machine, choices, max_steps)
    message = verdict(run)
    assert message is not None  # the schedule is deterministic
    return Failure(machine, tuple(_trim(choices, run)), max_steps, seed, run, message)


def _trim(choices: Sequence[int], run: ScriptRun) -> list[int]:
    """The choices the run used (a deadlock ends a run before its choices do)."""
    return list(choices[: len(run)])


def reproducer(
    machine: Machine,
    choices: Sequence[int],
    max_steps: int,
    *,
    seed: int | None = None,
    run: ScriptRun | None = None,
    message: str = "",
) -> str:
    """Python text that rebuilds the machine and replays the schedule, with the seed it was found
    with, the failure, and the steps' labels as comments."""
    run = run_schedule(machine, choices, max_steps) if run is None else run
    scope = machine.scope.as_dict()
    lines = [f"# found by find_failure(seed={seed}); {len(run)} steps" if seed is not None else f"# {len(run)} steps"]
    if message:
        lines.append(f"# fails: {message}")
    lines += [f"#  {i:>3}. [{c}] {label}" for i, (c, label) in enumerate(zip(choices, run.labels), 1)]
    lines += [
        "import ioakit.specs.paxos  # noqa: F401",
        "from ioakit.impl.net.schedules import run_schedule",
        "from ioakit.registry import get_spec",
        f"machine = get_spec({machine.name!r}).build({scope!r})",
        f"run = run_schedule(machine, {list(choices)!r}, max_steps={max_steps})",
    ]
    return "\n".join(lines)
