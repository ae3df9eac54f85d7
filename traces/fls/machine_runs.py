"""Trace properties checked on executions of the machines themselves (issue 2, item 5).

Lemma 4.2 of Fekete–Lynch–Shvartsman is a property of *traces* of VS-machine. We check it on
traces the explorer and the simulator produce, so the checker and the machine keep each other
honest: a Lemma 4.2 failure on a VS-machine trace is either a bug in the machine's encoding or a
bug in the checker. Three sources of executions:

* ``shortest``: for every reachable state, the shortest execution reaching it (BFS tree);
* ``exhaustive``: every execution of length ≤ ``depth`` (depth-first enumeration);
* ``simulated``: seeded random runs (for scopes too large to enumerate).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ioakit.engines.explore import Execution, Explorer
from ioakit.lang.automaton import Machine
from ioakit.traces.fls.checkers import VSCauseResult, check_vs_cause
from ioakit.traces.format import Event


def execution_events(ex: Execution) -> list[Event]:
    """The events of an execution in the trace format (internal actions included)."""
    return [Event(e["action"], e["kind"], e["args"]) for e in ex.events()]


def shortest_executions(m: Machine) -> Iterator[Execution]:
    """For each reachable state, the shortest execution reaching it (breadth-first tree)."""
    succ = m.compiled().successors
    parent: dict[tuple[Any, ...], tuple[tuple[Any, ...], int] | None] = dict.fromkeys(m.start_states)
    frontier = list(m.start_states)
    while frontier:
        nxt = []
        for s in frontier:
            for k, ns in succ(s):
                if ns is not None and ns not in parent:
                    parent[ns] = (s, k)
                    nxt.append(ns)
        frontier = nxt
    for s in parent:
        steps = []
        cur = s
        while parent[cur] is not None:
            prev, k = parent[cur]  # type: ignore[misc]
            steps.append((k, cur))
            cur = prev
        yield Execution(m, cur, tuple(reversed(steps)))


def all_executions(m: Machine, depth: int) -> Iterator[Execution]:
    """Every execution with at most ``depth`` steps (there are exponentially many: keep it small)."""
    succ = m.compiled().successors
    for s0 in m.start_states:
        stack: list[tuple[tuple[Any, ...], tuple[tuple[int, tuple[Any, ...]], ...]]] = [(s0, ())]
        while stack:
            s, steps = stack.pop()
            yield Execution(m, s0, steps)
            if len(steps) < depth:
                for k, ns in succ(s):
                    if ns is not None:
                        stack.append((ns, (*steps, (k, ns))))


@dataclass(frozen=True)
class RunCheck:
    """Lemma 4.2 checked on many executions of a VS machine."""

    machine: str
    scope: dict[str, int]
    source: str
    executions: int
    events: int
    failures: int
    first_failure: VSCauseResult | None
    first_failing_execution: Execution | None
    seconds: float

    @property
    def holds(self) -> bool:
        return self.failures == 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "machine": self.machine,
            "scope": self.scope,
            "source": self.source,
            "executions": self.executions,
            "events": self.events,
            "failures": self.failures,
            "seconds": round(self.seconds, 3),
        }
        if self.first_failure is not None and self.first_failing_execution is not None:
            out["first_failure"] = {
                "property": self.first_failure.failed_property,
                "event_index": self.first_failure.event_index,
                "explanation": self.first_failure.explanation,
                "execution": self.first_failing_execution.labels(),
            }
        return out


def check_lemma_4_2(
    m: Machine, source: str = "shortest", depth: int = 6, runs: int = 100, steps: int = 40, seed: int = 0
) -> RunCheck:
    """Check Lemma 4.2 (all four properties) on the traces of executions of VS/WeakVS-machine."""
    p0 = sorted(m.decl.constants["P0"])
    names = m.decl.domains["P"].names
    initial_members = [names[i] for i in p0]
    if source == "shortest":
        execs: Any = shortest_executions(m)
    elif source == "exhaustive":
        execs = all_executions(m, depth)
    elif source == "simulated":
        execs = Explorer(m).simulate(steps=steps, runs=runs, seed=seed, keep_executions=True).executions
    else:
        raise ValueError(f"unknown source {source!r}: shortest, exhaustive or simulated")
    t0 = time.perf_counter()
    n = n_events = failures = 0
    first: VSCauseResult | None = None
    first_ex: Execution | None = None
    for ex in execs:
        evs = execution_events(ex)
        r = check_vs_cause(evs, initial_members)
        n += 1
        n_events += len(evs)
        if not r.holds:
            failures += 1
            if first is None:
                first, first_ex = r, ex
    return RunCheck(m.name, m.scope.as_dict(), source, n, n_events, failures, first, first_ex, time.perf_counter() - t0)
