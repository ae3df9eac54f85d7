"""The main job: check the bundled paper models and summarise (``ioakit papers``).

Each job is a library call with a three-valued verdict; the summary's verdict is VIOLATED if
any job found a violation, INCOMPLETE/UNKNOWN if any could not finish, OK otherwise. A job whose
result *contradicts a paper's claim* is reported as such (never silently fixed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ioakit.specs.explore import Explorer, Verdict
from ioakit.specs.machines import get_spec


@dataclass(frozen=True)
class JobResult:
    """One check of the main job. ``scope`` is the scope it ran at and ``scope_text`` the same,
    compactly: only the parameters that differ from the machine's defaults (``ioakit list``), so
    two checks of one machine at different scopes never print alike."""

    name: str
    claim: str
    verdict: Verdict
    detail: str
    seconds: float
    data: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, int] = field(default_factory=dict)
    scope_text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "claim": self.claim,
            "verdict": self.verdict.value,
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


def _scoped(r: JobResult, machine: str, scope: dict[str, int]) -> JobResult:
    return replace(r, scope=dict(scope), scope_text=compact_scope(machine, scope))


VS_SCOPE = {"processors": 2, "initial_members": 2, "view_ids": 2, "messages": 1, "max_inputs": 2}
TO_SCOPE = {"processors": 2, "values": 2, "max_inputs": 3}


def _explore_job(machine: str, scope: dict[str, int], claim: str) -> JobResult:
    from ioakit.cli import builtin_properties

    t0 = time.perf_counter()
    m = get_spec(machine).build(scope)
    r = Explorer(m).check(builtin_properties(m)).run()
    n_ok = sum(x.verdict is Verdict.OK for x in r.results)
    detail = f"{r.states:,} states, {r.transitions:,} transitions, depth {r.depth}: {n_ok}/{len(r.results)} hold"
    bad = [x.name for x in r.results if x.verdict is Verdict.VIOLATED]
    if bad:
        detail += f"; violated: {', '.join(bad)}"
    return _scoped(
        JobResult(f"explore {machine}", claim, r.verdict, detail, time.perf_counter() - t0, r.to_json()), machine, scope
    )


def _weakvs_job(scope: dict[str, int]) -> JobResult:
    from ioakit.refinement.trace_equiv import compare_traces

    t0 = time.perf_counter()
    r = compare_traces(get_spec("VS-machine").build(scope), get_spec("WeakVS-machine").build(scope))
    detail = f"{'same finite traces' if r.equivalent else 'traces DIFFER'} (exact)"
    if not r.equivalent:
        detail += f"; witness: {r.witness_left_only or r.witness_right_only}"
    job = JobResult(
        "WeakVS ≡ VS",
        "Remark after Lemma 4.2 (unproved in the paper)",
        Verdict.OK if r.equivalent else Verdict.VIOLATED,
        detail,
        time.perf_counter() - t0,
        r.to_json(),
    )
    return _scoped(job, "VS-machine", scope)


def _lemma_4_2_job(machine: str, scope: dict[str, int], source: str, **kw: int) -> JobResult:
    from ioakit.traces.machine_runs import check_lemma_4_2

    t0 = time.perf_counter()
    r = check_lemma_4_2(get_spec(machine).build(scope), source, **kw)
    what = {
        "shortest": "shortest execution of every reachable state",
        "exhaustive": f"every execution of <= {kw.get('depth')} steps",
        "simulated": f"{kw.get('runs')} seeded random runs",
    }[source]
    detail = f"{r.executions:,} traces ({what}), {r.events:,} events: "
    detail += "all four properties hold" if r.holds else f"{r.failures} traces violate it"
    job = JobResult(
        f"Lemma 4.2 on {machine}",
        "Lemma 4.2 (cause: integrity, no dup., no reorder, no loss)",
        Verdict.OK if r.holds else Verdict.VIOLATED,
        detail,
        time.perf_counter() - t0,
        r.to_json(),
    )
    return _scoped(job, machine, scope)


def _dsl_job(machine: str, scope: dict[str, int], lemma: str) -> JobResult:
    from ioakit.invariants import check_invariants, lemma_file, load_invariants

    t0 = time.perf_counter()
    m = get_spec(machine).build(scope)
    invs = load_invariants(lemma_file(lemma), m)
    r = check_invariants(m, invs)
    j = r.to_json()
    n_ok = sum(i["verdict"] == "OK" for i in j["invariants"])
    detail = f"invariants/lemmas/{lemma}.inv: {n_ok}/{len(j['invariants'])} hold on {j['states']:,} states"
    job = JobResult(
        f"check {lemma}.inv",
        "the shipped invariant file (DSL), explored",
        r.verdict,
        detail,
        time.perf_counter() - t0,
        j,
    )
    return _scoped(job, machine, scope)


def _induction_job(machine: str, scope: dict[str, int], lemma: str) -> JobResult:
    from ioakit.invariants import lemma_file, load_invariants
    from ioakit.invariants.prove import Outcome, Prover

    t0 = time.perf_counter()
    m = get_spec(machine).build(scope)
    props = list(load_invariants(lemma_file(lemma), m).properties)
    prover = Prover(m, 60.0)
    r = prover.induction(props)
    alone = [p.name.rsplit("_", 1)[-1] for p in props if prover.inductive_alone(p).verdict is Verdict.OK]
    word = {
        Outcome.INDUCTIVE: "inductive",
        Outcome.NOT_INDUCTIVE: "NOT inductive (not a violation: a CTI's pre-state may be unreachable)",
        Outcome.VIOLATED_INITIALLY: "VIOLATED in a start state",
        Outcome.UNKNOWN: "unknown (solver)",
    }[r.outcome]
    detail = f"conjunction of all {len(props)} items {word} (Z3, bounded scope); inductive alone: {', '.join(alone)}"
    job = JobResult(
        f"prove {lemma} (Z3)",
        "Lemma 4.1 'straightforward by induction'",
        r.invariants_verdict,  # not inductive is UNKNOWN (exit 3), not VIOLATED: the lemma may still hold
        detail,
        time.perf_counter() - t0,
        r.to_json(),
    )
    return _scoped(job, machine, scope)


def jobs() -> list[Callable[[], JobResult]]:
    """The main job's checks, in order (cheap ones first)."""
    return [
        lambda: _explore_job("TO-machine", TO_SCOPE, "TO-machine facts (catalogue S2; conservation)"),
        lambda: _explore_job("VS-machine", VS_SCOPE, "Lemma 4.1, items 1-14"),
        lambda: _explore_job("WeakVS-machine", VS_SCOPE, "Lemma 4.1 on WeakVS-machine (not claimed by the paper)"),
        lambda: _dsl_job("VS-machine", VS_SCOPE, "vs_lemma_4_1"),
        lambda: _dsl_job("TO-machine", TO_SCOPE, "to_machine"),
        lambda: _induction_job("VS-machine", VS_SCOPE, "vs_lemma_4_1"),
        lambda: _induction_job("VS-machine", {**VS_SCOPE, "processors": 3, "view_ids": 3}, "vs_lemma_4_1"),
        lambda: _lemma_4_2_job("VS-machine", VS_SCOPE, "shortest"),
        lambda: _lemma_4_2_job("VS-machine", VS_SCOPE, "exhaustive", depth=7),
        lambda: _lemma_4_2_job(
            "VS-machine",
            {**VS_SCOPE, "processors": 3, "initial_members": 1, "view_ids": 3, "messages": 2, "max_inputs": 3},
            "simulated",
            runs=300,
            steps=60,
            seed=0,
        ),
        lambda: _weakvs_job(VS_SCOPE),
        lambda: _weakvs_job({**VS_SCOPE, "view_ids": 3, "max_inputs": 1}),
        lambda: _weakvs_job({**VS_SCOPE, "processors": 3, "initial_members": 2, "view_ids": 3, "max_inputs": 1}),
    ]


def run_all(progress: Callable[[JobResult], None] | None = None) -> list[JobResult]:
    out = []
    for job in jobs():
        r = job()
        out.append(r)
        if progress is not None:
            progress(r)
    return out


def overall(results: list[JobResult]) -> Verdict:
    vs = [r.verdict for r in results]
    if Verdict.VIOLATED in vs:
        return Verdict.VIOLATED
    if Verdict.UNKNOWN in vs:
        return Verdict.UNKNOWN
    if Verdict.INCOMPLETE in vs:
        return Verdict.INCOMPLETE
    return Verdict.OK
