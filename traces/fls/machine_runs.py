"""Trace properties checked on executions of the machines themselves (issue 2, item 5).

Lemma 4.2 of Fekete–Lynch–Shvartsman is a property of *traces* of VS-machine. We check it on
traces the explorer and the simulator produce, so the checker and the machine keep each other
honest: a Lemma 4.2 failure on a VS-machine trace is either a bug in the machine's encoding or a
bug in the checker. Three sources of executions:

* ``shortest``: for every reachable state, the shortest execution reaching it (BFS tree);
* ``exhaustive``: every execution of length ≤ ``depth`` (depth-first enumeration);
* ``simulated``: seeded random runs (for scopes too large to enumerate).

Steps cut off by the scope's bounds (``ioakit.engines.bounds``) are counted in a ``Cuts``
record, never dropped silently: a check that cut steps is INCOMPLETE (``RunCheck.verdict``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ioakit.engines.bounds import BoundHit, diagnose
from ioakit.engines.explore import Execution, Explorer
from ioakit.lang.automaton import Machine
from ioakit.results import Verdict
from ioakit.traces.fls.checkers import VSCauseResult, check_vs_cause
from ioakit.traces.format import Event


def execution_events(ex: Execution) -> list[Event]:
    """The events of an execution in the trace format (internal actions included)."""
    return [Event(e["action"], e["kind"], e["args"]) for e in ex.events()]


@dataclass
class Cuts:
    """Steps cut off by the scope's bounds while enumerating executions: the count and the first."""

    count: int = 0
    first: BoundHit | None = None

    def add(self, m: Machine, k: int, pre: tuple[Any, ...]) -> None:
        self.count += 1
        if self.first is None:
            self.first = diagnose(m, k, pre)


def shortest_executions(m: Machine, cuts: Cuts | None = None) -> Iterator[Execution]:
    """For each reachable state, the shortest execution reaching it (breadth-first tree); steps
    cut off by the bounds are recorded in ``cuts``."""
    cuts = cuts if cuts is not None else Cuts()
    succ = m.compiled().successors
    parent: dict[tuple[Any, ...], tuple[tuple[Any, ...], int] | None] = dict.fromkeys(m.start_states)
    frontier = list(m.start_states)
    while frontier:
        nxt = []
        for s in frontier:
            for k, ns in succ(s):
                if ns is None:
                    cuts.add(m, k, s)
                elif ns not in parent:
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


def all_executions(m: Machine, depth: int, cuts: Cuts | None = None) -> Iterator[Execution]:
    """Every execution with at most ``depth`` steps (there are exponentially many: keep it small);
    steps cut off by the bounds are recorded in ``cuts``."""
    cuts = cuts if cuts is not None else Cuts()
    succ = m.compiled().successors
    for s0 in m.start_states:
        stack: list[tuple[tuple[Any, ...], tuple[tuple[int, tuple[Any, ...]], ...]]] = [(s0, ())]
        while stack:
            s, steps = stack.pop()
            yield Execution(m, s0, steps)
            if len(steps) < depth:
                for k, ns in succ(s):
                    if ns is None:
                        cuts.add(m, k, s)
                    else:
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
    bound_hits: int = 0
    first_bound_hit: BoundHit | None = field(default=None)

    @property
    def holds(self) -> bool:
        """No trace checked violates Lemma 4.2 (read ``verdict``: steps may have been cut)."""
        return self.failures == 0

    @property
    def verdict(self) -> Verdict:
        """VIOLATED if a trace fails; INCOMPLETE if steps were cut off by the bounds; else OK."""
        if self.failures:
            return Verdict.VIOLATED
        return Verdict.INCOMPLETE if self.bound_hits else Verdict.OK

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "machine": self.machine,
            "scope": self.scope,
            "source": self.source,
            "executions": self.executions,
            "events": self.events,
            "failures": self.failures,
            "verdict": self.verdict.value,
            "bound_hits": self.bound_hits,
            "first_bound_hit": self.first_bound_hit.to_json() if self.first_bound_hit else None,
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
    cuts = Cuts()
    if source == "shortest":
        execs: Any = shortest_executions(m, cuts)
    elif source == "exhaustive":
        execs = all_executions(m, depth, cuts)
    elif source == "simulated":
        sim = Explorer(m).simulate(steps=steps, runs=runs, seed=seed, keep_executions=True)
        execs = sim.executions
        cuts = Cuts(sim.bound_hits, sim.first_bound_hit)
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
    return RunCheck(
        m.name,
        m.scope.as_dict(),
        source,
        n,
        n_events,
        failures,
        first,
        first_ex,
        time.perf_counter() - t0,
        cuts.count,
        cuts.first,
    )
