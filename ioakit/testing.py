"""Assertions for users' test suites (also exposed as the ``ioakit`` pytest fixture by
``ioakit.pytest_plugin``): check, prove and refine in one line each.

Each assertion takes a model — a shipped machine's name, a user's ``path/to/model.py:Class`` or
``module:Class`` (resolved by ``ioakit.registry.get_spec``), or an already built ``Machine`` —
and an invariant file (a path, or a shipped file's name: ``registry.find_invariant_file``), runs
the same library calls as the command line (``ioakit check`` / ``prove`` / ``refine`` /
``trace``), and returns the report. It fails (``CheckFailed``, an ``AssertionError``) with a
readable message: the invariant as written in its file (file, line and source text), the
violating state and the shortest run to it.

A passing assertion means the check was *complete*: an exploration cut short (a state limit;
steps cut off by the scope's bounds) fails as INCOMPLETE, and a proof Z3 could not decide (a
timeout, a counterexample to induction, a possible cut step) fails as UNKNOWN, each with a
message saying why — unless the test explicitly accepts it with ``allow_incomplete=True``,
``allow_unknown=True`` or ``allow_bound_hits=True`` (the result is then about the bounded
machine only). Every helper sets ``__tracebackhide__`` so that pytest shows the user's test line
and the message, not ioakit's frames; an input error (``ioakit.errors.UserError``: an unknown
machine, an invariant file that does not parse) is re-raised from the helper with its message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ioakit import registry
from ioakit.engines.explore import Execution, Explorer, ExploreReport, Property
from ioakit.errors import UserError
from ioakit.lang.automaton import Machine, Spec
from ioakit.refinement.trace_equiv import compare_traces
from ioakit.results import Verdict

if TYPE_CHECKING:  # the prover imports z3; the invariant language lark: loaded on first use
    from ioakit.engines.prove import BMCResult, InductionResult
    from ioakit.engines.prove_steps import StepProofResult
    from ioakit.invariants import CheckReport, InvariantSet
    from ioakit.refinement.refine import RefineResult

__all__ = [
    "CheckFailed",
    "ProofReport",
    "TraceReport",
    "assert_invariants",
    "assert_trace",
    "assert_trace_equivalent",
    "assert_trace_inclusion",
    "check",
    "invariant_set",
    "machine",
    "prove",
    "refine",
]

Model = str | Machine | Spec | type[Spec]
"""A model: a machine reference (``registry.get_spec``), a ``Spec`` (class or instance), or a built machine."""

_F = TypeVar("_F", bound=Callable[..., Any])

_SOURCE_LINES = 12
"""At most this many lines of an invariant's source are quoted in a failure message."""


class CheckFailed(AssertionError):
    """An ioakit assertion failed: the message says what and why; ``report`` is the full report."""

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


def _assertion(fn: _F) -> _F:
    """Mark ``fn`` as an assertion helper: its frames are hidden from pytest's tracebacks, and
    an input error raised below it is raised again from here, without ioakit's frames."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        try:
            return fn(*args, **kwargs)
        except UserError as e:  # the same error, its traceback starting here (ioakit's frames dropped)
            raise e.with_traceback(None) from None

    return wrapper  # type: ignore[return-value]


# -- models and files ------------------------------------------------------------------------


@_assertion
def machine(model: Model, scope: Mapping[str, int] | None = None) -> Machine:
    """``model`` built at ``scope`` (the parameters given; the others keep their defaults).

    A built ``Machine`` is returned as it is; giving it a scope too is an input error (its scope
    is fixed)."""
    __tracebackhide__ = True
    if isinstance(model, Machine):
        if scope:
            raise UserError(f"{model.name} is already built at {model.scope}; give a scope only with a name or a Spec")
        return model
    if isinstance(model, str):
        spec = registry.get_spec(model)
    elif isinstance(model, type) and issubclass(model, Spec):
        spec = model()
    elif isinstance(model, Spec):
        spec = model
    else:
        raise UserError(
            f"a model is a machine name, 'path/to/model.py:Class', a Spec or a Machine, not {type(model).__name__}"
        )
    return spec.build(dict(scope or {}))


@_assertion
def invariant_set(m: Machine, inv_file: str | Path, only: Iterable[str] | None = None) -> InvariantSet:
    """The invariant file (a path, or a shipped file's name) loaded for ``m``; with ``only``,
    just the invariants and step items so named (an unknown name is an input error)."""
    __tracebackhide__ = True
    from ioakit.invariants import load_invariants

    invs = load_invariants(registry.find_invariant_file(inv_file), m)
    if only is None:
        return invs
    wanted = [only] if isinstance(only, str) else list(only)
    known = {i.name for i in invs.invariants} | {s.name for s in invs.steps}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise UserError(
            f"{invs.filename} has no invariant named {', '.join(unknown)} (it has {', '.join(sorted(known))})"
        )
    keep = set(wanted)
    infos = [i for i in invs.invariants if i.name in keep]
    return replace(
        invs,
        properties=[i.property for i in infos],
        invariants=infos,
        steps=[s for s in invs.steps if s.name in keep],
    )


def _scope_text(scope: Mapping[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in scope.items()) or "defaults"


def _quote(invs: InvariantSet, name: str) -> str:
    """The invariant (or step item) ``name`` as written: ``file:line:``, then its source lines
    (``invariant name "reference":``, the description, the formula), each after ``| ``."""
    __tracebackhide__ = True
    info: Any = next((i for i in [*invs.invariants, *invs.steps] if i.name == name), None)
    if info is None:
        return f"  invariant {name}"
    span = info.span
    last = max(span.line, span.end_line)
    lines = [invs.source.line(n) for n in range(span.line, min(last, span.line + _SOURCE_LINES - 1) + 1)]
    while lines and not lines[-1].strip():
        lines.pop()
    if last >= span.line + _SOURCE_LINES:
        lines.append("  …")
    out = [f"  {invs.filename}:{span.line}:"]
    out.extend(f"  | {ln}" for ln in lines)
    return "\n".join(out)


def _state(ex: Execution) -> str:
    m = ex.machine
    return "\n".join(f"    {k} = {v}" for k, v in m.show_state(ex.final).items())


def _run(ex: Execution) -> str:
    n = len(ex)
    head = f"  shortest run ({n} step{'s' if n != 1 else ''}):"
    return "\n".join([head, *("    " + ln for ln in ex.show().splitlines())])


def _violation(title: str, quote: str, ex: Execution | None, *, step: bool = False) -> str:
    """One violated invariant: what was violated, as written, its violating state, its run."""
    parts = [title, quote]
    if ex is not None:
        if step:
            parts.append(f"  violating step: the last one of the run, {ex.labels()[-1]}")
        else:
            parts += ["  violating state:", _state(ex)]
        parts.append(_run(ex))
    return "\n".join(parts)


# -- check: exhaustive exploration -----------------------------------------------------------


@_assertion
def check(
    model: Model,
    inv_file: str | Path,
    scope: Mapping[str, int] | None = None,
    *,
    only: Iterable[str] | None = None,
    max_states: int | None = None,
    allow_incomplete: bool = False,
    allow_bound_hits: bool = False,
) -> CheckReport:
    """Every invariant (and step item) of ``inv_file`` holds in every reachable state (step) of
    ``model`` at ``scope`` — ``ioakit check``. Fails on a violation (the invariant's text, the
    violating state, the shortest run), and on an incomplete exploration (a ``max_states``
    limit, steps cut off by the bounds) unless ``allow_incomplete`` / ``allow_bound_hits``."""
    __tracebackhide__ = True
    from ioakit.invariants import check_invariants

    m = machine(model, scope)
    invs = invariant_set(m, inv_file, only)
    report = check_invariants(m, invs, max_states=max_states, allow_bound_hits=allow_bound_hits)
    where = f"{m.name} at {_scope_text(report.scope)}"
    if report.verdict is Verdict.VIOLATED:
        bad = [o for o in report.outcomes if o.verdict is Verdict.VIOLATED]
        texts = [
            _violation(
                f"{o.name} VIOLATED on {where} ({'step item' if o.step else 'invariant'} of {report.file})",
                _quote(invs, o.name),
                o.counterexample,
                step=o.step,
            )
            for o in bad
        ]
        summary = f"{len(bad)} of {len(report.outcomes)} violated: {', '.join(o.name for o in bad)}"
        raise CheckFailed(f"ioakit check {where}: {summary}\n" + "\n\n".join(texts), report)
    if report.verdict is Verdict.INCOMPLETE and not allow_incomplete:
        raise CheckFailed(
            f"ioakit check {where}: INCOMPLETE — {report.reason}; no violation among the "
            f"{report.states:,} states explored, but not every reachable state was checked "
            "(raise the limit or the scope's bounds, or pass allow_incomplete=True / allow_bound_hits=True "
            "to accept a partial check)",
            report,
        )
    return report


@_assertion
def assert_invariants(
    machine: Machine, props: Iterable[Property], max_states: int | None = None, *, allow_bound_hits: bool = False
) -> ExploreReport:
    """Every property holds in every reachable state of ``machine`` (exhaustive at its scope)."""
    __tracebackhide__ = True
    r = Explorer(machine).check(props).max_states(max_states).allow_bound_hits(allow_bound_hits).run()
    try:
        r.assert_ok()
    except AssertionError as e:
        raise CheckFailed(str(e), r) from None
    return r


# -- prove: BMC and induction with Z3 --------------------------------------------------------


@dataclass(frozen=True)
class ProofReport:
    """What ``prove`` ran: the BMC result and/or the induction result, the file's step items
    as one-step obligations from the states satisfying its invariants (``steps``), and their one
    verdict (a proof by induction settles what a depth-bounded BMC left undecided, and a failed
    step obligation is UNKNOWN — its pre-state may be unreachable —, as in ``ioakit prove``)."""

    machine: str
    scope: dict[str, int]
    bmc: BMCResult | None
    induction: InductionResult | None
    steps: StepProofResult | None = None

    @property
    def proved(self) -> bool:
        """Proved for every reachable state at the scope: inductive, or a BMC covering every run."""
        from ioakit.engines.prove import Outcome

        by_bmc = self.bmc is not None and self.bmc.verdict is Verdict.OK and self.bmc.complete
        return by_bmc or (self.induction is not None and self.induction.outcome is Outcome.INDUCTIVE)

    @property
    def verdict(self) -> Verdict:
        parts = [r.verdict for r in (self.bmc, self.induction) if r is not None]
        if Verdict.VIOLATED in parts:
            return Verdict.VIOLATED
        if self.steps is not None and self.steps.verdict is not Verdict.OK:
            return Verdict.UNKNOWN
        if self.proved or all(v is Verdict.OK for v in parts):
            return Verdict.OK
        return Verdict.UNKNOWN

    def show(self) -> str:
        return "\n".join(r.show() for r in (self.bmc, self.induction, self.steps) if r is not None)


def _support(m: Machine, files: Sequence[str | Path], targets: InvariantSet) -> tuple[list[Property], dict[str, Any]]:
    """The support invariants of ``files`` (paths or shipped names) not named like a target,
    and each one's invariant set (to quote it)."""
    __tracebackhide__ = True
    names = {p.name for p in targets.properties}
    out: list[Property] = []
    where: dict[str, Any] = {}
    for f in [files] if isinstance(files, str | Path) else files:
        invs = invariant_set(m, f)
        for p in invs.properties:
            if p.name not in names:
                names.add(p.name)
                out.append(p)
                where[p.name] = invs
    return out, where


@_assertion
def prove(
    model: Model,
    inv_file: str | Path,
    scope: Mapping[str, int] | None = None,
    *,
    induction: bool | None = None,
    bmc: int | None = None,
    support: Sequence[str | Path] | str | Path = (),
    only: Iterable[str] | None = None,
    timeout: float = 30.0,
    explore_limit: int | None = None,
    allow_unknown: bool = False,
    allow_bound_hits: bool = False,
) -> ProofReport:
    """The invariants of ``inv_file`` proved with Z3 on ``model`` at ``scope`` — ``ioakit prove``:
    bounded model checking to depth ``bmc`` and/or induction (the default when no ``bmc`` is
    given; ``induction=True`` with ``bmc`` runs both), ``support`` files' invariants proved
    together with them; the file's ``step`` items as one-step obligations from the states
    satisfying its invariants (and the support).

    Fails on a violation (BMC's shortest violating run, or a start state violating an
    invariant), and on UNKNOWN unless ``allow_unknown``: a counterexample to induction (shown:
    not a violation, the invariants need strengthening or ``support``), a Z3 timeout, or a step
    cut off by the scope's bounds that was not ruled out (``allow_bound_hits`` accepts those)."""
    __tracebackhide__ = True
    from ioakit.engines.prove import Outcome, Prover, settled

    m = machine(model, scope)
    invs = invariant_set(m, inv_file, only)
    sup, sup_files = _support(m, support, invs)
    if induction is None:
        induction = bmc is None
    if not induction and bmc is None:
        raise UserError("prove needs induction=True or a BMC depth bmc=K")
    limit = {} if explore_limit is None else {"explore_limit": explore_limit}
    prover = Prover(m, timeout, allow_bound_hits=allow_bound_hits, **limit)
    b = settled(prover.bmc(invs.properties, bmc, support=sup)) if bmc is not None else None
    ind = settled(prover.induction(invs.properties, support=sup)) if induction else None
    steps = prover.check_steps(invs.step_properties, assume=[*invs.properties, *sup]) if invs.steps else None
    report = ProofReport(m.name, m.scope.as_dict(), b, ind, steps)
    where = f"{m.name} at {_scope_text(report.scope)}"

    def quote(name: str) -> str:
        return _quote(sup_files.get(name, invs), name)

    if report.verdict is Verdict.VIOLATED:
        texts: list[str] = []
        if b is not None:
            for it in b.items:
                if it.trace is not None:
                    title = f"{it.name} VIOLATED on {where}: BMC found a run of {len(it.trace)} step(s) to a violation"
                    texts.append(_violation(title, quote(it.name), it.trace))
        if ind is not None:
            for ii in ind.items:
                if ii.outcome is Outcome.VIOLATED_INITIALLY:
                    title = f"{ii.name} VIOLATED on {where}: false in a start state"
                    texts.append(_violation(title, quote(ii.name), ii.start_counterexample))
        raise CheckFailed(f"ioakit prove {where}: VIOLATED\n" + "\n\n".join(texts), report)
    if report.verdict is not Verdict.OK and not allow_unknown:
        raise CheckFailed(f"ioakit prove {where}: UNKNOWN — not proved\n" + _why_unknown(report, quote), report)
    return report


def _why_unknown(report: ProofReport, quote: Callable[[str], str]) -> str:
    """Why a proof is UNKNOWN, per undecided invariant: its counterexamples to induction, Z3's
    reason (a timeout), or a step cut off by the bounds; and what the test may do about it."""
    __tracebackhide__ = True
    from ioakit.engines.prove import Outcome

    out: list[str] = []
    ind, b = report.induction, report.bmc
    if ind is not None and ind.outcome is not Outcome.INDUCTIVE:
        for it in ind.items:
            if it.outcome is Outcome.NOT_INDUCTIVE:
                out.append(
                    f"{it.name} is not inductive: not preserved by {', '.join(it.breaking_families)} from some "
                    "state satisfying the invariants (which may be unreachable: this is not a violation; "
                    "strengthen the invariants or give support=...)"
                )
                out.append(quote(it.name))
                out.extend("  " + ln for c in it.ctis[:1] for ln in c.show().splitlines())
            elif it.outcome is Outcome.UNKNOWN:
                out.append(f"{it.name}: induction undecided — {it.reason}")
                out.append(quote(it.name))
    if report.steps is not None:
        for si in report.steps.items:
            if si.verdict is Verdict.VIOLATED:
                out.append(
                    f"step item {si.name}: its one-step obligation fails from a state satisfying the invariants "
                    "(which may be unreachable: this is not a violation; `check` explores the reachable steps)"
                )
                out.append(quote(si.name))
                if si.counterexample is not None:
                    out.extend("  " + ln for ln in si.counterexample.show().splitlines())
            elif si.verdict is not Verdict.OK:
                out.append(f"step item {si.name}: undecided — {si.reason}")
                out.append(quote(si.name))
    if b is not None and b.verdict is Verdict.UNKNOWN:
        for bi in b.items:
            if bi.verdict is Verdict.UNKNOWN:
                out.append(f"{bi.name}: BMC undecided beyond depth {bi.depth} — {bi.reason}")
                out.append(quote(bi.name))
    cut = any(r is not None and r.cut_possible for r in (b, ind, report.steps))
    hint = "allow_unknown=True accepts an undecided result"
    if cut:
        hint = "allow_bound_hits=True accepts steps cut off by the scope's bounds; " + hint
    out.append(f"({hint})")
    return "\n".join(out)


# -- refine: trace inclusion and refinement mappings ----------------------------------------


@_assertion
def refine(
    impl: str,
    spec: str,
    scope: Mapping[str, int] | None = None,
    *,
    mapping: str | None = None,
    trace: str | Path | None = None,
    z3: bool = False,
    assume: Sequence[str | Path] = (),
    timeout: float = 60.0,
    max_states: int | None = None,
    inclusion: bool = True,
    allow_incomplete: bool = False,
    allow_unknown: bool = False,
    allow_bound_hits: bool = False,
) -> RefineResult:
    """``impl`` refines ``spec`` (machine references) — ``ioakit refine``: trace inclusion at
    ``scope`` (the parameters each machine has) and every shipped refinement mapping between them
    (or the one named ``mapping``), checked exhaustively, along a recorded ``trace``, and with Z3
    (``z3=True``, assuming the invariant files ``assume``). Fails on a violation (the shortest
    trace the spec lacks, or the step the mapping fails on), and on INCOMPLETE / UNKNOWN unless
    accepted (``allow_incomplete`` / ``allow_unknown`` / ``allow_bound_hits``)."""
    __tracebackhide__ = True
    from ioakit.refinement.refine import refine as run_refine

    r = run_refine(
        impl,
        spec,
        dict(scope or {}),
        mapping=mapping,
        trace=trace,
        z3=z3,
        assume=assume,
        timeout_s=timeout,
        max_states=max_states,
        allow_bound_hits=allow_bound_hits,
        inclusion=inclusion,
    )
    v = r.verdict
    ok = v is Verdict.OK or (v is Verdict.INCOMPLETE and allow_incomplete) or (v is Verdict.UNKNOWN and allow_unknown)
    if not ok:
        why = {
            Verdict.INCOMPLETE: "\n(allow_incomplete=True accepts a partial check; allow_bound_hits=True steps cut "
            "off by the scope's bounds)",
            Verdict.UNKNOWN: "\n(allow_unknown=True accepts an undecided result)",
        }.get(v, "")
        where = f"{impl} → {spec}" + (f" at {_scope_text(scope)}" if scope else "")
        raise CheckFailed(f"ioakit refine {where}: {v.value}\n{r.show()}{why}", r)
    return r


def assert_trace_inclusion(impl: Machine, spec: Machine, *, allow_bound_hits: bool = False) -> None:
    """Every finite trace of ``impl`` is a trace of ``spec`` (exact at the machines' scopes).

    Steps cut off by the bounds of ``impl`` leave its traces unexplored, and those of ``spec``
    may hide the trace a witness lacks: either makes the assertion fail as incomplete (unless
    ``allow_bound_hits``) rather than pass or report a difference that may not exist."""
    __tracebackhide__ = True
    r = compare_traces(impl, spec, allow_bound_hits=allow_bound_hits)
    v = r.inclusion_verdict
    if v is Verdict.VIOLATED:
        raise CheckFailed(
            f"{impl.name} has a trace that {spec.name} does not allow (scope {impl.scope}): "
            + " · ".join(r.witness_left_only or ()),
            r,
        )
    if v is not Verdict.OK:
        raise CheckFailed(
            f"trace inclusion of {impl.name} in {spec.name}: model checking is incomplete ({r.reason})", r
        )


def assert_trace_equivalent(a: Machine, b: Machine, *, allow_bound_hits: bool = False) -> None:
    """``a`` and ``b`` have exactly the same finite traces (exact at the machines' scopes)."""
    __tracebackhide__ = True
    assert_trace_inclusion(a, b, allow_bound_hits=allow_bound_hits)
    assert_trace_inclusion(b, a, allow_bound_hits=allow_bound_hits)


# -- recorded traces -------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceReport:
    """A recorded trace judged by its automaton's registered checker (``ioakit trace``)."""

    file: str
    automaton: str
    claim: str
    verdict: Verdict
    result: Any
    """The checker's result: ``holds``, ``properties`` (and ``assumptions`` for some checkers)."""


def _property_verdict(pr: Any) -> Verdict:
    # a third-party checker may give only ``holds`` (registry.TraceCheck): OK / VIOLATED
    return getattr(pr, "verdict", None) or (Verdict.OK if pr.holds else Verdict.VIOLATED)


@_assertion
def assert_trace(path: str | Path, *, allow_unknown: bool = False) -> TraceReport:
    """The recorded trace file ``path`` satisfies every property its automaton's checker judges
    (``ioakit trace``). Fails on a violated property (its name, the event it fails at, the
    checker's explanation), and on a property the checker could not judge (UNKNOWN, e.g. a
    history without a stabilization marker) unless ``allow_unknown``. A file that cannot be
    read, or whose automaton has no checker, is an input error."""
    __tracebackhide__ = True
    file = str(path)
    header, checker, result = registry.judge_trace_file(file)
    if isinstance(result, registry.InterruptedTraceCheck):  # Ctrl-C stops the test run, as it would have
        raise KeyboardInterrupt
    verdict = getattr(result, "verdict", None) or (Verdict.OK if result.holds else Verdict.VIOLATED)
    report = TraceReport(file, header.automaton, checker.claim, verdict, result)
    if verdict is Verdict.OK or (verdict is Verdict.UNKNOWN and allow_unknown):
        return report
    lines = [f"ioakit trace {file} ({header.automaton}: {checker.claim}): {verdict.value}"]
    for pr in result.properties:
        pv = _property_verdict(pr)
        if pv is Verdict.VIOLATED:
            lines.append(f"  {pr.name} VIOLATED at event {pr.event_index}: {pr.explanation}")
        elif pv is not Verdict.OK:
            lines.append(f"  {pr.name} not judged ({pv.value}): {pr.explanation}")
    if verdict is Verdict.UNKNOWN:
        lines.append("(allow_unknown=True accepts properties the trace cannot settle)")
    raise CheckFailed("\n".join(lines), report)
