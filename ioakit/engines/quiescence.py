"""Liveness at a bounded scope, exactly, for conclusions of the form "once nothing is left to do,
every operation of a live process has completed": the finite-run reading of an "eventually"
under fair scheduling, decided over every execution of the scope.

The question. A liveness definition such as DynaStore's Dynamic Service Liveness (Aguilera,
Keidar, Malkhi, Shraer, J. ACM 58(2), 2011, Definition 3.2) speaks of infinite fair executions:
"every operation invoked by an active process eventually completes". A bounded scope has an
environment that invokes finitely many operations and crashes finitely many processes (the
scope's budgets are inputs). *Locally controlled* steps are outputs and internal steps (message
deliveries included); fairness (FLS/Lynch: a locally controlled step enabled forever is
eventually taken) lets none of them stay enabled forever.

The reading (what :func:`check_quiescence` decides). A state is **quiescent** when no locally
controlled step is enabled in it: the environment may stop there, and the execution that stops
there, followed by idle steps, is fair. Then:

1. if the reachable states have **no cycle of steps** (inputs included: the environment cannot
   act for ever either), every execution is finite up to idle steps, and every fair one ends in a
   quiescent state it never leaves (a state where a locally controlled step is enabled is not
   the end of a fair execution): the conclusions hold in every fair execution iff they hold in
   every reachable quiescent state;
2. so the verdict is OK when the search is complete, the steps form no cycle and every
   conclusion holds in every quiescent state; VIOLATED with the shortest execution to a quiescent
   state where a conclusion fails (a fair execution in which it never holds); UNKNOWN, with the
   lasso, when a cycle exists (an execution may go round it for ever: not decided here);
   INCOMPLETE when a step was cut off by the scope's bounds, ``max_states`` was reached or the
   search was interrupted — never OK.

The conclusions are state predicates (``Property``): what "completed" and "active" mean is the
model's (``specs/dynastore/monitors.py`` gives DynaStore's). Peer tools: TLC checks liveness on the
state graph's strongly connected components under fairness; this is the special case of
terminating systems, where it reduces to acyclicity and a check of the terminal states."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

from ioakit.engines.explore import Execution, Property
from ioakit.lang.automaton import Machine
from ioakit.results import Verdict


@dataclass
class QuiescenceReport:
    """What :func:`check_quiescence` found; see the module docstring for the verdicts."""

    machine: str
    scope: dict[str, int]
    verdict: Verdict
    states: int
    transitions: int
    quiescent: int
    """Reachable quiescent states (no locally controlled step enabled), where the conclusions were
    checked."""
    conclusions: tuple[str, ...]
    failed: tuple[str, ...] = ()
    """The conclusions false in the counterexample's last state."""
    counterexample: Execution | None = None
    """VIOLATED: a shortest execution to a quiescent state where a conclusion fails."""
    lasso: tuple[Execution, Execution] | None = None
    """UNKNOWN: an execution to a state, and a cycle of steps back to it."""
    reason: str | None = None
    """Why INCOMPLETE."""
    seconds: float = 0.0
    interrupted: bool = field(default=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "machine": self.machine,
            "scope": self.scope,
            "check": "liveness at quiescence (every fair execution ends in a quiescent state)",
            "verdict": self.verdict.value,
            "complete": self.verdict is not Verdict.INCOMPLETE,
            "states": self.states,
            "transitions": self.transitions,
            "quiescent_states": self.quiescent,
            "conclusions": list(self.conclusions),
            "failed": list(self.failed),
            "seconds": round(self.seconds, 3),
            "interrupted": self.interrupted,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample.to_json()
        if self.lasso is not None:
            out["lasso"] = {"stem": self.lasso[0].to_json(), "cycle": self.lasso[1].to_json()}
        return out

    def junit_suites(self) -> list[Any]:
        """One JUnit case per conclusion (``ioakit.junit``): its own verdict when decided, else the
        report's (UNKNOWN with the lasso, INCOMPLETE with the reason)."""
        from ioakit.junit import JUnitCase, JUnitSuite

        scope = _scope_text(self.scope)
        cases = []
        for name in self.conclusions:
            if self.verdict is Verdict.VIOLATED:
                v = Verdict.VIOLATED if name in self.failed else Verdict.OK
            else:
                v = self.verdict
            text = ""
            if v is Verdict.VIOLATED and self.counterexample is not None:
                text = self.counterexample.show()
            elif v is Verdict.UNKNOWN and self.lasso is not None:
                text = f"stem:\n{self.lasso[0].show()}\ncycle:\n{self.lasso[1].show()}"
            elif v is Verdict.INCOMPLETE:
                text = self.reason or ""
            message = {
                Verdict.OK: "holds in every quiescent state",
                Verdict.VIOLATED: f"fails in a quiescent state reached in {len(self.counterexample or ())} steps",
                Verdict.UNKNOWN: "a cycle of steps: not decided",
                Verdict.INCOMPLETE: self.reason or "incomplete",
            }[v]
            cases.append(
                JUnitCase(
                    name,
                    f"ioakit.liveness.{self.machine}",
                    v,
                    message,
                    text,
                    output=f"{self.machine} [{scope}]: {name} at quiescence, {self.states:,} states",
                )
            )
        return [JUnitSuite(f"liveness {self.machine}", tuple(cases), self.seconds)]

    def show(self) -> str:
        head = {
            Verdict.OK: "OK — every fair execution ends in a quiescent state, and the conclusions hold in each",
            Verdict.VIOLATED: f"VIOLATED — {', '.join(self.failed)} fails in a quiescent state",
            Verdict.UNKNOWN: "UNKNOWN — a cycle of steps: an execution may go round it for ever (not decided)",
            Verdict.INCOMPLETE: f"INCOMPLETE — {self.reason}",
        }[self.verdict]
        lines = [
            f"{self.machine}  [{_scope_text(self.scope)}]  liveness at quiescence",
            f"  verdict: {head}",
            f"  states {self.states:,} · transitions {self.transitions:,} · quiescent {self.quiescent:,} · "
            f"{self.seconds:.2f} s",
            f"  conclusions: {', '.join(self.conclusions)}",
        ]
        if self.counterexample is not None:
            lines.append(f"  a fair execution that stops with the conclusion false ({len(self.counterexample)} steps):")
            lines.append(_indent(self.counterexample.show()))
        if self.lasso is not None:
            stem, cycle = self.lasso
            lines.append(f"  stem ({len(stem)} steps):")
            lines.append(_indent(stem.show()))
            lines.append(f"  cycle ({len(cycle)} steps), back to the stem's last state:")
            lines.append(_indent(cycle.show()))
        return "\n".join(lines)


def _scope_text(scope: dict[str, int]) -> str:
    return "scope " + ",".join(f"{k}={v}" for k, v in scope.items()) if scope else "no scope parameters"


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def check_quiescence(m: Machine, conclusions: list[Property], *, max_states: int | None = None) -> QuiescenceReport:
    """Decide, over every execution of ``m`` at its scope, whether every fair execution ends in a
    quiescent state where all ``conclusions`` hold (module docstring). Ctrl-C: INCOMPLETE, with
    ``interrupted`` set."""
    from ioakit.backends.codegen import compile_predicates

    t0 = time.perf_counter()
    controlled = [inst.family.kind != "input" for inst in m.actions]
    names = tuple(c.name for c in conclusions)
    cap = max_states if max_states is not None else sys.maxsize

    index: dict[tuple[Any, ...], int] = {}
    states: list[tuple[Any, ...]] = []
    parent: list[tuple[int, int]] = []  # (parent index, instance); (-1, -1) for a start state
    edges: list[tuple[int, ...]] = []  # per state: its successors (for the cycle check)
    transitions = quiescent = 0
    bad: tuple[int, tuple[str, ...]] | None = None
    reason: str | None = None
    interrupted = False

    def report(verdict: Verdict, **kw: Any) -> QuiescenceReport:
        return QuiescenceReport(
            m.name,
            m.scope.as_dict(),
            verdict,
            len(states),
            transitions,
            quiescent,
            names,
            seconds=time.perf_counter() - t0,
            interrupted=interrupted,
            **kw,
        )

    for s0 in m.start_states:
        if s0 not in index:
            index[s0] = len(states)
            states.append(s0)
            parent.append((-1, -1))
    try:
        succ = m.compiled().successors  # code generation: seconds at large scopes, interruptible
        preds = compile_predicates(m, [c.term for c in conclusions])
        i = 0
        while i < len(states):  # breadth-first: the first failing quiescent state is a nearest one
            s = states[i]
            out: list[int] = []
            any_lc = False  # a locally controlled step is enabled: not quiescent
            for k, t in succ(s):
                if t is None:
                    reason = f"a step of {m.actions[k].label} was cut off by the scope's bounds"
                    raise _Stop
                transitions += 1
                j = index.get(t)
                if j is None:
                    if len(states) >= cap:
                        reason = f"max-states {cap} reached"
                        raise _Stop
                    j = index[t] = len(states)
                    states.append(t)
                    parent.append((i, k))
                any_lc = any_lc or controlled[k]
                out.append(j)
            edges.append(tuple(out))
            if not any_lc:
                quiescent += 1
                failed = tuple(n for n, f in zip(names, preds, strict=True) if not f(s))
                if failed and bad is None:
                    bad = (i, failed)
            i += 1
    except _Stop:
        return report(Verdict.INCOMPLETE, reason=reason)
    except KeyboardInterrupt:
        interrupted = True
        return report(Verdict.INCOMPLETE, reason="interrupted (Ctrl-C)")

    def path(j: int, stop: int = -1) -> Execution:
        steps: list[tuple[int, tuple[Any, ...]]] = []
        while parent[j][0] != -1 and j != stop:
            p, k = parent[j]
            steps.append((k, states[j]))
            j = p
        return Execution(m, states[j], tuple(reversed(steps)))

    if bad is not None:
        return report(Verdict.VIOLATED, failed=bad[1], counterexample=path(bad[0]))
    cycle = _find_cycle(edges)
    if cycle is not None:
        stem = path(cycle[0])
        steps = []
        for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
            k = next(k for k, t in succ(states[a]) if t is not None and index[t] == b)
            steps.append((k, states[b]))
        return report(Verdict.UNKNOWN, lasso=(stem, Execution(m, states[cycle[0]], tuple(steps))))
    return report(Verdict.OK)


class _Stop(Exception):
    pass


def _find_cycle(edges: list[tuple[int, ...]]) -> list[int] | None:
    """A cycle of the graph (state indices, in order), or None: iterative depth-first search with
    three colours (0 unvisited, 1 on the stack, 2 done)."""
    colour = bytearray(len(edges))
    for root in range(len(edges)):
        if colour[root]:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        colour[root] = 1
        while stack:
            v, e = stack[-1]
            if e < len(edges[v]):
                stack[-1] = (v, e + 1)
                w = edges[v][e]
                if colour[w] == 1:  # back edge: the cycle is the stack from w to v
                    on = [x for x, _ in stack]
                    return on[on.index(w) :]
                if colour[w] == 0:
                    colour[w] = 1
                    stack.append((w, 0))
            else:
                colour[v] = 2
                stack.pop()
    return None
