"""Step properties in Z3: the one-step obligation, with counterexample steps replayed.

``Prover.check_steps(step_props, assume=invariants)`` asks, for each step property P
(``ioakit.lang.steps``): from *any* well-formed state within the scope's bounds that satisfies the
state properties ``assume``, does every step (guard ∧ in-bounds, of any action instance) satisfy
P? It reuses the prover's one-step frame ⟨pre, act, post⟩ (``Prover._step_frame``, the
disjunction over instances of ``_transition``) and reads P's term at instance k over
``pre.vars + post.vars`` — the two-state vocabulary — with ``symbolic.Evaluator``, so the query is
``frame ∧ assume(pre) ∧ ⋁_k (act = k ∧ ¬P_k(pre, post))``.

What the verdicts mean (per property, and combined by ``Verdict.combine``):

* **OK** — Z3 proved the obligation at this scope. With ``assume`` holding in every reachable
  state (prove them with ``Prover.induction``), P holds on every reachable step of the bounded
  machine; steps cut off by the scope's bounds are ruled out as for induction (Z3, or an
  exploration of the bounded machine), otherwise the result is UNKNOWN (``allow_bound_hits``
  accepts them).
* **VIOLATED** — a counterexample step (pre-state, action, post-state), replayed with the compiled
  semantics before it is returned (``StepCounterexample.replay``; a disagreement is a
  ``ProverInternalError``). It violates the *obligation*: its pre-state satisfies ``assume`` but
  need not be reachable — with too weak an ``assume`` the property may still hold on every
  reachable step (``Explorer.check_steps`` decides that at a scope, with an execution).
* **UNKNOWN** — Z3 timed out or answered ``unknown`` (never OK), or a cut step was not ruled out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from ioakit.backends import symbolic
from ioakit.backends.codegen import compile_predicates
from ioakit.engines.bounds import BoundHit
from ioakit.engines.explore import Property, Verdict
from ioakit.engines.prove import (
    Prover,
    ProverInternalError,
    StepWitness,
    _check,
    _names,
    _overall,
    _read_vars,
    _unique,
    _unknown_reason,
)
from ioakit.lang.steps import StepProperty, step_state


@dataclass(frozen=True)
class StepCounterexample(StepWitness):
    """A step ``pre --action--> post`` whose pre-state satisfies every state property named in
    ``assumed`` and which violates every step property named in ``broken`` (replayed, shown and
    written as a ``CTI`` is: ``prove.StepWitness``)."""

    properties: tuple[StepProperty, ...] = field(repr=False, compare=False)
    assumptions: tuple[Property, ...] = field(repr=False, compare=False)

    def _step_prop(self, name: str) -> StepProperty:
        return next(p for p in self.properties if p.name == name)

    def _assumptions(self) -> Sequence[Property]:
        return self.assumptions

    def _broken_property(self, name: str) -> StepProperty:
        return self._step_prop(name)

    def _broken_holds(self) -> list[tuple[str, bool]]:
        terms = [self._step_prop(n).terms[self.action] for n in self.broken]
        step = step_state(self.pre, self.post)
        return [(n, bool(f(step))) for n, f in zip(self.broken, compile_predicates(self.machine, terms))]

    def _broken_reads(self) -> set[int]:
        n = len(self.machine.variables)  # a step term reads pre (i) and post (i + n) variables
        return {i % n for i in _read_vars(self._step_prop(b).terms[self.action] for b in self.broken)}

    def _title(self) -> str:
        return f"step counterexample: {', '.join(self.broken)} broken by {self.label}"

    def _where(self) -> str:
        where = f"satisfies {_names(self.assumed)}" if self.assumed else "any well-formed state"
        return f"{where}; not necessarily reachable; * = read or written"

    def _not_broken(self, name: str) -> str:
        return f"the step satisfies {name}, which the counterexample says it breaks"


@dataclass(frozen=True)
class StepItem:
    """The one-step obligation of one step property."""

    name: str
    reference: str
    verdict: Verdict
    counterexample: StepCounterexample | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "reference": self.reference, "verdict": self.verdict.value}
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample.to_json()
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class StepProofResult:
    """Whether every step from a state satisfying ``assumed`` satisfies each step property, at the
    machine's scope (see the module docstring for what OK / VIOLATED / UNKNOWN claim)."""

    machine: str
    scope: dict[str, int]
    timeout_s: float
    seconds: float
    verdict: Verdict
    items: tuple[StepItem, ...]
    assumed: tuple[str, ...] = ()
    z3_version: str = field(default_factory=symbolic.z3_version)
    bound_hit: BoundHit | None = None
    bound_hits_allowed: bool = False
    cut_possible: bool = False
    """A step cut off by the bounds from a state satisfying the assumptions was not ruled out: the
    items otherwise proved are UNKNOWN (``bound_hit`` names the step when one was found)."""

    def item(self, name: str) -> StepItem:
        for it in self.items:
            if it.name == name:
                return it
        raise KeyError(name)

    @property
    def counterexamples(self) -> tuple[StepCounterexample, ...]:
        return tuple(it.counterexample for it in self.items if it.counterexample is not None)

    def show(self) -> str:
        scope = ",".join(f"{k}={v}" for k, v in self.scope.items())
        src = f"states satisfying {_names(self.assumed)}" if self.assumed else "any well-formed state"
        head = f"Step properties of {self.machine} [scope {scope}] (Z3 {self.z3_version}), steps from {src}: "
        head += {
            Verdict.OK: f"OK — every such step satisfies all {len(self.items)} step properties",
            Verdict.VIOLATED: "VIOLATED — a step from such a state breaks a step property (below)",
            Verdict.UNKNOWN: "UNKNOWN — not decided",
            Verdict.INCOMPLETE: "UNKNOWN — not decided",
        }[self.verdict]
        lines = [head]
        w = max((len(i.name) for i in self.items), default=0)
        for it in self.items:
            line = f"  {it.name:<{w}}  {it.verdict.value}"
            if it.reason:
                line += f" ({it.reason})"
            lines.append(line)
        for c in self.counterexamples:
            lines += ["  " + ln for ln in c.show().splitlines()]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "scope": self.scope,
            "mode": "step-properties",
            "z3_version": self.z3_version,
            "timeout_s_per_check": self.timeout_s,
            "seconds": round(self.seconds, 4),
            "verdict": self.verdict.value,
            "assumed": list(self.assumed),
            "bound_hit": self.bound_hit.to_json() if self.bound_hit else None,
            "cut_possible": self.cut_possible,
            "bound_hits_allowed": self.bound_hits_allowed,
            "step_properties": [i.to_json() for i in self.items],
        }


def prove_steps(prover: Prover, props: Sequence[StepProperty], assume: Sequence[Property] = ()) -> StepProofResult:
    """The one-step obligation of each step property in ``props`` from the states satisfying the
    state properties ``assume`` (not checked here), one Z3 check each (``Prover.check_steps``)."""
    m = prover.machine
    for p in props:
        p.check_machine(m)
    t0 = time.perf_counter()
    assumed = list(_unique(assume))
    pre, act, post, _ = prover._step_frame()
    s = prover._step_solver()
    s.add(*(prover._at(a, "pre") for a in assumed))
    ev = symbolic.Evaluator([*pre.vars, *post.vars])
    holds: dict[tuple[int, int], z3.BoolRef] = {}

    def at(j: int, k: int) -> z3.BoolRef:
        if (j, k) not in holds:
            holds[(j, k)] = ev(props[j].terms[k])
        return holds[(j, k)]

    items = []
    for j, p in enumerate(props):
        bad = [z3.And(act == k, z3.Not(at(j, k))) for k in p.concerned()]
        if not bad:
            items.append(StepItem(p.name, p.reference, Verdict.OK))
            continue
        s.push()
        s.add(z3.Or(bad))
        r = _check(s)
        if r == z3.unsat:
            items.append(StepItem(p.name, p.reference, Verdict.OK))
        elif r == z3.sat:
            cex = _counterexample(prover, s.model(), props, assumed, at)
            items.append(StepItem(p.name, p.reference, Verdict.VIOLATED, cex))
        else:
            items.append(StepItem(p.name, p.reference, Verdict.UNKNOWN, reason=_unknown_reason(s, prover.timeout_s)))
        s.pop()
    hit, possible = None, False
    if not prover.allow_bound_hits and any(it.verdict is Verdict.OK for it in items):
        cpre, k, cut = prover._frame_cut()
        cs = prover._solver()
        cs.add(*cpre.wf, *(prover._at(a, "pre") for a in assumed), cut)
        possible, hit = prover._settle_cut(cs, k, cpre.vars)
        if possible:
            why = prover._cut_reason(hit, "a state satisfying the assumptions")
            items = [
                StepItem(it.name, it.reference, Verdict.UNKNOWN, reason=why) if it.verdict is Verdict.OK else it
                for it in items
            ]
    return StepProofResult(
        m.name,
        m.scope.as_dict(),
        prover.timeout_s,
        time.perf_counter() - t0,
        _overall(it.verdict for it in items),
        tuple(items),
        tuple(a.name for a in assumed),
        bound_hit=hit,
        bound_hits_allowed=prover.allow_bound_hits,
        cut_possible=possible,
    )


def _counterexample(
    prover: Prover,
    model: z3.ModelRef,
    props: Sequence[StepProperty],
    assumed: Sequence[Property],
    at: Callable[[int, int], z3.BoolRef],
) -> StepCounterexample:
    """The step of a Z3 model, naming every given step property Z3 says it breaks (``at(j, k)``:
    property ``j`` at instance ``k`` over the frame), replayed with the compiled semantics."""
    m = prover.machine
    pre, act, post, _ = prover._step_frame()
    k = model.eval(act, model_completion=True).as_long()
    broken = tuple(p.name for j, p in enumerate(props) if z3.is_false(model.eval(at(j, k), model_completion=True)))
    cex = StepCounterexample(
        m,
        symbolic.model_state(m, model, pre.vars),
        k,
        symbolic.model_state(m, model, post.vars),
        broken,
        tuple(a.name for a in assumed),
        tuple(props),
        tuple(assumed),
    )
    if not broken:  # pragma: no cover - the query asks for a broken one
        raise ProverInternalError(f"Z3 gave a step that breaks no step property:\n{cex.to_json()}")
    check = cex.replay()
    if not check:
        raise ProverInternalError(
            "a counterexample step from Z3 does not replay with the compiled semantics "
            f"({'; '.join(check.problems)}); reproducer:\n{cex.to_json()}"
        )
    return cex
