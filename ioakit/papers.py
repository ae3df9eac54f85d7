"""The main job (``ioakit papers``): every registered paper's claims checked and summarised.

The claims come from the registry (``ioakit.registry.claims``): each paper bundle lists its own,
built from the generic job kinds below (explore a machine, check an invariant file, prove one by
induction, compare two machines' finite traces) or from checks of its own. Each job is a library
call with a verdict (``ioakit.results``). A job whose verdict is the one its claim expects is
*judged* OK — including a documented finding that a paper's claim is false, which is reported
as such every time (never silently fixed) and turns the job red if it ever changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ioakit.engines.explore import Explorer
from ioakit.registry import claims, default_properties, get_spec, invariant_file
from ioakit.results import Verdict


@dataclass(frozen=True)
class JobResult:
    """One check of the main job. ``scope`` is the scope it ran at and ``scope_text`` the same,
    compactly: only the parameters that differ from the machine's defaults (``ioakit list``), so
    two checks of one machine at different scopes never print alike. ``expected`` is the verdict
    the project documented for this claim; ``judged`` compares the two."""

    name: str
    claim: str
    verdict: Verdict
    detail: str
    seconds: float
    data: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, int] = field(default_factory=dict)
    scope_text: str = ""
    expected: Verdict = Verdict.OK
    fixed_by: str | None = None
    """For a documented finding: the claim that checks the fixed variant (``Claim.fixed_by``)."""
    paper: str = ""
    """The key of the paper whose claim this is (set by ``run_all``; JUnit groups by it)."""
    claim_name: str = ""
    """The name of the registry's claim this job checks (``Claim.name``, set by ``run_all``)."""

    @property
    def judged(self) -> Verdict:
        """OK when the verdict is the expected one; an expected OK that is not OK keeps its verdict;
        a documented finding (expected VIOLATED) that no longer shows is VIOLATED: it changed."""
        if self.verdict is self.expected:
            return Verdict.OK
        if self.expected is Verdict.OK:
            return self.verdict
        return Verdict.VIOLATED if self.verdict is Verdict.OK else self.verdict

    def show(self) -> str:
        """One job's lines in the main job's listing."""
        text = (
            f"  {self.verdict.value:<10} {self.name:<24} [{self.scope_text}] {self.detail}  ({self.seconds:.1f} s)\n"
            f"  {'':<10} {'':<24} claim: {self.claim}"
        )
        if self.expected is not Verdict.OK:
            word = "as documented" if self.judged is Verdict.OK else "CHANGED"
            refuted = "REFUTED: the paper's claim is false here" if self.verdict is Verdict.VIOLATED else "finding"
            text += f"\n  {'':<10} {'':<24} {refuted}; expected finding: {self.expected.value} ({word})"
            if self.fixed_by:
                text += f"\n  {'':<10} {'':<24} fixed variant checked by: {self.fixed_by}"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "paper": self.paper,
            "claim": self.claim,
            "verdict": self.verdict.value,
            "expected": self.expected.value,
            "refuted": self.expected is Verdict.VIOLATED and self.verdict is Verdict.VIOLATED,
            "fixed_by": self.fixed_by,
            "judged": self.judged.value,
            "claim_name": self.claim_name,
            "detail": self.detail,
            "scope": self.scope,
            "scope_text": self.scope_text,
            "seconds": round(self.seconds, 3),
            "data": self.data,
        }


def compact_scope(machine: str, scope: dict[str, int]) -> str:
    """``default scope``, or the parameters that differ from ``machine``'s defaults in ``--scope``
    syntax (``processors=3,view_ids=3``), so the text can be pasted back on the command line."""
    spec = get_spec(machine)
    defaults = {p.name: p.default for p in spec.parameters}
    changed = [f"{k}={v}" for k, v in scope.items() if defaults.get(k) != v]
    return ",".join(changed) if changed else "default scope"


def scoped(r: JobResult, machine: str, scope: dict[str, int]) -> JobResult:
    """``r`` with the scope it ran at (and its compact text) filled in."""
    return replace(r, scope=dict(scope), scope_text=compact_scope(machine, scope))


def explore_job(machine: str, scope: dict[str, int], claim: str) -> JobResult:
    """Explore ``machine`` at ``scope`` with its paper's default properties on every state."""
    t0 = time.perf_counter()
    m = get_spec(machine).build(scope)
    r = Explorer(m).check(default_properties(m)).run()
    if r.interrupted:
        raise KeyboardInterrupt
    n_ok = sum(x.verdict is Verdict.OK for x in r.results)
    detail = f"{r.states:,} states, {r.transitions:,} transitions, depth {r.depth}: {n_ok}/{len(r.results)} hold"
    bad = [x.name for x in r.results if x.verdict is Verdict.VIOLATED]
    if bad:
        detail += f"; violated: {', '.join(bad)}"
    if not r.complete:
        detail += f"; INCOMPLETE: {r.reason}"
    return scoped(
        JobResult(f"explore {machine}", claim, r.verdict, detail, time.perf_counter() - t0, r.to_json()), machine, scope
    )


def liveness_job(machine: str, scope: dict[str, int], claim: str) -> JobResult:
    """Decide the machine's liveness conclusions at ``scope`` (``ioakit.engines.quiescence``)."""
    from ioakit.engines.quiescence import check_quiescence
    from ioakit.registry import liveness_conclusions

    t0 = time.perf_counter()
    m = get_spec(machine).build(scope)
    conclusions = liveness_conclusions(m)
    if conclusions is None:
        raise ValueError(f"{machine} has no liveness conclusions")
    r = check_quiescence(m, conclusions)
    if r.interrupted:
        raise KeyboardInterrupt
    detail = (
        f"{r.states:,} states, {r.transitions:,} transitions, {r.quiescent:,} quiescent: "
        f"{', '.join(r.conclusions)} {'hold' if r.verdict is Verdict.OK else r.verdict.value}"
    )
    if r.failed:
        detail += f"; failed: {', '.join(r.failed)}"
    if r.reason:
        detail += f"; {r.reason}"
    job = JobResult(f"liveness {machine}", claim, r.verdict, detail, time.perf_counter() - t0, r.to_json())
    return scoped(job, machine, scope)


def trace_equivalence_job(left: str, right: str, scope: dict[str, int], name: str, claim: str) -> JobResult:
    """Decide exactly whether ``left`` and ``right`` have the same finite traces at ``scope``."""
    from ioakit.refinement.trace_equiv import compare_traces

    t0 = time.perf_counter()
    r = compare_traces(get_spec(left).build(scope), get_spec(right).build(scope))
    verdict = r.verdict
    if verdict is Verdict.INCOMPLETE:
        detail = f"INCOMPLETE: {r.reason}"
    else:
        detail = f"{'same finite traces' if verdict is Verdict.OK else 'traces DIFFER'} (exact)"
    if verdict is Verdict.VIOLATED:
        detail += f"; witness: {r.witness_left_only or r.witness_right_only}"
    job = JobResult(name, claim, verdict, detail, time.perf_counter() - t0, r.to_json())
    return scoped(job, left, scope)


def trace_inclusion_job(
    left: str, scope: dict[str, int], right: str, right_scope: dict[str, int], name: str, claim: str
) -> JobResult:
    """Decide exactly whether every finite trace of ``left`` is one of ``right`` (the two scopes
    given separately: an implementation and its specification have different parameters)."""
    from ioakit.refinement.trace_equiv import compare_traces

    t0 = time.perf_counter()
    r = compare_traces(get_spec(left).build(scope), get_spec(right).build(right_scope))
    verdict = r.inclusion_verdict
    if verdict is Verdict.INCOMPLETE:
        detail = f"INCOMPLETE: {r.reason}"
    elif verdict is Verdict.OK:
        detail = f"every trace of {left} is a trace of {right} (exact)"
    else:
        detail = f"a trace of {left} that {right} lacks (shortest): {' · '.join(r.witness_left_only or ())}"
    detail += f"; {r.left_states:,} / {r.right_states:,} states"
    job = JobResult(name, claim, verdict, detail, time.perf_counter() - t0, r.to_json())
    return scoped(job, left, scope)


def refinement_job(impl: str, scope: dict[str, int], mapping: str, claim: str) -> JobResult:
    """Check a shipped refinement mapping on every reachable step of ``impl`` at ``scope``."""
    from ioakit.refinement.check import check_exhaustive
    from ioakit.refinement.refine import bind, mapping_named

    t0 = time.perf_counter()
    r = check_exhaustive(bind(mapping_named(mapping), get_spec(impl).build(scope)))
    if r.interrupted:
        raise KeyboardInterrupt
    detail = f"{r.states:,} states, {r.steps:,} steps"
    if r.failure is not None:
        detail += f": f fails at {r.failure.impl_action} ({r.failure.detail}) after {len(r.execution)} steps"
    elif r.verdict is not Verdict.OK:
        detail += f"; {r.verdict.value}: {r.reason}"
    else:
        detail += f": {mapping} is a forward simulation to {r.spec} on all of them"
    job = JobResult(f"refine {impl}", claim, r.verdict, detail, time.perf_counter() - t0, r.to_json())
    return scoped(job, impl, scope)


def invariant_file_job(machine: str, scope: dict[str, int], file: str, claim: str = "") -> JobResult:
    """Check a shipped invariant file (by name) on every reachable state of ``machine``."""
    from ioakit.invariants import check_invariants, load_invariants

    t0 = time.perf_counter()
    m = get_spec(machine).build(scope)
    path = invariant_file(file)
    invs = load_invariants(path, m)
    r = check_invariants(m, invs)
    if r.explore.interrupted:
        raise KeyboardInterrupt
    j = r.to_json()
    n_ok = sum(i["verdict"] == "OK" for i in j["invariants"])
    detail = f"{path.parent.name}/{path.name}: {n_ok}/{len(j['invariants'])} hold on {j['states']:,} states"
    job = JobResult(
        f"check {path.name} on {machine}",
        claim or "the shipped invariant file (DSL), explored",
        r.verdict,
        detail,
        time.perf_counter() - t0,
        j,
    )
    return scoped(job, machine, scope)


def induction_job(machine: str, scope: dict[str, int], file: str, claim: str, support: Sequence[str] = ()) -> JobResult:
    """Is the conjunction of a shipped invariant file inductive at ``scope`` (Z3)? Also lists the
    invariants inductive alone. Not inductive is UNKNOWN, never VIOLATED: a counterexample to
    induction may start in an unreachable state.

    ``support``: shipped invariant files whose invariants are proved *together with* the file's
    (``Prover.induction(..., support=...)``) and then assumed, e.g. ``vs_bounds`` so that Z3 rules
    out steps cut off by the scope's bounds without exploring the bounded machine."""
    from ioakit.engines.prove import Outcome, Prover, settled
    from ioakit.invariants import load_invariants

    t0 = time.perf_counter()
    m = get_spec(machine).build(scope)
    props = list(load_invariants(invariant_file(file), m).properties)
    sup = [p for f in support for p in load_invariants(invariant_file(f), m).properties]
    prover = Prover(m, 60.0)
    r = settled(prover.induction(props, support=sup))
    # "alone": each item preserved with no other item assumed; with supports, they are assumed
    # too (proved with the conjunction when ``r`` is OK), so Z3 rules out the cut steps by itself
    alone = [p.name.rsplit("_", 1)[-1] for p in props if settled(prover.induction([p], sup)).inductive is Verdict.OK]
    word = {
        Outcome.INDUCTIVE: "inductive",
        Outcome.NOT_INDUCTIVE: "NOT inductive (not a violation: a CTI's pre-state may be unreachable)",
        Outcome.VIOLATED_INITIALLY: "VIOLATED in a start state",
        Outcome.UNKNOWN: "unknown (steps cut off by the scope's bounds not ruled out)"
        if r.cut_possible
        else "unknown (solver)",
    }[r.outcome]
    with_sup = f" with support {', '.join(r.support)} (proved with them)" if r.support else ""
    detail = (
        f"conjunction of all {len(props)} items{with_sup} {word} (Z3, bounded scope); "
        f"inductive alone{' (assuming the support)' if sup else ''}: {', '.join(alone)}"
    )
    name = f"prove {file}" + "".join(f" --support {f}" for f in support) + " (Z3)"
    job = JobResult(name, claim, r.verdict, detail, time.perf_counter() - t0, r.to_json())
    return scoped(job, machine, scope)


def _cut_steps(r: JobResult) -> JobResult:
    """A job whose data reports steps cut off by the scope's bounds is at best INCOMPLETE (a
    safety net for jobs built elsewhere, e.g. by a paper bundle, that judge only violations)."""
    hits = r.data.get("bound_hits") if isinstance(r.data, dict) else None
    n = sum(hits.values()) if isinstance(hits, dict) else hits or 0
    if n and r.verdict is Verdict.OK and not r.data.get("bound_hits_allowed"):
        return replace(r, verdict=Verdict.INCOMPLETE, detail=f"{r.detail}; INCOMPLETE: {n} steps cut by the bounds")
    return r


def run_all(
    progress: Callable[[JobResult], None] | None = None,
    started: Callable[[int, int, str], None] | None = None,
) -> list[JobResult]:
    """Run every registered paper's claims, in registry order; ``progress`` sees each result,
    ``started(k, n, name)`` each job as it starts (the k-th of n, from 0: a display hook).

    Ctrl-C stops the run: the jobs finished so far are returned followed by one INCOMPLETE job
    named ``interrupted`` (the remaining ones are not run)."""
    out = []
    todo = list(claims())
    for k, (paper, c) in enumerate(todo):
        key = getattr(paper, "key", "")
        if started is not None:
            started(k, len(todo), c.name)
        try:
            r = _cut_steps(c.run())
        except KeyboardInterrupt:
            why = "interrupted (Ctrl-C); later checks not run"
            r = JobResult(
                "interrupted", c.name, Verdict.INCOMPLETE, why, 0.0, scope_text="-", paper=key, claim_name=c.name
            )
            out.append(r)
            if progress is not None:
                progress(r)
            break
        r = replace(r, paper=key, claim_name=c.name)
        if c.expected is not Verdict.OK:
            r = replace(r, expected=c.expected, fixed_by=c.fixed_by)
        out.append(r)
        if progress is not None:
            progress(r)
    return out


def overall(results: list[JobResult]) -> Verdict:
    """The main job's verdict: each result judged against its expected verdict, then combined."""
    return Verdict.combine(r.judged for r in results)


@dataclass(frozen=True)
class MainJob:
    """The main job's report (``ioakit papers``): every job run, and their combined verdict.

    ``show()`` is a table of every check and the summary line (the jobs' own lines, with their
    details and claims, are printed as they finish)."""

    jobs: tuple[JobResult, ...]

    @property
    def verdict(self) -> Verdict:
        return overall(list(self.jobs))

    def to_json(self) -> dict[str, Any]:
        from ioakit.backends.symbolic import z3_version

        return {"verdict": self.verdict.value, "z3_version": z3_version(), "jobs": [r.to_json() for r in self.jobs]}

    def table(self) -> str:
        """Every check on one aligned line: its verdict, how it was judged against the verdict
        the project expects (OK for a documented finding found again), time, the claim's name,
        the check run and its scope."""
        wc = max([len("claim"), *(len(r.claim_name) for r in self.jobs)])
        w = max([len("check"), *(len(r.name) for r in self.jobs)])
        lines = [f"  {'verdict':<10}  {'judged':<10}  {'seconds':>7}  {'claim':<{wc}}  {'check':<{w}}  scope"]
        for r in self.jobs:
            line = (
                f"  {r.verdict.value:<10}  {r.judged.value:<10}  {r.seconds:>7.1f}  {r.claim_name:<{wc}}  "
                f"{r.name:<{w}}  {r.scope_text}"
            )
            if r.expected is not Verdict.OK:
                line += f"  (expected finding: {'as documented' if r.judged is Verdict.OK else 'CHANGED'})"
            lines.append(line)
        return "\n".join(lines)

    def show(self) -> str:
        """The table of every check (after a blank line: the jobs' own lines come before), then
        the summary line."""
        return "\n" + self.table() + "\n" + self.summary()

    def summary(self) -> str:
        n_ok = sum(r.judged is Verdict.OK for r in self.jobs)
        findings = sum(r.expected is not Verdict.OK and r.judged is Verdict.OK for r in self.jobs)
        extra = f" ({findings} of them documented findings against a paper's claim)" if findings else ""
        return f"summary: {self.verdict.value} — {n_ok}/{len(self.jobs)} checks hold{extra}"
