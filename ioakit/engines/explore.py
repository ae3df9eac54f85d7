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
With ``Explorer.symmetry()`` the search keeps one state per orbit of the symmetry the machine
declares (``ioakit.engines.symmetry``), and maps counterexamples back to real executions.
"""

from __future__ import annotations

import gc
import itertools
import math
import multiprocessing
import random
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ioakit.backends.codegen import compile_checks, compile_predicates, compile_scan, compile_walk
from ioakit.engines.bounds import BoundHit, cut_reason, diagnose, find_and_diagnose
from ioakit.engines.steps import StepChecks
from ioakit.engines.store import STORES, make_store, parent_chain, steps_of
from ioakit.engines.symmetry import Symmetry, SymmetryError, checked_symmetry, term_symmetric
from ioakit.errors import InternalError, UserError
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
    workers: int = 1
    """Processes that ran the search (``Explorer.workers``); with the dask engine, its partitions."""
    engine: str = "fork"
    """The executor (``Explorer.engine``): ``fork`` (one process, or forked workers) or ``dask``."""
    engine_where: str | None = None
    """With the dask engine: the cluster (its scheduler's address, or "a local cluster")."""
    symmetry: str | None = None
    """The symmetry reduction used (``Explorer.symmetry``), described; ``states``, ``transitions``
    and ``deadlocks`` then count orbit representatives and their steps."""
    orbit_checked: tuple[str, ...] = ()
    """Under symmetry reduction: the properties that are not symmetric, checked on every state of
    each representative's orbit."""
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
            "workers": self.workers,
            "engine": self.engine,
            "engine_where": self.engine_where,
            "symmetry": self.symmetry,
            "orbit_checked": list(self.orbit_checked),
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
    if r.engine == "dask":
        lines.append(f"  searched on {r.workers} partitions on {r.engine_where} (Dask; ioakit.engines.distributed)")
    elif r.workers > 1:
        lines.append(f"  searched on {r.workers} worker processes (ioakit.engines.parallel)")
    if r.symmetry is not None:
        lines.append(f"  symmetry reduction: {r.symmetry} — states counted are orbit representatives")
        if r.orbit_checked:
            lines.append(f"  checked on whole orbits (not symmetric): {', '.join(r.orbit_checked)}")
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


@dataclass
class _Search:
    """What an executor of the breadth-first search hands to ``Explorer._report``: the counts,
    how it ended, the first state violating (``first_violation``) or witnessing
    (``first_witness``) each predicate and the first breaking step of each step property — each
    at the least depth where one exists — and ``parent`` (a reached state's breadth-first parent,
    None for a start state), from which counterexamples are rebuilt."""

    parent: Callable[[tuple[Any, ...]], tuple[Any, ...] | None] | None
    """A reached state's breadth-first parent (None for a start state): the workers', and the
    exact store's under symmetry (paths of representatives)."""
    path: Callable[[tuple[Any, ...], Any], tuple[tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]]] | None
    """Else the store's own shortest path to a reached state (``SeenStore.path``)."""
    store: str
    collision_bound: float | None
    states: int
    transitions: int
    depth: int
    seconds: float
    complete: bool
    reason: str | None
    interrupted: bool
    bound_hits: int
    first_bound_hit: BoundHit | None
    deadlocks: int
    first_violation: list[tuple[Any, ...] | None]
    first_witness: list[tuple[Any, ...] | None]
    first_step_hit: list[Any]
    steps_judged: bool
    workers: int = 1
    symmetry: Any = None
    """The checked symmetry (``ioakit.engines.symmetry.Symmetry``) whose representatives
    ``parent`` links, or None."""
    orbit_checked: tuple[str, ...] = ()


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
        self._workers = 1
        self._workers_given = False
        self._engine = "fork"
        self._address: str | None = None
        self._machine_ref: str | None = None
        self._symmetry = False
        self._store = "exact"
        self._bound_preds: Callable[..., bool] | None = None
        """The generated invariant checks of ``simulate`` (``compile_checks``), built on first use."""

    def workers(self, n: int | None) -> Explorer:
        """Run ``run`` on ``n`` processes (``ioakit.engines.parallel``; ``None``: every core this
        process may use). Same states, transitions, depth, verdicts and counterexample lengths as
        one process. Where processes cannot be forked, one process runs it."""
        from ioakit.engines import parallel

        if n is not None and n < 1:
            raise ValueError(f"workers must be at least 1, got {n}")
        self._workers = parallel.default_workers() if n is None else n
        self._workers_given = True
        return self

    def engine(self, name: str, address: str | None = None, machine: str | None = None) -> Explorer:
        """Run ``run`` with the executor ``name``: ``"fork"`` (the default: one process, or
        ``workers`` forked processes) or ``"dask"`` (``ioakit.engines.distributed``: the partitions
        as actors on the Dask cluster whose scheduler is at ``address``, or on a local cluster
        started and closed by ``run`` when it is None). The Dask workers rebuild the machine from
        ``machine``, its reference (a registered name, ``path/file.py:Class``, ``module:Class``;
        default: the machine's name, when it is registered). Without ``workers``, the dask engine
        runs one partition per worker of the cluster. ``DaskEngineError`` (a ``UserError``) for
        ``"ray"``, an unknown name, or an address without the dask engine."""
        from ioakit.engines.distributed import DaskEngineError, refuse_engine

        refuse_engine(name)
        if address is not None and name != "dask":
            raise DaskEngineError("an address (--address) is the scheduler of a Dask cluster: it needs --engine dask")
        self._engine, self._address, self._machine_ref = name, address, machine
        return self

    def symmetry(self, flag: bool = True) -> Explorer:
        """Explore orbit representatives under the symmetry the machine declares
        (``Decl.symmetric``; ``ioakit.engines.symmetry``): the declaration is checked on the traced
        terms first (``SymmetryError`` if the machine distinguishes the elements), symmetric
        properties are checked on representatives and the others on whole orbits, and
        counterexamples are real executions of the machine. Step properties are refused."""
        self._symmetry = flag
        return self

    def check(self, props: Iterable[Property]) -> Explorer:
        self._props.extend(props)
        self._bound_preds = None
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
        if self._engine == "dask":
            return self._run_dask()
        if self._workers > 1 and self._symmetry:
            raise UserError(
                "symmetry reduction on several workers is not supported yet: use one of --symmetry, --workers"
            )
        if self._workers > 1 and self._store != "exact":
            raise UserError(
                f"the {self._store} store on several workers is not supported yet: use one of --store, --workers"
            )
        if self._workers > 1:
            from ioakit.engines import parallel

            if parallel.available():
                return parallel.run_parallel(self, self._workers)
        m = self.machine
        compiled = m.compiled()
        props = self._props
        sym = self._checked_symmetry()
        if sym is None:
            layer = compiled.layer
            checks: _Checks | _OrbitChecks = _Checks(m, [p.term for p in props], find=False)
            witnesses: _Checks | _OrbitChecks = _Checks(m, [t for p in props for _, t in p.witnesses], find=True)
        else:  # symmetry reduction: ``seen`` holds orbit representatives (``canonical_layer``)
            layer = sym.layer()
            checks = _OrbitChecks(m, [p.term for p in props], False, sym)
            witnesses = _OrbitChecks(m, [t for p in props for _, t in p.witnesses], True, sym)

        # the seen-set (``ioakit.engines.store``): every reached state, or its fingerprint, with
        # its breadth-first parent; the order of insertion is the breadth-first order
        seen = make_store(self._store, m.variables)
        cap = self._max_states if self._max_states is not None else sys.maxsize
        starts = m.start_states if sym is None else [sym.canon(s0) for s0 in m.start_states]
        frontier, capped = seen.add_starts(starts, cap)
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
        gc_was_enabled = gc.isenabled()
        gc.disable()  # the states form no cycles: ``GC_NOTE``
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
        finally:
            if gc_was_enabled:
                gc.enable()
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
        return self._report(
            _Search(
                parent=seen.parent if sym is not None else None,
                path=seen.path if sym is None else None,
                store=seen.name,
                collision_bound=seen.collision_bound(),
                states=len(seen),
                transitions=transitions,
                depth=depth,
                seconds=time.perf_counter() - t0,
                complete=complete,
                reason=reason,
                interrupted=interrupted,
                bound_hits=bound_hits,
                first_bound_hit=first_bound_hit,
                deadlocks=deadlocks,
                first_violation=list(checks.first_hit),
                first_witness=list(witnesses.first_hit),
                first_step_hit=list(step_checks.first_hit),
                steps_judged=steps_judged,
                symmetry=sym,
                orbit_checked=() if sym is None else tuple(p.name for p, o in zip(props, checks.on_orbits) if o),
            )
        )

    def _run_dask(self) -> ExploreReport:
        """``run`` on a Dask cluster (``engine("dask")``)."""
        from ioakit.engines import distributed

        if self._symmetry:
            raise UserError(
                "symmetry reduction on the dask engine is not supported yet: use one of --symmetry, --engine"
            )
        if self._store != "exact":
            raise UserError(
                f"the {self._store} store on the dask engine is not supported yet: use one of --store, --engine"
            )
        w = self._workers if self._workers_given else None
        return distributed.run_dask(self, w, self._address, self._machine_ref)

    def _report(self, r: _Search) -> ExploreReport:
        """The report of a search, whichever executor ran it (``run`` here, the workers of
        ``ioakit.engines.parallel``): verdicts, shortest counterexamples rebuilt from the parent
        links, what was cut off."""
        m = self.machine
        succ = m.compiled().successors
        props = self._props
        sym = r.symmetry
        witness_of = [(i, d) for i, p in enumerate(props) for d, _ in p.witnesses]
        reason, complete = r.reason, r.complete
        # steps cut off by the bounds: not every enabled step was taken, so the exploration is not
        # complete; it is still *judged* complete (OK possible) when the caller accepted the cuts
        judged_complete = complete
        if r.bound_hits:
            cut = cut_reason(r.bound_hits, r.first_bound_hit, self._allow_bound_hits)
            reason = cut if reason is None else f"{reason}; {cut}"
            complete = False
            judged_complete = judged_complete and self._allow_bound_hits

        def path(t: tuple[Any, ...]) -> Execution:
            if r.path is not None:
                start, steps = r.path(t, succ)
            else:  # a chain of parent links (symmetry, workers)
                assert r.parent is not None
                chain = parent_chain(r.parent, t if sym is None else sym.canon(t))
                if sym is not None:  # representatives mapped back to a real execution ending in t
                    start, steps = sym.concretize(succ, chain, target=t)
                else:
                    start, steps = steps_of(chain, succ)
            return Execution(m, start, tuple(steps))

        results = []
        for j, p in enumerate(props):
            bad = r.first_violation[j]
            if bad is not None:
                v, cex = Verdict.VIOLATED, path(bad)
                if sym is not None and compile_predicates(m, [p.term])[0](cex.final):
                    raise InternalError(f"symmetry: the mapped counterexample of {p.name} does not violate it")
            else:
                v, cex = (Verdict.OK if judged_complete else Verdict.INCOMPLETE), None
            vac = tuple(d for w, (i, d) in enumerate(witness_of) if i == j and r.first_witness[w] is None)
            results.append(PropertyResult(p.name, p.reference, v, cex, vac))
        for sp, hit in zip(self._steps, r.first_step_hit):
            if hit is not None:
                pre, k, post = hit
                reach = path(pre)
                v, cex = Verdict.VIOLATED, Execution(m, reach.start, (*reach.steps, (k, post)))
            else:
                v, cex = (Verdict.OK if judged_complete and r.steps_judged else Verdict.INCOMPLETE), None
            results.append(PropertyResult(sp.name, sp.reference, v, cex, step=True))
        if any(x.verdict is Verdict.VIOLATED for x in results):
            verdict = Verdict.VIOLATED
        else:
            verdict = Verdict.OK if judged_complete and r.steps_judged else Verdict.INCOMPLETE
        return ExploreReport(
            machine=m.name,
            scope=m.scope.as_dict(),
            verdict=verdict,
            states=r.states,
            transitions=r.transitions,
            depth=r.depth,
            seconds=r.seconds,
            complete=complete,
            reason=reason,
            results=tuple(results),
            bound_hits=r.bound_hits,
            first_bound_hit=r.first_bound_hit,
            deadlocks=r.deadlocks,
            bound_hits_allowed=self._allow_bound_hits,
            interrupted=r.interrupted,
            workers=r.workers,
            symmetry=None if sym is None else sym.describe(),
            orbit_checked=r.orbit_checked,
            store=r.store,
            collision_bound=r.collision_bound,
        )

    def _checked_symmetry(self) -> Symmetry | None:
        """The machine's declared symmetry, checked, when ``symmetry()`` asked for it."""
        if not self._symmetry:
            return None
        if self._store != "exact":
            raise UserError(
                f"symmetry reduction with the {self._store} store is not supported yet: use the exact store"
            )
        if self._steps:
            raise SymmetryError(
                "symmetry reduction does not support step properties (they are judged on the steps out of "
                "representatives only); check them without --symmetry"
            )
        return checked_symmetry(self.machine)

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
        workers: int = 1,
    ) -> SimulationReport:
        """``runs`` random walks of at most ``steps`` steps each, from a seeded generator.

        ``progress(runs_done, runs, distinct_states)`` is called after each run (with
        ``workers`` > 1: after each batch of runs; cheap: the caller throttles what it shows).

        Run ``i`` draws from its own generator, ``run_rng(seed, i)``, so the same seed gives the
        same runs, whatever ``workers`` is: with ``workers`` > 1 the runs are shared among that many
        forked processes and their results merged exactly (sums, the union of the states, and
        for each property the shortest violating prefix, the one of the lowest run on ties — what
        one process finds). A run ends early at a deadlock. A violation's execution is the
        shortest violating prefix found among the runs. An enabled step that leaves the scope's
        bounds is not a choice of the walk; it is counted, and makes the verdict INCOMPLETE
        unless ``allow_bound_hits``. Ctrl-C ends the simulation with the runs completed so far:
        INCOMPLETE (or VIOLATED if one was found), the interrupted run(s) dropped.
        """
        m = self.machine
        t0 = time.perf_counter()
        if workers > 1 and runs > 1:
            part, interrupted = _simulate_parallel(self, steps, runs, seed, keep_executions, progress, workers)
        else:
            part = self._new_part()
            interrupted = False
            try:
                self._simulate_runs(part, range(runs), steps, seed, keep_executions, progress, runs)
            except KeyboardInterrupt:
                interrupted = True
        first_bound_hit = diagnose(m, *part.first_bound) if part.first_bound is not None else None
        best = [None if b is None else Execution(m, b[2], b[3]) for b in part.best]
        best_steps = [None if b is None else Execution(m, b[2], b[3]) for b in part.best_steps]
        kept = tuple(Execution(m, start, trail) for _, start, trail in sorted(part.kept, key=lambda x: x[0]))
        incomplete = interrupted or (part.bound_hits > 0 and not self._allow_bound_hits)
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
            part.runs,
            part.steps,
            len(part.seen),
            seed,
            time.perf_counter() - t0,
            results,
            kept,
            runs_requested=runs,
            interrupted=interrupted,
            bound_hits=part.bound_hits,
            first_bound_hit=first_bound_hit,
            bound_hits_allowed=self._allow_bound_hits,
        )

    def _new_part(self) -> _SimPart:
        return _SimPart(best=[None] * len(self._props), best_steps=[None] * len(self._steps))

    def _walker(self) -> Any:
        """The generated walk (``compile_walk``) for this explorer's properties, its invariants
        bound; cached on the machine's compiled form by (properties, step properties)."""
        m = self.machine
        compiled = m.compiled()
        cache = compiled.__dict__.setdefault("_walks", {})
        key = (len(self._props), bool(self._steps))
        if key not in cache:
            cache[key] = compile_walk(m, len(self._props), bool(self._steps), compiled._canonical)
        walk = cache[key]
        if self._props and self._bound_preds is None:
            self._bound_preds = compile_checks(m, [p.term for p in self._props])
        walk.namespace["_CHECK"] = self._bound_preds
        return walk

    def _simulate_runs(
        self,
        part: _SimPart,
        indices: Iterable[int],
        steps: int,
        seed: int,
        keep: bool,
        progress: Callable[[int, int, int], None] | None,
        runs: int,
    ) -> None:
        """Walk the runs ``indices`` (in order) into ``part``; Ctrl-C propagates after counting the
        interrupted run's steps (as far as it got) but not the run."""
        m = self.machine
        walk = self._walker()
        step_checks = StepChecks(m, self._steps)
        starts = m.start_states
        seen = part.seen
        sadd = seen.add
        best, best_steps = part.best, part.best_steps
        lims = [sys.maxsize if b is None else len(b[3]) for b in best]
        trail: list[tuple[int, tuple[Any, ...]]] = []
        start: tuple[Any, ...] = ()
        run = -1

        def hit(j: int) -> None:
            best[j] = (len(trail), run, start, tuple(trail))
            lims[j] = len(trail)

        def stepcb(k: int, pre: tuple[Any, ...], post: tuple[Any, ...]) -> None:
            for j in step_checks.broken(k, pre, post):
                b = best_steps[j]
                if b is None or len(trail) < b[0]:
                    best_steps[j] = (len(trail), run, start, tuple(trail))

        rng = random.Random()
        reseed = rng.seed
        for run in indices:
            reseed(run_seed(seed, run))  # the generator of run_rng(seed, run), without a new object
            start = rng.choice(starts)
            trail = []
            taken, nb, fb, fbs, stopped = walk(start, steps, rng.getrandbits, trail, sadd, lims, hit, stepcb)
            part.steps += taken
            part.bound_hits += nb
            if fb >= 0 and part.first_bound is None:
                part.first_bound, part.first_bound_run = (fb, fbs), run
            if stopped:
                raise KeyboardInterrupt
            if keep:
                part.kept.append((run, start, tuple(trail)))
            part.runs += 1
            if progress is not None:
                progress(part.runs, runs, len(seen))


def run_seed(seed: int, run: int) -> int:
    """The seed of simulation run ``run`` (``run_rng``): ``seed`` mapped one-to-one to a natural
    number (0, -1, 1, -2, ... to 0, 1, 2, 3, ...: ``random`` seeds with an int's absolute value,
    so ``seed`` and ``-seed`` would otherwise give the same runs) in the high bits, ``run`` in the
    low 64. Each run is fixed by (seed, run index) alone, whichever process walks it."""
    z = 2 * seed if seed >= 0 else -2 * seed - 1
    return (z << 64) | run


def run_rng(seed: int, run: int) -> random.Random:
    """The generator of simulation run ``run`` for ``seed`` (``run_seed``)."""
    return random.Random(run_seed(seed, run))


@dataclass
class _SimPart:
    """What some runs of a simulation found (one process's share with ``workers``), to merge.

    ``best[j]`` / ``best_steps[j]``: ``(length, run, start, trail)`` of the shortest violating
    prefix of property ``j`` (the lowest run on ties); ``first_bound``: ``(instance, pre-state)``
    of the first bound hit of the lowest run with one, ``first_bound_run`` that run; ``kept``:
    ``(run, start, trail)`` of every run (``keep_executions``)."""

    runs: int = 0
    steps: int = 0
    bound_hits: int = 0
    first_bound: tuple[int, tuple[Any, ...]] | None = None
    first_bound_run: int = -1
    seen: set[tuple[Any, ...]] = field(default_factory=set)
    best: list[Any] = field(default_factory=list)
    best_steps: list[Any] = field(default_factory=list)
    kept: list[tuple[int, tuple[Any, ...], tuple[Any, ...]]] = field(default_factory=list)

    def merge(self, o: _SimPart) -> None:
        self.runs += o.runs
        self.steps += o.steps
        self.bound_hits += o.bound_hits
        if o.first_bound is not None and (self.first_bound is None or o.first_bound_run < self.first_bound_run):
            self.first_bound, self.first_bound_run = o.first_bound, o.first_bound_run
        self.seen |= o.seen
        for mine, theirs in ((self.best, o.best), (self.best_steps, o.best_steps)):
            for j, b in enumerate(theirs):
                if b is not None and (mine[j] is None or b[:2] < mine[j][:2]):
                    mine[j] = b
        self.kept += o.kept


_WORKER: tuple[Any, ...] | None = None
"""(explorer, steps, seed, keep) of the simulation whose worker processes are being forked."""


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _worker_init() -> None:
    # the parent handles Ctrl-C (and SIGTERM, which ``ioakit.cli`` turns into Ctrl-C) and ends
    # the workers with SIGTERM (``Pool.terminate``): that must kill them, not interrupt them
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by the parent across the fork


def _worker_main(conn: Any, batches: list[tuple[int, int]]) -> None:
    """A forked worker: walk ``batches`` of runs, sending each batch's ``_SimPart`` to the parent
    (an exception as ``("error", text)``); the connection closed at the end."""
    assert _WORKER is not None
    _worker_init()
    ex, steps, seed, keep = _WORKER
    sent: set[tuple[Any, ...]] = set()  # states already sent: each is sent (pickled) once
    try:
        for bounds in batches:
            part = ex._new_part()
            ex._simulate_runs(part, range(*bounds), steps, seed, keep, None, 0)
            part.seen -= sent
            sent |= part.seen
            conn.send(part)
    except BaseException as e:  # reported to the parent, which raises it
        import traceback

        conn.send(("error", f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))
    finally:
        conn.close()


def _simulate_parallel(
    ex: Explorer,
    steps: int,
    runs: int,
    seed: int,
    keep: bool,
    progress: Callable[[int, int, int], None] | None,
    workers: int,
) -> tuple[_SimPart, bool]:
    """The runs in batches of consecutive indices over ``workers`` forked processes (worker ``w``
    takes batches ``w``, ``w + workers``, ...), merged as they come (the merge does not depend on
    the order). Ctrl-C: the batches finished so far; the workers are terminated and joined."""
    global _WORKER
    part = ex._new_part()
    ex._walker()  # generated before the fork, so that the workers inherit it
    size = max(1, min(math.ceil(runs / (workers * 8)), 500))
    batches = [(a, min(a + size, runs)) for a in range(0, runs, size)]
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: one process gives the same result
        try:
            ex._simulate_runs(part, range(runs), steps, seed, keep, progress, runs)
        except KeyboardInterrupt:
            return part, True
        return part, False
    from multiprocessing.connection import wait

    _WORKER = (ex, steps, seed, keep)
    interrupted = False
    procs: list[Any] = []
    try:
        conns = []
        for w in range(min(workers, len(batches))):
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker_main, args=(send, batches[w::workers]), daemon=True)
            # a signal between the fork and the worker's own handlers would interrupt the worker
            # (a traceback, and no batch): blocked until the handlers are set; the parent gets a
            # pending one when it unblocks
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
            try:
                proc.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            procs.append(proc)
            send.close()
            conns.append(recv)
        while conns:
            for c in wait(conns):
                try:
                    got = c.recv()
                except EOFError:
                    conns.remove(c)
                    continue
                if isinstance(got, tuple):
                    raise RuntimeError(f"a simulation worker failed: {got[1]}")
                part.merge(got)
                if progress is not None:
                    progress(part.runs, runs, len(part.seen))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join()
        _WORKER = None
    return part, interrupted


class _Stop(Exception):
    pass


class _OrbitChecks:
    """``_Checks`` under symmetry reduction: the predicates unchanged by the group
    (``term_symmetric``) tested on the representatives, the others on every state of each
    representative's orbit, so that ``first_hit`` is a violating (or witnessing) state whenever
    some reachable state is one; for a predicate checked on orbits it need not be a representative."""

    def __init__(self, m: Machine, terms: Sequence[Term], find: bool, sym: Symmetry) -> None:
        self.sym = sym
        self.on_orbits = [not term_symmetric(sym, t) for t in terms]
        self.reps = [j for j, o in enumerate(self.on_orbits) if not o]
        self.orbits = [j for j, o in enumerate(self.on_orbits) if o]
        self.rep_checks = _Checks(m, [terms[j] for j in self.reps], find)
        self.orbit_checks = _Checks(m, [terms[j] for j in self.orbits], find)

    @property
    def first_hit(self) -> list[tuple[Any, ...] | None]:
        out: list[tuple[Any, ...] | None] = [None] * len(self.on_orbits)
        for j, h in zip(self.reps, self.rep_checks.first_hit):
            out[j] = h
        for j, h in zip(self.orbits, self.orbit_checks.first_hit):
            out[j] = h
        return out

    def any_violated(self) -> bool:
        return self.rep_checks.any_violated() or self.orbit_checks.any_violated()

    def scan(self, states: Sequence[tuple[Any, ...]], start: int) -> None:
        self.rep_checks.scan(states, start)
        if self.orbit_checks.open:
            images = [x for s in states[start:] for x in self.sym.orbit(s)]
            self.orbit_checks.scan(images, 0)


_CHUNK = 4096
"""Frontier states expanded per call of the generated layer function: between calls the
explorer checks properties, the state limit and the progress clock."""
GC_NOTE = """Python's cycle collector is paused while the search runs: the states are tuples
of immutable values, which form no cycles, so every collection would only traverse the millions
of states kept in ``seen`` to find nothing (a full collection walks every tracked object). Pausing
it made the search of TO-machine at processors=3, values=2, max_inputs=4 about 20 % faster
(0.47 s against 0.59 s of CPU for the same 294,579 states). It is resumed afterwards."""
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
