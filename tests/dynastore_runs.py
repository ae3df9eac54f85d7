"""Helpers of the DynaStore tests: drive a machine on the substrate past a scripted prefix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ioakit.backends.codegen import compile_predicates
from ioakit.impl.net.script import ScriptRun, enabled, run_script
from ioakit.lang.automaton import Machine
from ioakit.registry import default_properties


def drive(
    m: Machine,
    run: ScriptRun,
    until: Callable[[str], bool],
    *,
    avoid: Callable[[str], bool] = lambda label: False,
    limit: int = 5_000,
) -> ScriptRun:
    """From the end of ``run``, take the first enabled non-input step (instance order) whose label
    ``avoid`` does not reject, until one whose label satisfies ``until`` has been taken; fails if
    none comes within ``limit`` steps."""
    state, steps = run.final, list(run.steps)
    for _ in range(limit):
        options = [
            (k, ns)
            for k, ns in enabled(m, state)
            if m.actions[k].kind.value != "input" and not avoid(m.label_of(k, state))
        ]
        assert options, "no step enabled before the awaited one"
        k, ns = options[0]
        label = m.label_of(k, state)
        steps.append((k, ns))
        state = ns
        if until(label):
            return ScriptRun(m, run.start, tuple(steps))
    raise AssertionError("the awaited step did not come")


def then(m: Machine, run: ScriptRun, *steps: Any) -> ScriptRun:
    """Take the scripted ``steps`` (label prefixes or ``script`` helpers) after ``run``."""
    more = run_script(m, steps, start=run.final)
    return ScriptRun(m, run.start, run.steps + more.steps)


def labels_enabled(m: Machine, run: ScriptRun) -> list[str]:
    return [m.label_of(k, run.final) for k, _ in enabled(m, run.final)]


def failing(m: Machine, states: Sequence[Any]) -> set[str]:
    """The default properties false in some of ``states``."""
    props = default_properties(m)
    preds = compile_predicates(m, [p.term for p in props])
    return {p.name for p, f in zip(props, preds) if any(not f(s) for s in states)}
