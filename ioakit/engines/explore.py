"""Explicit-state checking: breadth-first reachability and seeded random simulation.

The explorer is built fluently and returns an immutable report (after Stateright)::

    report = Explorer(machine).check(lemma_4_1).max_states(1_000_000).run()
    report.verdict            # Verdict.OK / VIOLATED / INCOMPLETE
    report.states             # exact number of reachable states when complete
    report.assert_ok()        # fails on VIOLATED *and* on INCOMPLETE

Breadth-first order makes the first violating state of each property one at minimal depth,
so its counterexample is a shortest execution. Properties are checked on every state;
a property also records whether some state *witnessed* it non-vacuously (used by the invariant
DSL's vacuity report). Steps that would leave the scope's bounds are not taken but counted.
"""

from __future__ import annotations

import itertools
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ioakit.backends.codegen import compile_predicates, compile_scan
from ioakit.engines.bounds import BoundHit, cut_reason, diagnose, find_and_diagnose
from ioakit.engines.steps import StepChecks
from ioakit.engines.store import STORES, make_store
from ioakit.lang.automaton import Machine
from ioakit.lang.ir import Term
from ioakit.lang.steps import StepProperty
from ioakit.measure import default_memory_limit_bytes, rss_bytes
from ioakit.results import Verdict


@dataclass(frozen=True)
class Property:
    """A named state predicate to check on every explored state.

    ``witnesses`` are ``(description, predicate)`` pairs; a witness that is true in no explored
    state marks the property as (partly) *vacuous*: e.g. the premise of an implication that never
    holds, or a quantifier over a set that is empty in every state.
    """

    name: str
    term: Term
    reference: str = ""
    description: str = ""
    witnesses: tuple[tuple[str, Term], ...] = ()
    statement: str = ""
    """The property as its author wrote it (an invariant file's formula), for messages and
    pictures; empty for a Python predicate."""


def properties_from(machine: Machine, defs: Iterable[tuple[str, str, Callable[..., Any]]]) -> list[Property]:
    """Trace ``(name, reference, python_predicate)`` triples into ``Property`` objects."""
    return [Property(n, machine.predicate(fn), ref, (fn.__doc__ or "").strip()) for n, ref, fn in defs]


@dataclass(frozen=True)
class Execution:
    """A finite execution: a start state and the (action instance index, state) steps after it."""

    machine: Machine = field(repr=False)
    start: tuple[Any, ...]
    steps: tuple[tuple[int, tuple[Any, ...]], ...]

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def final(self) -> tuple[Any, ...]:
        return self.steps[-1][1] if self.steps else self.start

    def pre_states(self) -> list[tuple[Any, ...]]:
        """The state before each step."""
        return [self.start, *(st for _, st in self.steps[:-1])]

    def labels(self) -> list[str]:
        m = self.machine
        return [m.label_of(k, pre) for (k, _), pre in zip(self.steps, self.pre_states())]

    def events(self, with_states: bool = False) -> list[dict[str, Any]]:
        """One dict per step in the trace-format shape (``traces/FORMAT.md``); arguments taken
        from the state are read off the state before the step."""
        out = []
        m = self.machine
        for (k, st), pre in zip(self.steps, self.pre_states()):
            a = m.actions[k]
            ev: dict[str, Any] = {"action": a.name, "kind": a.kind.value, "args": m.args_json_of(k, pre)}
            if a.family.location is not None:
                ev["at"] = ev["args"][a.family.location]
            if with_states:
                ev["state"] = m.state_json(st)
            out.append(ev)
        return out

    def external_events(self) -> list[dict[str, Any]]:
        return [e for e in self.events() if e["kind"] != "internal"]

    def to_json(self) -> dict[str, Any]:
        """``{"start": state, "steps": [...]}``; each step is its trace-format event (``action`` is
        the family name as in ``traces/FORMAT.md``, with ``kind``, ``args`` and the ``state``
        after the step) plus ``label``, the full instance label (``brcv(a=a1,p=p1,q=p2)``)
        that ``show()`` prints. The events are built once: linear in the length of the execution."""
        m = self.machine
        events = self.events(with_states=True)
        return {
            "start": m.state_json(self.start),
            "steps": [
                {"action": ev["action"], "label": label, **ev} for label, ev in zip(self.labels(), events, strict=True)
            ],
        }

    def show(self, diff: bool = True) -> str:
        """Readable text: the start state, then each action and the variables it changed."""
        m = self.machine
        lines = ["  start: " + ", ".join(f"{k} = {v}" for k, v in m.show_state(self.start).items())]
        prev = self.start
        for i, (k, st) in enumerate(self.steps, 1):
            changed = {
                n: t.show(v)
                for (n, t), v, w in zip(m.variables, st, prev)
                if (v != w or not diff) and n not in m.hidden_vars
            }
            lines.append(f"  {i:>3}. {m.label_of(k, prev)}")
            if changed:
                lines.append("       " + ", ".join(f"{n} := {v}" for n, v in changed.items()))
            prev = st
        return "\n".join(lines)


@dataclass(frozen=True)
class PropertyResult:
    name: str
    reference: str
    verdict: Verdict
    counterexample: Execution | None = None
    vacuous: tuple[str, ...] = ()
    """Descriptions of the property's witnesses that were true in no explored state."""
    step: bool = False
    """A step property (``Explorer.check_steps``): the counterexample *ends in* the violating step."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "reference": self.reference, "verdict": self.verdict.value}
        if self.step:
            out["step"] = True
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample.to_json()
            out["counterexample_length"] = len(self.counterexample)
        out["vacuous"] = list(self.vacuous)
        return out


@dataclass(frozen=True)
class ExploreReport:
    """Immutable result of an exhaustive exploration (an ``ioakit.results.Report``).

    ``complete`` is true only when every enabled step from every reachable state was taken: a
    state or depth limit, Ctrl-C (``interrupted``) or a step cut off by the scope's bounds
    (``bound_hits``, the first named by ``first_bound_hit``) makes it false. ``verdict`` is OK only
    for a complete exploration, or one whose only gap is cut steps the caller accepted
    (``bound_hits_allowed``); VIOLATED whenever a violation was found (violations are real and
    shortest even in an incomplete exploration); INCOMPLETE otherwise.
    """

    machine: str
    scope: dict[str, int]
    verdict: Verdict
    states: int
    transitions: int
    depth: int
    seconds: float
    complete: bool
    reason: str | None
    results: tuple[PropertyResult, ...]
    bound_hits: int
    first_bound_hit: BoundHit | None
    deadlocks: int
    bound_hits_allowed: bool = False
    """The caller accepted cut steps (``allow_bound_hits``): the verdict is about the bounded
    machine; ``complete`` stays false all the same, since not every enabled step was taken."""
    interrupted: bool = False
    store: str = "exact"
    """The seen-set the search used (``Explorer.store``)."""
    collision_bound: float | None = None
    """With the fingerprint store: the birthday bound on the probability that two reached states
    shared a fingerprint (``ioakit.engines.fingerprints.collision_bound``, and what it assumes); a
    verdict of OK holds up to such a collision. None with an exact store (exact, compact)."""

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else float("inf")

    def result(self, name: str) -> PropertyResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def assert_ok(self) -> None:
        """Fail unless every property holds on a *complete* exploration (or one whose only gap is
        steps cut off by the scope's bounds, when the caller accepted them)."""
        if self.verdict is Verdict.VIOLATED:
            bad = [r for r in self.results if r.verdict is Verdict.VIOLATED]
            raise AssertionError(
                f"{self.machine}: {', '.join(r.name for r in bad)} violated:\n"
                + "\n".join(r.counterexample.show() for r in bad if r.counterexample)
            )
        if self.verdict is not Verdict.OK:
            raise AssertionError(f"{self.machine}: model checking is incomplete ({self.reason})")

    def show(self) -> str:
        """Human-readable summary (``format_explore``)."""
        return format_explore(self)

    def to_json(self) -> dict[str, Any]:
        from ioakit.backends.symbolic import z3_version

        return {
            "machine": self.machine,
            "scope": self.scope,
            "mode": "exhaustive",
            "verdict": self.verdict.value,
            "complete": self.complete,
            "reason": self.reason,
            "states": self.states,
            "transitions": self.transitions,
            "depth": self.depth,
            "seconds": round(self.seconds, 4),
            "states_per_second": round(self.states_per_second, 1),
            "deadlocks": self.deadlocks,
            "bound_hits": self.bound_hits,
            "bound_hits_allowed": self.bound_hits_allowed,
            "first_bound_hit": self.first_bound_hit.to_json() if self.first_bound_hit else None,
            "interrupted": self.interrupted,
            "store": self.store,
            "fingerprint_collision_bound": self.collision_bound,
            "z3_version": z3_version(),
            "invariants": [r.to_json() for r in self.results],
        }


@dataclass(frozen=True)
class SimulationReport:
    """Result of seeded random simulation; never a proof (``exhaustive`` is false).

    ``runs`` counts the runs completed (fewer than ``runs_requested`` when ``interrupted``);
    ``bound_hits`` the enabled steps a run could not take because they leave the scope's bounds
    (the verdict is then INCOMPLETE unless ``bound_hits_allowed``)."""

    machine: str
    scope: dict[str, int]
    verdict: Verdict
    runs: int
    steps: int
    distinct_states: int
    seed: int
    seconds: float
    results: tuple[PropertyResult, ...]
    executions: tuple[Execution, ...] = field(default=(), repr=False)
    runs_requested: int = 0
    interrupted: bool = False
    bound_hits: int = 0
    first_bound_hit: BoundHit | None = None
    bound_hits_allowed: bool = False

    @property
    def reason(self) -> str | None:
        """Why the simulation is not the full sample asked for (None when it is)."""
        parts = []
        if self.interrupted:
            parts.append(f"interrupted (Ctrl-C) after {self.runs} of {self.runs_requested} runs")
        if self.bound_hits:
            parts.append(cut_reason(self.bound_hits, self.first_bound_hit, self.bound_hits_allowed))
        return "; ".join(parts) or None

    def show(self) -> str:
        """Human-readable summary (``format_simulation``)."""
        return format_simulation(self)

    def to_json(self) -> dict[str, Any]:
        from ioakit.backends.symbolic import z3_version

        return {
            "machine": self.machine,
            "scope": self.scope,
            "mode": "simulation",
            "exhaustive": False,
            "verdict": self.verdict.value,
            "complete": not self.interrupted and not self.bound_hits,
            "reason": self.reason,
            "interrupted": self.interrupted,
            "runs": self.runs,
            "runs_requested": self.runs_requested,
            "steps": self.steps,
            "distinct_states": self.distinct_states,
            "bound_hits": self.bound_hits,
            "bound_hits_allowed": self.bound_hits_allowed,
            "first_bound_hit": self.first_bound_hit.to_json() if self.first_bound_hit else None,
            "seed": self.seed,
            "seconds": round(self.seconds, 4),
            "z3_version": z3_version(),
            "invariants": [r.to_json() for r in self.results],
        }


def _fmt_verdict(v: Verdict) -> str:
    return {"OK": "holds", "VIOLATED": "VIOLATED", "INCOMPLETE": "incomplete", "UNKNOWN": "unknown"}[v.value]


def format_explore(r: ExploreReport) -> str:
    """Human-readable summary of an exhaustive exploration."""
    scope = ",".join(f"{k}={v}" for k, v in r.scope.items())
    lines = [f"{r.machine}  [scope {scope}]"]
    n_ok = sum(x.verdict is Verdict.OK for x in r.results)
    if r.verdict is Verdict.OK and not r.results:
        lines.append("  verdict: OK — every reachable state explored (exhaustive); no invariants checked")
    elif r.verdict is Verdict.OK:
        n = len(r.results)
        what = "the invariant holds" if n == 1 else f"all {n} invariants hold"
        where = "state of the bounded machine" if r.bound_hits else "state (exhaustive)"
        lines.append(f"  verdict: OK — {what} in every reachable {where}")
    elif r.verdict is Verdict.VIOLATED:
        lines.append(f"  verdict: VIOLATED — {len(r.results) - n_ok} of {len(r.results)} invariants violated")
    else:
        lines.append(f"  verdict: INCOMPLETE — {r.reason}; nothing is claimed beyond the states explored")
    lines.append(
        f"  states {r.states:,} · transitions {r.transitions:,} · depth {r.depth} · {r.seconds:.2f} s · "
        f"{r.states_per_second:,.0f} states/s · deadlocks {r.deadlocks:,}"
    )
    if r.bound_hits and r.bound_hits_allowed:
        lines.append(f"  BOUND HITS ACCEPTED (--allow-bound-hits): {r.reason}")
    if r.collision_bound is not None:
        lines.append(fingerprint_note(r.collision_bound, r.verdict))
    width = max((len(x.name) for x in r.results), default=0)
    for x in r.results:
        line = f"  {x.name:<{width}}  {x.reference:<16} {_fmt_verdict(x.verdict)}"
        if x.vacuous:
            line += f"  (vacuous: {'; '.join(x.vacuous)})"
        lines.append(line)
        if x.counterexample is not None:
            what = "ending in a violating step" if x.step else "reaching a violating state"
            lines.append(f"    shortest execution {what} ({len(x.counterexample)} steps):")
            lines.append("\n".join("  " + ln for ln in x.counterexample.show().splitlines()))
    return "\n".join(lines)


def fingerprint_note(bound: float, verdict: Verdict) -> str:
    """The report's line for a search over fingerprints (``--store fingerprint``)."""
    what = "OK up to fingerprint collisions" if verdict is Verdict.OK else "states counted up to fingerprint collisions"
    return (
        f"  store: 64-bit fingerprints — {what}, probability ≤ {bound:.1e} "
        "(birthday bound, assuming Python's hash of distinct states behaves as a random 64-bit value)"
    )


def format_simulation(r: SimulationReport) -> str:
    scope = ",".join(f"{k}={v}" for k, v in r.scope.items())
    lines = [f"{r.machine}  [scope {scope}]  simulation, seed {r.seed}"]
    if r.verdict is Verdict.VIOLATED:
        lines.append("  verdict: VIOLATED" + (f" (and {r.reason})" if r.reason else ""))
    elif r.verdict is Verdict.INCOMPLETE:
        lines.append(f"  verdict: INCOMPLETE — {r.reason}; no violation in the {r.runs} completed runs")
    else:
        lines.append(
            f"  verdict: OK — no violation in {r.runs} random runs (a sample, not a proof: use `ioakit explore`)"
        )
        if r.bound_hits:
            lines.append(f"  BOUND HITS ACCEPTED (--allow-bound-hits): {r.reason}")
    lines.append(f"  runs {r.runs} · steps {r.steps:,} · distinct states {r.distinct_states:,} · {r.seconds:.2f} s")
    for x in r.results:
        lines.append(f"  {x.name}  {x.reference}  {'VIOLATED' if x.verdict is Verdict.VIOLATED else 'no violation'}")
        if x.counterexample is not None:
            lines.append(f"    shortest violating run prefix found ({len(x.counterexample)} steps):")
            lines.append("\n".join("  " + ln for ln in x.counterexample.show().splitlines()))
    return "\n".join(lines)


class Explorer:
    """Builder for explorations of one machine. Methods return ``self`` for chaining."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self._props: list[Property] = []
        self._steps: list[StepProperty] = []
        self._max_states: int | None = None
        self._max_memory: int | None = default_memory_limit_bytes()
        self._max_depth: int | None = None
        self._stop_on_violation = False
        self._allow_bound_hits = False
        self._progress: Callable[[int, int, float], None] | None = None
        self._store = "exact"

    def check(self, props: Iterable[Property]) -> Explorer:
        self._props.extend(props)
        return self

    def check_steps(self, props: Iterable[StepProperty]) -> Explorer:
        """Also check step properties (``ioakit.lang.steps``) on every step taken: by ``run`` in a
        pass over the reached states after the search (a violation's counterexample is a shortest
        execution ending in the violating step), by ``simulate`` on each step of each run."""
        self._steps.extend(props)
        return self

    def max_memory(self, megabytes: int | None) -> Explorer:
        """Stop with INCOMPLETE once the process's resident memory exceeds ``megabytes``
        (default: ``ioakit.measure.MEMORY_SHARE`` of the machine's memory), so that a scope too
        large for the machine ends in a report, not in the kernel's out-of-memory kill. ``None``
        keeps the default."""
        if megabytes is not None:
            self._max_memory = megabytes * 1_000_000
        return self

    def store(self, kind: str) -> Explorer:
        """The seen-set (``ioakit.engines.store``): ``"exact"`` (the default: every reached state
        kept), ``"compact"`` (exact: each state's variables numbered and packed into a 64-bit key;
        ``CompactOverflowError`` when they need more bits) or ``"fingerprint"`` (64-bit
        fingerprints, and a verdict that holds up to fingerprint collisions, whose probability the
        report bounds). The last two keep 16-28 bytes a state instead of the state, and judge step
        properties level by level during the search."""
        if kind not in STORES:
            raise ValueError(f"unknown store {kind!r}: one of {', '.join(STORES)}")
        self._store = kind
        return self

    def max_states(self, n: int | None) -> Explorer:
        self._max_states = n
        return self

    def max_depth(self, d: int | None) -> Explorer:
        self._max_depth = d
        return self

    def allow_bound_hits(self, flag: bool = True) -> Explorer:
        """Accept steps cut off by the scope's bounds: without this, an exploration or simulation
        that cut any is INCOMPLETE (``ioakit.engines.bounds``); with it, the verdict is about the
        bounded machine and the report says so."""
        self._allow_bound_hits = flag
        return self

    def stop_on_violation(self, flag: bool = True) -> Explorer:
        self._stop_on_violation = flag
        return self

    def progress(self, fn: Callable[[int, int, float], None] | None) -> Explorer:
        """``fn(states, depth, seconds)`` is called after the first chunk of states and then every
        ``PROGRESS_INTERVAL`` seconds (``ioakit.progress`` throttles what it draws)."""
        self._progress = fn
        return self

    # -- exhaustive breadth-first search --------------------------------------------------------
    def run(self) -> ExploreReport:
        m = self.machine
        compiled = m.compiled()
        layer = compiled.layer
        succ = compiled.successors
        props = self._props
        checks = _Checks(m, [p.term for p in props], find=False)
        witness_of = [(i, d) for i, p in enumerate(props) for d, _ in p.witnesses]
        witnesses = _Checks(m, [t for p in props for _, t in p.witnesses], find=True)

        # the seen-set (``ioakit.engines.store``): every reached state, or its fingerprint, with
        # its breadth-first parent; the order of insertion is the breadth-first order
        seen = make_store(self._store, m.variables)
        cap = self._max_states if self._max_states is not None else sys.maxsize
        frontier, capped = seen.add_starts(m.start_states, cap)
        step_checks = StepChecks(m, self._steps)
        # a store that keeps no states has step properties judged level by level, on each frontier
        # before it is expanded (the same breadth-first order as the pass after the search)
        steps_during = bool(self._steps) and not seen.keeps_states
        scanned: list[tuple[Any, ...]] | None = None
        transitions = bound_hits = deadlocks = 0
        first_bound_hit: BoundHit | None = None
        complete, reason = True, None
        interrupted = False
        depth = 0
        t0 = time.perf_counter()
        next_tick = t0
        new: list[tuple[Any, ...]] = []
        checked = 0
        try:
            if capped:
                raise _Stop(f"max-states {cap} reached")
            checks.scan(frontier, 0)
            witnesses.scan(frontier, 0)
            while frontier:
                if self._max_depth is not None and depth >= self._max_depth:
                    complete, reason = False, f"max-depth {self._max_depth} reached"
                    break
                if self._stop_on_violation and checks.any_violated():
                    complete, reason = False, "stopped at the first violation"
                    break
                if steps_during:
                    step_checks.scan(frontier)
                    scanned = frontier
                new, checked = [], 0
                for c in range(0, len(frontier), _CHUNK):
                    nt, nb, nd, fb, capped = seen.expand(layer, frontier[c : c + _CHUNK], new, cap)
                    transitions += nt
                    bound_hits += nb
                    deadlocks += nd
                    if fb >= 0 and first_bound_hit is None:
                        first_bound_hit = find_and_diagnose(m, fb, frontier[c : c + _CHUNK])
                    if capped:  # exactly the first ``cap`` states found are kept
                        raise _Stop(f"max-states {cap} reached")
                    if not seen.keeps_states:  # an expanded state is needed no more: free it now
                        frontier[c : c + _CHUNK] = itertools.repeat(None, min(_CHUNK, len(frontier) - c))
                    if self._max_memory is not None and (rss_bytes() or 0) > self._max_memory:
                        raise _Stop(
                            f"memory limit of {self._max_memory / 1e6:,.0f} MB reached at {len(seen):,} states "
                            "(raise it with --max-memory MB, or narrow the scope)"
                        )
                    checks.scan(new, checked)
                    witnesses.scan(new, checked)
                    checked = len(new)
                    if self._progress is not None and time.perf_counter() >= next_tick:
                        self._progress(len(seen), depth, time.perf_counter() - t0)
                        next_tick = time.perf_counter() + PROGRESS_INTERVAL
                if new:
                    depth += 1
                frontier = new
        except _Stop as e:
            complete, reason = False, str(e)
        except KeyboardInterrupt:
            complete, reason, interrupted = False, "interrupted (Ctrl-C)", True
        if not complete and checked < len(new):  # the states of the interrupted chunk
            checks.scan(new, checked)
            witnesses.scan(new, checked)
            if reason is not None and not reason.startswith("max-depth"):
                depth += 1
        steps_judged = not interrupted  # every step out of every reached state judged
        if self._steps and not interrupted:
            # every step out of every reached state (breadth-first order: first hits are shortest);
            # Ctrl-C here leaves the search complete but the step properties undecided
            try:
                if not steps_during:
                    step_checks.scan(seen.states())
                else:  # the reached states that were never a frontier: the search stopped before
                    if frontier is not scanned:
                        step_checks.scan(frontier)
                    if new is not frontier:
                        step_checks.scan(new)
            except KeyboardInterrupt:
                steps_judged, interrupted = False, True
                why = "interrupted (Ctrl-C) while checking step properties"
                reason = why if reason is None else f"{reason}; {why}"
        seconds = time.perf_counter() - t0
        # steps cut off by the bounds: not every enabled step was taken, so the exploration is not
        # complete; it is still *judged* complete (OK possible) when the caller accepted the cuts
        judged_complete = complete
        if bound_hits:
            cut = cut_reason(bound_hits, first_bound_hit, self._allow_bound_hits)
            reason = cut if reason is None else f"{reason}; {cut}"
            complete = False
            judged_complete = judged_complete and self._allow_bound_hits

        def path(t: tuple[Any, ...]) -> Execution:
            start, steps = seen.path(t, succ)
            return Execution(m, start, tuple(steps))

        results = []
        for j, p in enumerate(props):
            bad = checks.first_hit[j]
            if bad is not None:
                v, cex = Verdict.VIOLATED, path(bad)
            else:
                v, cex = (Verdict.OK if judged_complete else Verdict.INCOMPLETE), None
            vac = tuple(d for w, (i, d) in enumerate(witness_of) if i == j and witnesses.first_hit[w] is None)
            results.append(PropertyResult(p.name, p.reference, v, cex, vac))
        for sp, hit in zip(self._steps, step_checks.first_hit):
            if hit is not None:
                pre, k, post = hit
                reach = path(pre)
                v, cex = Verdict.VIOLATED, Execution(m, reach.start, (*reach.steps, (k, post)))
            else:
                v, cex = (Verdict.OK if judged_complete and steps_judged else Verdict.INCOMPLETE), None
            results.append(PropertyResult(sp.name, sp.reference, v, cex, step=True))
        if any(r.verdict is Verdict.VIOLATED for r in results):
            verdict = Verdict.VIOLATED
        else:
            verdict = Verdict.OK if judged_complete and steps_judged else Verdict.INCOMPLETE
        return ExploreReport(
            machine=m.name,
            scope=m.scope.as_dict(),
            verdict=verdict,
            states=len(seen),
            transitions=transitions,
            depth=depth,
            seconds=seconds,
            complete=complete,
            reason=reason,
            results=tuple(results),
            bound_hits=bound_hits,
            first_bound_hit=first_bound_hit,
            deadlocks=deadlocks,
            bound_hits_allowed=self._allow_bound_hits,
            interrupted=interrupted,
            store=seen.name,
            collision_bound=seen.collision_bound(),
        )

    def reachable(self) -> list[tuple[Any, ...]]:
        """All reachable states (within ``max_states``), in breadth-first order, of the bounded
        machine: steps cut off by the scope's bounds are not followed (``run()`` counts and
        reports them; this is for drawing and for tests)."""
        m = self.machine
        layer = m.compiled().layer
        seen: dict[tuple[Any, ...], Any] = dict.fromkeys(m.start_states)
        cap = self._max_states if self._max_states is not None else sys.maxsize
        frontier = list(seen)
        while frontier and len(seen) <= cap:
            new: list[tuple[Any, ...]] = []
            layer(frontier, seen, new, cap)
            frontier = new
        if len(seen) > cap:
            raise RuntimeError(f"more than {cap} reachable states")
        return list(seen)

    # -- seeded random simulation ---------------------------------------------------------------
    def simulate(
        self,
        steps: int,
        runs: int,
        seed: int,
        keep_executions: bool = False,
        progress: Callable[[int, int, int], None] | None = None,
    ) -> SimulationReport:
        """``runs`` random walks of at most ``steps`` steps each, from a seeded generator.

        ``progress(runs_done, runs, distinct_states)`` is called after each run (cheap: the
        caller throttles what it shows).

        The same seed gives the same runs. A run ends early at a deadlock. A violation's
        execution is the shortest violating prefix found among the runs. An enabled step that
        leaves the scope's bounds is not a choice of the walk; it is counted, and makes the
        verdict INCOMPLETE unless ``allow_bound_hits``. Ctrl-C ends the simulation with the runs
        completed so far: INCOMPLETE (or VIOLATED if one was found), the interrupted run dropped.
        """
        m = self.machine
        succ = m.compiled().successors
        checks = compile_predicates(m, [p.term for p in self._props])
        step_checks = StepChecks(m, self._steps)
        rng = random.Random(seed)
        best: list[Execution | None] = [None] * len(self._props)
        best_steps: list[Execution | None] = [None] * len(self._steps)
        seen: set[tuple[Any, ...]] = set()
        total = done = bound_hits = 0
        first_bound_hit: BoundHit | None = None
        kept: list[Execution] = []
        interrupted = False
        t0 = time.perf_counter()
        try:
            for _ in range(runs):
                s = rng.choice(m.start_states)
                start = s
                trail: list[tuple[int, tuple[Any, ...]]] = []
                seen.add(s)
                self._sim_check(checks, s, start, trail, best)
                for _ in range(steps):
                    options = []
                    for k, ns in succ(s):
                        if ns is not None:
                            options.append((k, ns))
                        else:
                            bound_hits += 1
                            if first_bound_hit is None:
                                first_bound_hit = diagnose(m, k, s)
                    if not options:
                        break
                    pre = s
                    k, s = options[rng.randrange(len(options))]
                    trail.append((k, s))
                    for j in step_checks.broken(k, pre, s):
                        b = best_steps[j]
                        if b is None or len(trail) < len(b):
                            best_steps[j] = Execution(m, start, tuple(trail))
                    seen.add(s)
                    total += 1
                    self._sim_check(checks, s, start, trail, best)
                if keep_executions:
                    kept.append(Execution(m, start, tuple(trail)))
                done += 1
                if progress is not None:
                    progress(done, runs, len(seen))
        except KeyboardInterrupt:
            interrupted = True
        incomplete = interrupted or (bound_hits > 0 and not self._allow_bound_hits)
        unviolated = Verdict.INCOMPLETE if incomplete else Verdict.OK
        results = tuple(
            PropertyResult(p.name, p.reference, Verdict.VIOLATED if b is not None else unviolated, b)
            for p, b in zip(self._props, best)
        ) + tuple(
            PropertyResult(p.name, p.reference, Verdict.VIOLATED if b is not None else unviolated, b, step=True)
            for p, b in zip(self._steps, best_steps)
        )
        verdict = Verdict.VIOLATED if any(r.counterexample is not None for r in results) else unviolated
        return SimulationReport(
            m.name,
            m.scope.as_dict(),
            verdict,
            done,
            total,
            len(seen),
            seed,
            time.perf_counter() - t0,
            results,
            tuple(kept),
            runs_requested=runs,
            interrupted=interrupted,
            bound_hits=bound_hits,
            first_bound_hit=first_bound_hit,
            bound_hits_allowed=self._allow_bound_hits,
        )

    def _sim_check(
        self,
        checks: Sequence[Callable[[tuple[Any, ...]], bool]],
        s: tuple[Any, ...],
        start: tuple[Any, ...],
        trail: list[tuple[int, tuple[Any, ...]]],
        best: list[Execution | None],
    ) -> None:
        for j, c in enumerate(checks):
            if not c(s):
                b = best[j]
                if b is None or len(trail) < len(b):
                    best[j] = Execution(self.machine, start, tuple(trail))


class _Stop(Exception):
    pass


_CHUNK = 4096
"""Frontier states expanded per call of the generated layer function: between calls the
explorer checks properties, the state limit and the progress clock."""
PROGRESS_INTERVAL = 0.2
"""Seconds between calls of ``Explorer.progress``'s callback (a few a second)."""


SETTLE_STRETCH = 2048
"""How many states, from the first hit on, ``_Checks`` tests each open predicate on singly before
regenerating its scan (doubling at every regeneration)."""


class _Checks:
    """Predicates checked on every new state, in breadth-first order, through one generated
    scan (``compile_scan``) over those not yet settled.

    With ``find=False`` a predicate is settled by its first violating state (recorded in
    ``first_hit``); with ``find=True`` (witnesses) by its first *satisfying* state,
    recorded in the same list. The scan is regenerated when one settles: at most once per
    predicate."""

    def __init__(self, m: Machine, terms: Sequence[Term], find: bool) -> None:
        self.m = m
        self.terms = list(terms)
        self.find = find
        self.singles: list[Callable[[tuple[Any, ...]], bool]] = []  # one per predicate, compiled at the first hit
        self.first_hit: list[tuple[Any, ...] | None] = [None] * len(terms)
        self.open = list(range(len(terms)))
        self._scan: Callable[[Sequence[tuple[Any, ...]], int], int] | None = None
        self._scan_for: tuple[int, ...] = ()
        """The open predicates ``_scan`` was generated for."""
        self.singles_left = SETTLE_STRETCH
        """States still to test with the single predicates before the scan is (re)generated: the
        first stretch too, so a small state space never pays for a scan, and a large one
        generates it once most witnesses have settled."""
        self.stretch = SETTLE_STRETCH

    def any_violated(self) -> bool:
        return any(v is not None for v in self.first_hit)

    def _compiled_scan(self) -> Callable[[Sequence[tuple[Any, ...]], int], int]:
        return compile_scan(self.m, [self.terms[j] for j in self.open], self.find)

    def scan(self, states: Sequence[tuple[Any, ...]], start: int) -> None:
        """Settle the predicates that the states from ``start`` on violate (or witness).

        After a hit the open predicates are tested one by one (their single compiled forms) on
        the next ``stretch`` states — across calls, in order, so each first hit is the first
        state — and only then is the scan regenerated for those still open; the stretch doubles
        at every regeneration. Regenerating the scan (code generation for every open predicate)
        costs far more than a stretch of single calls, and hits come in waves (the witnesses of
        vacuity settle by the dozen in the first states): this keeps the regenerations
        logarithmic in the number of states instead of one per settling predicate."""
        while self.open:
            if self.singles_left > 0:
                if not self.singles:
                    self.singles = compile_predicates(self.m, self.terms)
                upto = min(len(states), start + self.singles_left)
                for j in self.open:
                    f = self.singles[j]
                    for s in states[start:upto]:
                        if bool(f(s)) == self.find:
                            self.first_hit[j] = s
                            break
                self.open = [j for j in self.open if self.first_hit[j] is None]
                self.singles_left -= upto - start
                start = upto
                if self.singles_left > 0 or not self.open:
                    return
                self._scan, self._scan_for = self._compiled_scan(), tuple(self.open)
                self.stretch *= 2
            if self._scan is None or self._scan_for != tuple(self.open):
                # Ctrl-C landed in the generation above (the report still scans the interrupted
                # chunk): generate the scan for the predicates open now
                self._scan, self._scan_for = self._compiled_scan(), tuple(self.open)
            i = self._scan(states, start)
            if i < 0:
                return
            self.singles_left = self.stretch
            start = i
