"""Fekete, Lynch, Shvartsman: *Specifying and Using a Partitionable Group Communication Service*
(ACM TOCS 19(2), 2001; full version MIT-LCS-TR-790, 1999) — the paper's bundle.

What ioakit ships for it, and where:

* machines (here): TO-machine (Figure 2), VS-machine (Figure 5), WeakVS-machine (the remark after
  Lemma 4.2), VStoTO-system (Section 6: VS-machine ∥ VStoTO_p of Figures 7-9) as printed, and
  VStoTO-system-label-normal, our smallest fix of a double delivery the printed one allows, and
  the seeded bugs VStoTO-system-bug-<slug> (``impl/fls/vstoto_bugs.py``: wrong variants of the fixed
  one, ours, not the paper's, to measure what catches them; ``docs/seeded-bugs.md``);
* Python properties (``lemmas.py``): the 14 items of Lemma 4.1, and two facts of TO-machine;
* invariant files (``invariants/fls/``): the same, in the invariant language;
* the forward simulation ``f`` of Section 6.2 (``refinement/fls/vstoto_f.py``), from
  VStoTO-system to TO-machine, with Lemma 6.25's step correspondence;
* trace checkers (``traces/fls/``): Lemma 4.2's ``cause`` mapping on VS traces, membership in the
  traces of TO-machine;
* the main job's claims, with their scopes.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ioakit.registry import Claim, Paper, TraceCheck, lazy_bundle
from ioakit.results import Verdict

from .to_machine import TOMachine
from .vs_machine import VSMachine, WeakVSMachine

VS_SCOPE = {"processors": 2, "initial_members": 2, "view_ids": 2, "messages": 1, "max_inputs": 2}
TO_SCOPE = {"processors": 2, "values": 2, "max_inputs": 3}
VSTOTO_SCOPE = {"processors": 2, "initial_members": 2, "view_ids": 2, "values": 1, "max_inputs": 1, "quorums": 0}
"""VStoTO-system's main-job scope (P0 = P, majorities); TO-machine is compared at the matching
``processors``, ``values`` and ``max_inputs``."""

_INVARIANTS = Path(find_spec("ioakit.invariants").submodule_search_locations[0]) / "fls"  # type: ignore[union-attr]
"""The paper's invariant files (``invariants/fls/``), found without importing the DSL."""


def _properties(name: str) -> Any:
    """The default properties of a machine: the triples ``lemmas.<name>`` traced on it (imported
    only when a machine of this paper is explored)."""

    def trace(m: Any) -> list[Any]:
        from ioakit.engines.explore import properties_from

        from . import lemmas

        return properties_from(m, getattr(lemmas, name))

    return trace


def _check_vs_trace(header: Any, events: Any) -> Any:
    from ioakit.traces.fls.checkers import check_vs_cause, vs_initial_members

    return check_vs_cause(events, vs_initial_members(header.scope))


def _check_to_trace(header: Any, events: Any) -> Any:
    from ioakit.traces.fls.checkers import check_to_trace

    return check_to_trace(events)


def _lemma_4_2_job(machine: str, scope: dict[str, int], source: str, **kw: int) -> Any:
    """Lemma 4.2 (the ``cause`` mapping) on the traces of executions of ``machine``."""
    import time

    from ioakit.papers import JobResult, scoped
    from ioakit.registry import get_spec
    from ioakit.results import Verdict
    from ioakit.traces.fls.machine_runs import check_lemma_4_2

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
    return scoped(job, machine, scope)


def _claims() -> list[Claim]:
    from ioakit import papers as J

    weakvs = "Remark after Lemma 4.2 (unproved in the paper)"
    to_of_vstoto = {k: VSTOTO_SCOPE[k] for k in ("processors", "values", "max_inputs")}
    thm = "Theorem 6.26: every trace of VStoTO-system is a trace of TO-machine"
    lemma_6_25 = "Lemma 6.25: f is a forward simulation from VStoTO-system to TO-machine (exhaustive)"
    return [
        Claim(
            "TO facts",
            lambda: J.explore_job("TO-machine", TO_SCOPE, "TO-machine facts (next bound; conservation of bcasts)"),
        ),
        Claim("Lemma 4.1", lambda: J.explore_job("VS-machine", VS_SCOPE, "Lemma 4.1, items 1-14")),
        Claim(
            "Lemma 4.1 on WeakVS",
            lambda: J.explore_job("WeakVS-machine", VS_SCOPE, "Lemma 4.1 on WeakVS-machine (not claimed by the paper)"),
        ),
        Claim("vs_lemma_4_1.inv", lambda: J.invariant_file_job("VS-machine", VS_SCOPE, "vs_lemma_4_1")),
        Claim("to_machine.inv", lambda: J.invariant_file_job("TO-machine", TO_SCOPE, "to_machine")),
        Claim(
            "Lemma 4.1 inductive",
            lambda: J.induction_job("VS-machine", VS_SCOPE, "vs_lemma_4_1", "Lemma 4.1 'straightforward by induction'"),
        ),
        Claim(
            "Lemma 4.1 inductive (3 processors)",
            lambda: J.induction_job(
                "VS-machine",
                {**VS_SCOPE, "processors": 3, "view_ids": 3},
                "vs_lemma_4_1",
                "Lemma 4.1 'straightforward by induction'",
                # ours: bounds the queues, so Z3 rules out steps cut off by the scope (no exploration)
                support=["vs_bounds"],
            ),
        ),
        Claim("Lemma 4.2 (shortest)", lambda: _lemma_4_2_job("VS-machine", VS_SCOPE, "shortest")),
        Claim("Lemma 4.2 (exhaustive)", lambda: _lemma_4_2_job("VS-machine", VS_SCOPE, "exhaustive", depth=7)),
        Claim(
            "Lemma 4.2 (simulated)",
            lambda: _lemma_4_2_job(
                "VS-machine",
                {**VS_SCOPE, "processors": 3, "initial_members": 1, "view_ids": 3, "messages": 2, "max_inputs": 3},
                "simulated",
                runs=300,
                steps=60,
                seed=0,
            ),
        ),
        Claim(
            "WeakVS = VS",
            lambda: J.trace_equivalence_job("VS-machine", "WeakVS-machine", VS_SCOPE, "WeakVS ≡ VS", weakvs),
        ),
        Claim(
            "WeakVS = VS (3 view ids)",
            lambda: J.trace_equivalence_job(
                "VS-machine", "WeakVS-machine", {**VS_SCOPE, "view_ids": 3, "max_inputs": 1}, "WeakVS ≡ VS", weakvs
            ),
        ),
        Claim(
            "WeakVS = VS (3 processors)",
            lambda: J.trace_equivalence_job(
                "VS-machine",
                "WeakVS-machine",
                {**VS_SCOPE, "processors": 3, "initial_members": 2, "view_ids": 3, "max_inputs": 1},
                "WeakVS ≡ VS",
                weakvs,
            ),
        ),
        # Refuted as printed (ours): label(a)_p is enabled in status send, so the value's label
        # reaches order twice (the primary's fullorder, then the ordinary message) and a value
        # bcast once is delivered twice: bcast(a1)_p1 · brcv(a1)_{p1,p1} · brcv(a1)_{p1,p1}.
        Claim(
            "Theorem 6.26 (as printed)",
            lambda: J.trace_inclusion_job(
                "VStoTO-system", VSTOTO_SCOPE, "TO-machine", to_of_vstoto, "traces(VStoTO-system) ⊆ traces(TO)", thm
            ),
            expected=Verdict.VIOLATED,
            fixed_by="Theorem 6.26 (label in normal status)",
        ),
        # Refuted as printed (ours): the double delivery orders a label twice, which breaks
        # Lemma 6.20, 6.22(1) and Corollary 6.23 (shortest: 18, 20, 20 steps); the other 45 hold.
        Claim(
            "Lemmas 6.1-6.24 (as printed)",
            lambda: J.invariant_file_job(
                "VStoTO-system", VSTOTO_SCOPE, "vstoto_lemmas_6", "Lemmas 6.1-6.24 (48 items), explored"
            ),
            expected=Verdict.VIOLATED,
            fixed_by="Lemmas 6.1-6.24 (label in normal status)",
        ),
        Claim(
            "Lemmas 6.1-6.24 (label in normal status)",
            lambda: J.invariant_file_job(
                "VStoTO-system-label-normal",
                VSTOTO_SCOPE,
                "vstoto_lemmas_6",
                "Lemmas 6.1-6.24 (48 items), explored, with our fix (label needs status = normal)",
            ),
        ),
        Claim(
            "Theorem 6.26 (label in normal status)",
            lambda: J.trace_inclusion_job(
                "VStoTO-system-label-normal",
                VSTOTO_SCOPE,
                "TO-machine",
                to_of_vstoto,
                "traces(VStoTO-system-label-normal) ⊆ traces(TO)",
                thm + " (with our fix: label needs status = normal)",
            ),
        ),
        # Refuted as printed (ours): f breaks on the double delivery — a confirm_p whose label is
        # already in allconfirm maps to to-order(a, q), which f(before) does not enable.
        Claim(
            "Lemma 6.25 (as printed)",
            lambda: J.refinement_job("VStoTO-system", VSTOTO_SCOPE, "vstoto-f", lemma_6_25),
            expected=Verdict.VIOLATED,
            fixed_by="Lemma 6.25 (label in normal status)",
        ),
        Claim(
            "Lemma 6.25 (label in normal status)",
            lambda: J.refinement_job(
                "VStoTO-system-label-normal", VSTOTO_SCOPE, "vstoto-f", lemma_6_25 + " (with our fix)"
            ),
        ),
    ]


def _paper() -> Paper:
    """The bundle, built on first use: the implementation (``impl/fls/``) imports VS-machine from
    this package, so importing it here at import time would be circular."""
    from ioakit.impl.fls.vstoto import VStoTOSystem, VStoTOSystemLabelNormal
    from ioakit.impl.fls.vstoto_bugs import SEEDED_BUGS
    from ioakit.refinement.fls.vstoto_f import VStoTOtoTO

    return Paper(
        key="fls",
        title="Specifying and Using a Partitionable Group Communication Service",
        citation="A. Fekete, N. Lynch, A. Shvartsman, ACM TOCS 19(2):171-216, 2001",
        machines=(TOMachine, VSMachine, WeakVSMachine, VStoTOSystem, VStoTOSystemLabelNormal, *SEEDED_BUGS),
        invariant_files={
            "vs_lemma_4_1": _INVARIANTS / "vs_lemma_4_1.inv",
            "vs_bounds": _INVARIANTS / "vs_bounds.inv",
            "to_machine": _INVARIANTS / "to_machine.inv",
            "vstoto_lemmas_6": _INVARIANTS / "vstoto_lemmas_6.inv",
            "vstoto_f_support": _INVARIANTS / "vstoto_f_support.inv",
        },
        properties={
            "TO-machine": _properties("TO_FACTS"),
            "VS-machine": _properties("LEMMA_4_1"),
            "WeakVS-machine": _properties("LEMMA_4_1"),
        },
        mappings={VStoTOtoTO.name: VStoTOtoTO},
        trace_checks=(
            TraceCheck(
                ("VS-machine", "WeakVS-machine"),
                "Lemma 4.2 (FLS): a cause mapping with integrity, no duplication, no reordering, no losses",
                _check_vs_trace,
            ),
            TraceCheck(
                ("TO-machine", "VStoTO-system", "VStoTO-system-label-normal", *(b.name for b in SEEDED_BUGS)),
                "membership in the traces of TO-machine (FLS Fig. 2; for VStoTO-system, Theorem 6.26)",
                _check_to_trace,
            ),
        ),
        claims=_claims,
    )


_LAZY = {
    "VStoTOSystem": ("ioakit.impl.fls.vstoto", "VStoTOSystem"),
    "VStoTOSystemLabelNormal": ("ioakit.impl.fls.vstoto", "VStoTOSystemLabelNormal"),
    "SEEDED_BUGS": ("ioakit.impl.fls.vstoto_bugs", "SEEDED_BUGS"),
    "VStoTOtoTO": ("ioakit.refinement.fls.vstoto_f", "VStoTOtoTO"),
}
__getattr__ = lazy_bundle(__name__, _paper, _LAZY)

__all__ = [
    "PAPER",
    "SEEDED_BUGS",
    "TO_SCOPE",
    "VSTOTO_SCOPE",
    "VS_SCOPE",
    "TOMachine",
    "VSMachine",
    "VStoTOSystem",
    "VStoTOSystemLabelNormal",
    "WeakVSMachine",
]
