"""``ioakit refine``: does an implementation refine a specification — by trace inclusion and
through every shipped (or named) refinement mapping — at a scope, or along a recorded trace.

Two independent checks of one theorem (FLS Theorem 6.26 is proved through ``f``; trace inclusion
decides the theorem itself at the scope): ``refine`` runs trace inclusion (exact, with a
shortest offending trace; ``refinement.trace_equiv``) and each mapping exhaustively
(``refinement.check``), plus Z3's step obligation with ``z3=True``. Along a recorded trace only
the mappings apply (a single run says nothing about the other runs).

Ctrl-C (or SIGTERM, turned into it by ``ioakit.cli.main``) stops ``refine`` with the checks
finished so far, the one interrupted (its partial report where it makes one: an exhaustive
mapping check counts the states and steps checked) and the ones not started: never OK.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ioakit.errors import UserError, is_interrupt
from ioakit.lang.automaton import Machine, ScopeError, Spec
from ioakit.results import Verdict


@dataclass(frozen=True)
class RefineResult:
    """Every check ``refine`` ran, with one combined verdict (``Verdict.combine``)."""

    impl: str
    spec: str
    parts: tuple[Any, ...]
    """``TraceComparison`` (trace inclusion) and ``RefinementReport`` (a mapping, one way each)."""
    trace: str | None = None
    """The recorded run checked (``--trace``): the verdict is about that run only."""
    interrupted: str | None = None
    """The check Ctrl-C stopped (its partial report, if it made one, is the last of ``parts``),
    or None."""
    not_run: tuple[str, ...] = ()
    """The checks not started because of the interrupt."""

    @property
    def verdict(self) -> Verdict:
        """The parts' verdicts combined; after an interrupt at best INCOMPLETE (a violation found
        before it stays VIOLATED)."""
        v = Verdict.combine(_part_verdict(p) for p in self.parts)
        return Verdict.INCOMPLETE if self.interrupted is not None and v is Verdict.OK else v

    def show(self) -> str:
        word = {
            Verdict.OK: "refines",
            Verdict.VIOLATED: "does NOT refine",
            Verdict.INCOMPLETE: "undecided (incomplete) whether it refines",
            Verdict.UNKNOWN: "undecided (unknown) whether it refines",
        }[self.verdict]
        if self.trace is not None:
            word = {
                Verdict.OK: "matches",
                Verdict.VIOLATED: "does NOT match",
                Verdict.INCOMPLETE: "undecided (incomplete) whether it matches",
                Verdict.UNKNOWN: "undecided (unknown) whether it matches",
            }[self.verdict]
            out = [
                f"{self.verdict.value} — the recorded run {self.trace} of {self.impl} {word} {self.spec} "
                "(this run only)"
            ]
        else:
            out = [f"{self.verdict.value} — {self.impl} {word} {self.spec}"]
        names = [_part_name(p) for p in self.parts]
        w = max(len(n) for n in [*names, *self.not_run, self.interrupted or "", "check"])
        out.append(f"  {'check':<{w}}  verdict")
        out.extend(f"  {n:<{w}}  {_part_verdict(p).value}" for n, p in zip(names, self.parts))
        if self.interrupted is not None:
            reported = bool(self.parts) and getattr(self.parts[-1], "interrupted", False)
            if not reported:  # stopped before the check made a report of its own
                out.append(f"  {self.interrupted:<{w}}  INCOMPLETE (interrupted before any result)")
            out.extend(f"  {n:<{w}}  not run (interrupted)" for n in self.not_run)
            out.append(
                f"  interrupted (Ctrl-C) during {self.interrupted}: {len(self.parts) - reported} check(s) finished "
                f"before it, {len(self.not_run)} not run; nothing is claimed about the checks not finished"
            )
        for p in self.parts:
            text = p.show() if hasattr(p, "failure") else _inclusion_text(p)
            out.append("\n".join("  " + line for line in text.splitlines()))
        return "\n".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "refine",
            "impl": self.impl,
            "spec": self.spec,
            "verdict": self.verdict.value,
            "trace": self.trace,
            # every check ran to its end: not interrupted, none stopped short (INCOMPLETE)
            "complete": self.interrupted is None and self.verdict is not Verdict.INCOMPLETE,
            "interrupted": self.interrupted is not None,
            "interrupted_check": self.interrupted,
            "not_run": list(self.not_run),
            "checks": [{**p.to_json(), "verdict": _part_verdict(p).value} for p in self.parts],
        }


def _part_name(p: Any) -> str:
    """A check's name in the summary table: trace inclusion, or a mapping and how it was checked."""
    if hasattr(p, "left_in_right"):
        return f"trace inclusion: traces({p.left}) ⊆ traces({p.right})"
    return f"mapping {p.mapping} ({p.method})"


def _part_verdict(p: Any) -> Verdict:
    if hasattr(p, "left_in_right"):  # trace inclusion: only the implementation's side matters
        return inclusion_verdict(p)
    return p.verdict


def inclusion_verdict(r: Any) -> Verdict:
    """traces(impl) ⊆ traces(spec) (``TraceComparison.inclusion_verdict``)."""
    return r.inclusion_verdict


def _inclusion_text(r: Any) -> str:
    v = inclusion_verdict(r)
    head = f"{v.value} — trace inclusion: every finite trace of {r.left} is a trace of {r.right} (exact)"
    if v is Verdict.VIOLATED:
        head = f"{v.value} — trace inclusion: {r.left} has a trace that {r.right} lacks"
    if v is Verdict.INCOMPLETE:
        why = "interrupted (Ctrl-C)" if r.interrupted else "steps were cut off by the bounds"
        head = f"{v.value} — trace inclusion of {r.left} in {r.right}: not decided, {why}"
    lines = [head, f"  {r.left_states:,} / {r.right_states:,} states, {r.macro_pairs:,} pairs in {r.seconds:.2f} s"]
    if v is Verdict.VIOLATED:
        w = r.witness_left_only or ()
        lines.append(f"  shortest such trace ({len(w)} actions): " + " · ".join(w))
    if v is Verdict.INCOMPLETE:
        if not r.left_in_right:  # a witness that may only be missing from the spec because of its cut
            w = r.witness_left_only or ()
            lines.append(
                f"  {r.right} (with steps cut) lacks a trace of {r.left} ({len(w)} actions): "
                + " · ".join(w)
                + "; not a violation: the cut steps may allow it"
            )
        lines.append(f"  {r.reason}")
    else:
        if r.interrupted:  # a trace the spec lacks, found before Ctrl-C: what was compared
            lines.append(f"  {r.interruption}")
        if r.bound_reason:  # cut steps accepted: say that the verdict is about the bounded machines
            lines.append(f"  BOUND HITS ACCEPTED (--allow-bound-hits): {r.bound_reason}")
    return "\n".join(lines)


def mapping_classes() -> dict[str, type]:
    """Every shipped refinement mapping by name (the papers' bundles)."""
    from ioakit.registry import papers

    out: dict[str, type] = {}
    for p in papers():
        out.update(p.mappings)
    return out


def mappings_between(impl: str, spec: str) -> list[Any]:
    """The shipped mappings (declarations) from machine ``impl`` to machine ``spec``."""
    out = []
    for cls in mapping_classes().values():
        d = cls()
        if d.spec == spec and d.applies_to(impl):
            out.append(d)
    return out


def mapping_named(name: str) -> Any:
    """A shipped mapping by name, or a user's own: ``path/to/file.py:Class`` or
    ``module:Class`` naming a ``Refinement`` subclass (imported like a user's model)."""
    from ioakit.refinement.mapping import Refinement
    from ioakit.registry import import_reference

    imported = import_reference(name)
    if imported is not None:
        mod, cls_name = imported
        cls = getattr(mod, cls_name, None)
        if not (isinstance(cls, type) and issubclass(cls, Refinement)):
            raise UserError(f"{name}: {name.rpartition(':')[0]} has no Refinement subclass {cls_name!r}")
        return cls()
    classes = mapping_classes()
    if name not in classes:
        known = ", ".join(sorted(classes)) or "none"
        raise UserError(
            f"no refinement mapping named {name!r}; shipped: {known} (or give your own as path/to/file.py:Class)"
        )
    return classes[name]()


def split_scope(impl: Spec, spec: Spec, given: MappingABC[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """Each machine takes the given scope parameters it has; one neither has is an error."""
    names = [{p.name for p in sp.parameters} for sp in (impl, spec)]
    unknown = sorted(set(given) - names[0] - names[1])
    if unknown:
        raise ScopeError(f"neither {impl.name} nor {spec.name} has the scope parameter(s) {', '.join(unknown)}")
    return tuple({k: v for k, v in given.items() if k in ns} for ns in names)  # type: ignore[return-value]


def bind(decl: Any, impl: Machine) -> Any:
    """A mapping declaration bound to ``impl`` and to its specification at the derived scope."""
    from ioakit.refinement.mapping import build_mapping
    from ioakit.registry import get_spec

    spec = get_spec(decl.spec).build(decl.spec_scope(impl.scope), environment=False)
    return build_mapping(decl, impl, spec)


def refine(
    impl_name: str,
    spec_name: str,
    given: MappingABC[str, int] | None = None,
    *,
    mapping: str | None = None,
    trace: str | Path | None = None,
    z3: bool = False,
    assume: Sequence[str | Path] = (),
    timeout_s: float = 60.0,
    max_states: int | None = None,
    allow_bound_hits: bool = False,
    inclusion: bool = True,
    progress: Callable[[str], None] | None = None,
) -> RefineResult:
    """Run the checks of ``ioakit refine`` (see the module docstring); ``progress(text)`` is
    told which check starts (a display hook)."""

    def starting(text: str) -> None:
        if progress is not None:
            progress(text)

    from ioakit.refinement.check import check_exhaustive, check_symbolic, check_trace
    from ioakit.registry import get_spec

    impl_spec, spec_spec = get_spec(impl_name), get_spec(spec_name)
    decls = [mapping_named(mapping)] if mapping else mappings_between(impl_spec.name, spec_spec.name)
    for d in decls:
        if d.spec != spec_spec.name and get_spec(d.spec).name != spec_spec.name:
            raise UserError(f"mapping {d.name} maps to {d.spec}, not {spec_spec.name}")
        if not d.applies_to(impl_spec.name):
            raise UserError(f"mapping {d.name} is written for {', '.join(d.impl)}, not {impl_spec.name}")
    if trace is not None:
        from ioakit.traces.format import read_trace

        if not decls:
            raise UserError(
                f"checking a trace needs a refinement mapping from {impl_spec.name} to {spec_spec.name}; none is "
                "shipped (name one with --mapping)"
            )
        if not Path(trace).is_file():
            raise UserError(f"{trace}: no such trace file")
        header, _ = read_trace(trace)
        if header.automaton != impl_spec.name:
            raise UserError(f"{trace}:1: the trace is of {header.automaton}, not {impl_spec.name}")
        from ioakit.traces.validate import header_scope

        params = {p.name for p in impl_spec.parameters}
        bounded = header_scope(header, str(trace))  # before the build that grows with it
        scope = {k: v for k, v in bounded.items() if k in params and isinstance(v, int)}
        if given:
            raise UserError("a trace carries its own scope (its header); do not give --scope with --trace")
        impl = impl_spec.build(scope)

        def along(d: Any) -> Any:
            h, evs = read_trace(trace)  # type: ignore[arg-type]  # not None here
            return check_trace(bind(d, impl), h, evs, str(trace))

        checks = [(f"mapping {d.name} along {trace}", lambda d=d: along(d)) for d in decls]
        parts, stopped, not_run = _run_checks(checks, starting)
        return RefineResult(impl_spec.name, spec_spec.name, tuple(parts), str(trace), stopped, not_run)
    impl_scope, spec_scope = split_scope(impl_spec, spec_spec, given or {})
    impl = impl_spec.build(impl_scope)
    props = []  # the assumed invariants are read before any check: a bad file is refused at once
    if assume:
        from ioakit.invariants.loader import load_invariants
        from ioakit.registry import find_invariant_file

        for f in assume:
            props += list(load_invariants(find_invariant_file(f), impl).properties)
    checks: list[tuple[str, Callable[[], Any]]] = []
    if inclusion:
        from ioakit.refinement.trace_equiv import compare_traces

        # the specification side of trace inclusion gets the parameters it shares with the
        # implementation (processors, values, max_inputs: the same environment)
        shared = {p.name for p in spec_spec.parameters} & {p.name for p in impl_spec.parameters}
        sscope = {k: impl.scope[k] for k in shared} | spec_scope
        checks.append(
            (
                "trace inclusion",
                lambda: compare_traces(impl, spec_spec.build(sscope), allow_bound_hits=allow_bound_hits),
            )
        )
    bound: dict[str, Any] = {}

    def mapping_of(d: Any) -> Any:
        """``d`` bound to the implementation, once for both of its checks."""
        if d.name not in bound:
            bound[d.name] = bind(d, impl)
        return bound[d.name]

    for d in decls:
        checks.append(
            (
                f"mapping {d.name} (exhaustive)",
                lambda d=d: check_exhaustive(mapping_of(d), max_states=max_states, allow_bound_hits=allow_bound_hits),
            )
        )
        if z3:
            checks.append(
                (f"mapping {d.name} (Z3)", lambda d=d: check_symbolic(mapping_of(d), props, timeout_s=timeout_s))
            )
    if not checks:
        raise UserError("nothing to check: trace inclusion was switched off and no mapping applies")
    parts, stopped, not_run = _run_checks(checks, starting)
    return RefineResult(impl_spec.name, spec_spec.name, tuple(parts), None, stopped, not_run)


def _run_checks(
    checks: Sequence[tuple[str, Callable[[], Any]]], starting: Callable[[str], None]
) -> tuple[list[Any], str | None, tuple[str, ...]]:
    """Run the named checks in order: ``(reports, interrupted check or None, checks not run)``.

    Ctrl-C stops the run (no later check starts, so no further Z3 query is made): a check that
    caught it itself returns a report marked ``interrupted``, kept as the last report; one that
    did not (a Z3 check, code generation) leaves no report, only its name."""
    parts: list[Any] = []
    for i, (name, run) in enumerate(checks):
        starting(name)
        try:
            part = run()
        except KeyboardInterrupt:
            return parts, name, tuple(n for n, _ in checks[i + 1 :])
        except Exception as e:  # Ctrl-C surfacing through Z3's ctypes calls
            if not is_interrupt(e):
                raise
            return parts, name, tuple(n for n, _ in checks[i + 1 :])
        parts.append(part)
        if getattr(part, "interrupted", False):
            return parts, name, tuple(n for n, _ in checks[i + 1 :])
    return parts, None, ()
