"""The concrete meaning of step properties: compiled checks of (pre-state, action, post-state).

A ``StepProperty`` (``ioakit.lang.steps``) holds one term per action instance over the two-state
vocabulary; here each term that is not the constant ``true`` becomes a generated predicate on the
tuple ``pre + post`` (``step_state``), the same code ``compile_predicates`` makes for state
properties. ``StepChecks.broken`` judges one step; ``StepChecks.scan`` judges every step out of a
collection of states, in order, keeping for each property the first violating step — from the
explorer's breadth-first ``seen`` map, that is a step out of a state at minimal depth, so the
execution reaching its pre-state plus the step is a shortest violating execution.

The exploration's hot loop (the generated ``layer``) is left alone: the steps are recomputed by
``successors`` in a separate pass over the reached states, and only for instances some open
property concerns (``steps[k]`` each) when those are few.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ioakit.backends.codegen import OUT_OF_BOUNDS, compile_predicates
from ioakit.lang.automaton import Machine
from ioakit.lang.steps import StepProperty

State = tuple[Any, ...]
StepHit = tuple[State, int, State]
"""``(pre, k, post)``: a step of action instance ``k``."""

FEW_INSTANCES = 0.25
"""When the open properties concern at most this fraction of the instances, ``scan`` runs those
instances' own ``steps[k]`` instead of every instance through ``successors``."""


class StepChecks:
    """Compiled step properties of one machine, indexed by action instance.

    ``first_hit[j]`` is the first violating step of property ``j`` met by ``scan`` (None while
    none was); ``steps_checked`` counts the steps ``scan`` judged."""

    def __init__(self, m: Machine, props: Sequence[StepProperty]) -> None:
        for p in props:
            p.check_machine(m)
        self.m = m
        self.props = list(props)
        pairs = [(j, k) for j, p in enumerate(self.props) for k in p.concerned()]
        fns = compile_predicates(m, [self.props[j].terms[k] for j, k in pairs]) if pairs else []
        self.by_action: list[list[tuple[int, Callable[[State], bool]]]] = [[] for _ in m.actions]
        for (j, k), f in zip(pairs, fns):
            self.by_action[k].append((j, f))
        self.first_hit: list[StepHit | None] = [None] * len(self.props)
        self.steps_checked = 0

    def broken(self, k: int, pre: State, post: State) -> list[int]:
        """Indices of the properties that the step ``pre --k--> post`` violates."""
        checks = self.by_action[k]
        if not checks:
            return []
        st = (*pre, *post)
        return [j for j, f in checks if not f(st)]

    def holds(self, j: int, k: int, pre: State, post: State) -> bool:
        """Whether property ``j`` holds on the step ``pre --k--> post``."""
        return j not in self.broken(k, pre, post)

    def open(self) -> list[int]:
        """The properties with no violating step found yet."""
        return [j for j, h in enumerate(self.first_hit) if h is None]

    def scan(self, states: Iterable[State]) -> None:
        """Judge every step (within the scope's bounds) out of each of ``states``, in order, and
        record each property's first violating step; stop once every property has one.

        Steps cut off by the scope's bounds are not steps and are not judged (the exploration
        counts them and reports INCOMPLETE). Interrupting (Ctrl-C) leaves ``first_hit`` as far as
        it got: each hit recorded is still the first in the order of ``states``."""
        open_ = self.open()
        if not open_:
            return
        wanted = set(open_)
        concerned = [k for k, checks in enumerate(self.by_action) if any(j in wanted for j, _ in checks)]
        compiled = self.m.compiled()
        if not concerned:
            return
        if len(concerned) <= FEW_INSTANCES * len(self.m.actions):
            steps = compiled.steps
            fns = [(k, steps[k]) for k in concerned]

            def successors(s: State) -> Iterable[tuple[int, State | None]]:
                for k, f in fns:
                    out = f(s)
                    if out is not None:
                        yield k, (None if out is OUT_OF_BOUNDS else out)

        else:
            successors = compiled.successors  # type: ignore[assignment]
        by_action = self.by_action
        first = self.first_hit
        left = len(open_)
        n = 0
        try:
            for pre in states:
                for k, post in successors(pre):
                    checks = by_action[k]
                    if post is None or not checks:
                        continue
                    n += 1
                    st = (*pre, *post)
                    for j, f in checks:
                        if first[j] is None and not f(st):
                            first[j] = (pre, k, post)
                            left -= 1
                if left == 0:
                    return
        finally:
            self.steps_checked += n
