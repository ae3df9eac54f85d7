"""Checking an invariant set by exhaustive exploration of a machine at its scope.

``check_invariants`` runs the explorer (``ioakit.engines.explore.Explorer``) once for all the
invariants of a file and reports, per invariant, one of

* ``holds``      — true in every reachable state of the scope (the exploration was complete);
* ``violated``   — false in some reachable state; the report holds a *shortest* execution to a
  violating state (breadth-first order);
* ``incomplete`` — no violation among the states explored before a ``max_states`` limit, an
  interrupt, or with steps cut off by the scope's bounds (``ioakit.engines.bounds``; accepted
  with ``allow_bound_hits``, the verdict is about the bounded machine and the report says so);

plus vacuity notes: premises that are false, and state-dependent ranges that are empty, in every
explored state. The file's ``step`` items are checked on every step taken (``Explorer.check_steps``)
and reported after the invariants, a violation with a shortest execution ending in the violating
step. ``format_check_report`` renders the report for people; ``to_json`` for machines.
The CLI's ``ioakit check MACHINE FILE --scope ...`` is these two calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ioakit.backends.codegen import CodegenLimitError, compile_predicates
from ioakit.engines.explore import Execution, Explorer, ExploreReport, Verdict, fingerprint_note
from ioakit.lang.automaton import Machine

from .errors import InvariantError, InvariantMachineError, InvariantScopeError
from .loader import InvariantInfo, InvariantSet, StepInfo

HOLDS = "holds"
VIOLATED = "violated"
INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class InvariantOutcome:
    """What exploration says about one invariant."""

    name: str
    reference: str
    description: str
    line: int
    status: str
    counterexample: Execution | None = field(default=None, repr=False)
    vacuous: tuple[str, ...] = ()
    """Witness descriptions (premises, ranges) that no explored state satisfied."""
    step: bool = False
    """A ``step`` item: judged on every step; the counterexample ends in the violating step."""

    @property
    def verdict(self) -> Verdict:
        return {HOLDS: Verdict.OK, VIOLATED: Verdict.VIOLATED}.get(self.status, Verdict.INCOMPLETE)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "reference": self.reference,
            "description": self.description,
            "line": self.line,
            "status": self.status,
            "verdict": self.verdict.value,
            "vacuous": list(self.vacuous),
        }
        if self.step:
            out["step"] = True
        if self.counterexample is not None:
            cex = self.counterexample
            out["counterexample_length"] = len(cex)
            out["counterexample"] = cex.to_json()
            out["violating_state"] = cex.machine.state_json(cex.final)
        return out


@dataclass(frozen=True)
class CheckReport:
    """Immutable result of ``check_invariants``: the exploration's report, and what it says of
    each invariant of the file. The exploration's figures are read through from ``explore``."""

    file: str
    outcomes: tuple[InvariantOutcome, ...]
    explore: ExploreReport = field(repr=False)

    @property
    def machine(self) -> str:
        return self.explore.machine

    @property
    def scope(self) -> dict[str, int]:
        return self.explore.scope

    @property
    def verdict(self) -> Verdict:
        return self.explore.verdict

    @property
    def states(self) -> int:
        return self.explore.states

    @property
    def transitions(self) -> int:
        return self.explore.transitions

    @property
    def depth(self) -> int:
        return self.explore.depth

    @property
    def seconds(self) -> float:
        return self.explore.seconds

    @property
    def complete(self) -> bool:
        return self.explore.complete

    @property
    def reason(self) -> str | None:
        return self.explore.reason

    def outcome(self, name: str) -> InvariantOutcome:
        for o in self.outcomes:
            if o.name == name:
                return o
        raise KeyError(name)

    @property
    def exit_code(self) -> int:
        """0 all hold, 1 some violated, 3 incomplete (``Verdict.exit_code``)."""
        return self.verdict.exit_code

    def show(self) -> str:
        """Human-readable report (``format_check_report``)."""
        return format_check_report(self)

    def to_json(self) -> dict[str, Any]:
        out = self.explore.to_json()
        out.update(
            {
                "file": self.file,
                "invariants": [o.to_json() for o in self.outcomes],
            }
        )
        return out


def check_invariants(
    machine: Machine,
    invset: InvariantSet,
    max_states: int | None = None,
    *,
    allow_bound_hits: bool = False,
    progress: Callable[[int, int, float], None] | None = None,
    max_memory: int | None = None,
    workers: int | None = 1,
    symmetry: bool = False,
    store: str = "exact",
    engine: str = "fork",
    address: str | None = None,
    machine_ref: str | None = None,
) -> CheckReport:
    """Explore every reachable state of ``machine`` (within ``max_states``) and check ``invset``.

    Steps cut off by the scope's bounds make the result INCOMPLETE unless ``allow_bound_hits``.
    ``progress`` is the explorer's display hook (``Explorer.progress``); ``max_memory`` (MB) its
    memory limit (``Explorer.max_memory``; default: most of the machine's memory); ``store`` its
    seen-set (``Explorer.store``: ``"exact"``, ``"compact"`` or ``"fingerprint"``); ``workers``
    the processes that search (``Explorer.workers``; None with the dask engine: one partition per
    worker of the cluster); ``engine``, ``address`` and ``machine_ref``: where they run
    (``Explorer.engine``: ``"fork"`` or ``"dask"``). ``symmetry``: explore orbit representatives
    (``Explorer.symmetry``; refused with step items).

    ``invset`` must have been loaded for this machine at this scope (its terms refer to the
    machine's variables and the scope's domains). An invariant whose compiled term is too deep
    for the concrete compiler is an ``InvariantScopeError`` located at it.
    """
    if invset.machine is not machine and (invset.machine.name != machine.name or invset.machine.scope != machine.scope):
        raise InvariantMachineError(
            f"the invariants were loaded for {invset.machine.name} at {invset.machine.scope}, not for "
            f"{machine.name} at {machine.scope}; load them again for this machine",
            None,
            invset.source,
        )
    try:
        ex = Explorer(machine).engine(engine, address, machine_ref)
        if workers is not None:
            ex.workers(workers)
        rep = (
            ex.check(invset.properties)
            .check_steps(invset.step_properties)
            .max_states(max_states)
            .max_memory(max_memory)
            .store(store)
            .allow_bound_hits(allow_bound_hits)
            .symmetry(symmetry)
            .progress(progress)
            .run()
        )
    except CodegenLimitError as e:
        raise _too_deep_to_run(machine, invset, e) from None
    outcomes = []
    infos: list[InvariantInfo | StepInfo] = [*invset.invariants, *invset.steps]
    for info, r in zip(infos, rep.results, strict=True):
        if r.verdict is Verdict.VIOLATED:
            status = VIOLATED
        elif r.verdict is Verdict.OK:
            status = HOLDS
        else:
            status = INCOMPLETE
        outcomes.append(
            InvariantOutcome(
                info.name,
                info.reference,
                info.description,
                info.line,
                status,
                r.counterexample,
                r.vacuous if status != VIOLATED else (),
                r.step,
            )
        )
    return CheckReport(file=invset.filename, outcomes=tuple(outcomes), explore=rep)


def _too_deep_to_run(machine: Machine, invset: InvariantSet, e: CodegenLimitError) -> InvariantError:
    """The located error for ``e``: the first invariant that, compiled alone with its vacuity
    witnesses, is too deep for the concrete compiler (searched on this error path only, so a
    normal check compiles each invariant once)."""
    for info in invset.invariants:
        p = info.property
        try:
            compile_predicates(machine, [p.term, *(t for _, t in p.witnesses)])
        except CodegenLimitError as one:
            span = info.core.span if info.core.span.line else info.span
            return InvariantScopeError(
                f"invariant `{info.name}` nests too deeply for the concrete compiler at this scope "
                f"({one.detail}); split it into several invariants, or shorter conjunctions",
                span,
                invset.source,
            )
    return InvariantScopeError(str(e), None, invset.source)


def format_check_report(report: CheckReport) -> str:
    """A human-readable report: a summary line, a table with one line per invariant, then for
    each violated invariant its shortest execution and violating state."""
    scope = ",".join(f"{k}={v}" for k, v in report.scope.items())
    rep = report.explore
    if report.complete:
        how = "complete"
    elif rep.bound_hits and rep.bound_hits_allowed and report.verdict is not Verdict.INCOMPLETE:
        how = "complete within the scope's bounds only"
    else:
        how = f"INCOMPLETE: {report.reason}"
    lines = [
        f"{report.file}: {report.machine} at {scope}",
        f"  {report.states:,} states, {report.transitions:,} transitions, depth {report.depth}, {how} "
        f"({report.seconds:.2f} s)",
    ]
    if rep.bound_hits and rep.bound_hits_allowed:
        lines.append(f"  BOUND HITS ACCEPTED: {report.reason}")
    if rep.engine == "dask":
        lines.append(f"  searched on {rep.workers} partitions on {rep.engine_where} (Dask; ioakit.engines.distributed)")
    if rep.symmetry is not None:
        lines.append(f"  symmetry reduction: {rep.symmetry} — the states counted are orbit representatives")
        if rep.orbit_checked:
            lines.append(f"  checked on whole orbits (not symmetric): {', '.join(rep.orbit_checked)}")
    if rep.collision_bound is not None:
        lines.append(fingerprint_note(rep.collision_bound, report.verdict))
    width = max((len(o.name) for o in report.outcomes), default=0)
    for o in report.outcomes:  # the table: one line per invariant (and its vacuity notes)
        ref = f"  [{o.reference}]" if o.reference else ""
        lines.append(f"  {o.status.upper() if o.status != HOLDS else o.status:<10} {o.name:<{width}}{ref}".rstrip())
        for v in o.vacuous:
            never = "in every explored state" if report.complete else "in the states explored so far"
            what = "is empty" if v.startswith("range") else "is false"
            lines.append(f"             vacuous: {v} {what} {never}")
    for o in report.outcomes:  # then each violation's shortest execution, so the table reads at a glance
        if o.counterexample is not None:
            cex = o.counterexample
            m = cex.machine
            lines.append(f"  {o.name} violated{f' [{o.reference}]' if o.reference else ''}:")
            lines.append(f"             shortest execution ({len(cex)} step{'s' if len(cex) != 1 else ''}):")
            lines.extend("           " + ln for ln in cex.show().splitlines())
            if o.step:
                lines.append(f"             violating step: the last one, {cex.labels()[-1]}")
            else:
                state = ", ".join(f"{k} = {v}" for k, v in m.show_state(cex.final).items())
                lines.append(f"             violating state: {state}")
    counts = {s: sum(o.status == s for o in report.outcomes) for s in (HOLDS, VIOLATED, INCOMPLETE)}
    lines.append(
        f"verdict: {report.verdict.value} ({counts[HOLDS]} hold, {counts[VIOLATED]} violated, "
        f"{counts[INCOMPLETE]} incomplete)"
    )
    return "\n".join(lines)
