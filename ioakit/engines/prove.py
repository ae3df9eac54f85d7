"""Bounded proofs with Z3: BMC from the start states, induction, relative induction.

Everything here runs on a ``Machine`` (an automaton instantiated at a scope) and a list of
``Property`` objects, both produced by the one traced source (``ioakit.specs``). The Z3 formulas
come from ``ioakit.backends.symbolic``, the same terms the explorer runs compiled; every
counterexample Z3 produces is **replayed with the compiled concrete semantics** before it is
returned, and a disagreement is raised as ``ProverInternalError`` (a bug in ioakit), never
returned as a result.

What the results mean
---------------------
* **At a scope, about the bounded machine.** The scope fixes the domains (|P|, |G|, |M| …), the
  capacities of sequences, the ranges of counters and the environment's input budget (the state
  variable ``inputs_issued``). A step whose post-state would leave those bounds is not a step
  (the rule of both semantics). A proof at a scope is therefore a proof about *that bounded
  machine*, not about the paper's unbounded one; it says nothing about larger scopes.
* **BMC** (``bmc``): no execution of length ≤ K from a start state reaches a state violating the
  invariant. Per invariant: the depth reached without violation, or a shortest violating
  execution. On request (``check_complete``), a last check asks whether any execution of length
  K exists at all; if none does, the bound covers every execution and the result says
  ``complete`` (a proof about the bounded machine).
* **Induction** (``induction``): (a) every start state satisfies each invariant; (b) for every
  action instance, from *any* well-formed state within the scope's bounds (reachable or not) that
  satisfies all the invariants (and the extra hypotheses ``assume``), a step (guard ∧ in-bounds)
  leads to a state satisfying each invariant. Then the conjunction holds in every reachable state
  of the bounded machine. A failure is a **counterexample to induction** (``CTI``): a pre-state
  satisfying the assumptions, an action, and a post-state breaking an invariant. A CTI does not
  mean the invariant is false: its pre-state may be unreachable (the invariant is then true but
  needs strengthening).
* **Support invariants** (``induction(..., support=...)``, ``bmc(..., support=...)``): invariants
  that are not the claim but are needed to prove it — e.g. a conservation law bounding queue
  lengths, so that no step is cut off by the scope's bounds. They are *proved together with* the
  targets: induction checks that the conjunction of targets and supports is inductive (a CTI of a
  support is a CTI of the whole, NOT INDUCTIVE as for a target) and only then assumes them, in
  consecution and in the cut check; BMC checks them along the paths like targets. OK therefore
  claims targets ∧ supports in every reachable state; results list the supports separately.
* **Relative induction** (``minimal_support``): the target is preserved by every step from states
  satisfying the target and a *support* set of other invariants. This proves the target only
  together with a proof of the support (e.g. the whole conjunction being inductive).
* **Steps cut off by the bounds are never silent.** A proof about the bounded machine says
  nothing about the machine itself if some step it considers was cut off by the scope's bounds
  (``ioakit.engines.bounds``). So BMC and induction also ask Z3 whether a state they consider
  (a state on a path of length < K; a well-formed state satisfying the assumptions) has an
  enabled action instance whose post-state leaves the bounds. If Z3 cannot rule that out, an
  exhaustive exploration of the bounded machine (at most ``explore_limit`` states, done once per
  ``Prover``) may still show that no *reachable* state has such a step — then the bounded
  machine has exactly the reachable states of the machine itself, and the proof stands.
  Otherwise the result is UNKNOWN, naming the action, variable and bound (``bound_hit``),
  unless the caller accepted the bounded machine (``allow_bound_hits``).
* **Three-valued.** ``Verdict.OK`` (proved at the scope), ``Verdict.VIOLATED`` (with a BMC trace
  or a CTI), ``Verdict.UNKNOWN`` with a reason (Z3 timeout or ``unknown``). A timeout is never a
  pass. ``timeout_s`` bounds *each* Z3 check (``z3.Solver.set("timeout", ms)``).
* **What a failed induction says about the invariants.** An induction result's ``verdict`` is
  about the claim "the conjunction is inductive": VIOLATED there means a CTI *or* a start state
  breaking an invariant. Only the second is a violation of the invariants; a CTI leaves them
  undecided (they may hold in every reachable state). ``InductionResult.outcome`` names the
  four cases (``inductive``, ``not_inductive``, ``violated_initially``, ``unknown``) and
  ``InductionResult.invariants_verdict`` maps them to what is known about the invariants
  holding (OK / VIOLATED / UNKNOWN): the verdict ``ioakit prove`` reports and exits with.

The Z3 version (``symbolic.z3_version()``) and the scope are recorded in every ``to_json()``.

The motivating use is Fekete–Lynch–Shvartsman **Lemma 4.1** ("all straightforward by
induction"): which of its 14 items are inductive alone and which need the others
(``ioakit.engines.table``, ``docs/lemma-4-1.md``).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import z3

from ioakit.backends import symbolic
from ioakit.backends.codegen import OUT_OF_BOUNDS, compile_predicates
from ioakit.engines.bounds import ALLOW_HINT, BoundHit, diagnose
from ioakit.engines.explore import Execution, Explorer, Property, Verdict
from ioakit.errors import InternalError, UserError, is_interrupt, is_interrupted_z3_finalizer
from ioakit.lang.automaton import Machine
from ioakit.lang.ir import Term, subterms
from ioakit.lang.steps import StepProperty
from ioakit.lang.types import MapT

if TYPE_CHECKING:
    from ioakit.engines.prove_steps import StepProofResult

DEFAULT_TIMEOUT_S = 30.0
"""Default limit on each Z3 check, in seconds."""

DEFAULT_EXPLORE_LIMIT = 500_000
"""States an exhaustive exploration may visit to show that no reachable step is cut off by the
scope's bounds, when Z3 cannot rule it out from the invariants alone (``Prover.reachable_cut``)."""


class ProverInternalError(InternalError, AssertionError):
    """Z3 and the compiled concrete semantics disagree about a counterexample.

    This is a bug in ioakit (``ioakit/backends/symbolic.py`` or ``codegen.py``), never a verdict about
    the user's automaton; the message carries the counterexample as a reproducer.
    """


# -- Ctrl-C during a Z3 check ------------------------------------------------------------------


def _interrupt_z3() -> None:
    """Record Ctrl-C and stop the running Z3 check. Z3 may already be cancelling and raise
    ("canceled") — from the watcher thread or from the unraisable hook alike: interrupted all the
    same, so that error is dropped (it printed a traceback under load)."""
    _INTERRUPTED.set()
    with contextlib.suppress(Exception):
        z3.main_ctx().interrupt()


def _clear_z3_cancel() -> None:
    """Consume a cancel request Z3 did not: ``Z3_interrupt`` sent while no check was running
    (Ctrl-C during Python work between two checks) stays pending in the context, and every later
    ``push`` of every solver then fails with "push canceled" — a library session (pytest, a
    notebook) would be unable to prove anything after one Ctrl-C. An empty check consumes it."""
    with contextlib.suppress(Exception):
        z3.Solver().check()


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Make Ctrl-C stop a running Z3 check at once and raise ``KeyboardInterrupt``.

    Z3's own Ctrl-C handling turns the signal into an ``unknown`` answer (indistinguishable from
    a timeout, and the prover would go on), so solvers are made with ``ctrl_c`` off; but then
    Python only sees the signal when the check returns. Here the signal is also written to a
    wake-up pipe (``signal.set_wakeup_fd``, done by the C-level handler even while Z3 runs); a
    watcher thread reading it interrupts Z3 (``Z3_interrupt`` is thread-safe), the check returns,
    and Python raises the pending ``KeyboardInterrupt``. Outside the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        old = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    except ValueError:  # pragma: no cover - not the main thread of the main interpreter
        os.close(r)
        os.close(w)
        yield
        return

    def watch() -> None:
        while True:
            try:
                data = os.read(r, 64)
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data or signal.SIGTERM in data:  # SIGTERM: handled as Ctrl-C by the CLI
                _interrupt_z3()

    previous_hook = sys.unraisablehook

    def unraisable(u: Any) -> None:
        # Ctrl-C landing in a Z3 object's ``__del__`` is not raised by Python, only printed as
        # "Exception ignored": remember it instead (the next check raises it) and print nothing
        if is_interrupt(u.exc_value):  # also ctypes' ArgumentError wrapping it, from a Z3 __del__
            _interrupt_z3()
        elif not (_INTERRUPTED.is_set() and is_interrupted_z3_finalizer(u)):
            previous_hook(u)

    t = threading.Thread(target=watch, name="ioakit-z3-interrupt", daemon=True)
    t.start()
    sys.unraisablehook = unraisable
    interrupted = False
    try:
        yield
    except KeyboardInterrupt:
        interrupted = True
        raise
    except Exception as e:
        if _INTERRUPTED.is_set():  # e.g. Z3Exception("push canceled"): the interrupt, not a bug
            interrupted = True
            raise KeyboardInterrupt from e
        raise
    finally:
        if interrupted or _INTERRUPTED.is_set():
            # Z3 objects half-built when Ctrl-C landed fail in __del__ whenever they are collected,
            # possibly long after this context: keep that noise out of the user's terminal
            sys.unraisablehook = _quiet_z3_finalizers(previous_hook)
        else:
            sys.unraisablehook = previous_hook
        signal.set_wakeup_fd(old)
        os.close(w)
        t.join(timeout=1.0)  # the watcher may still be interrupting Z3: only then is it cleared
        os.close(r)
        if interrupted or _INTERRUPTED.is_set():
            _clear_z3_cancel()
        _INTERRUPTED.clear()


def _quiet_z3_finalizers(previous: Callable[[Any], None]) -> Callable[[Any], None]:
    """An unraisable hook that drops the failures of interrupted Z3 objects' finalizers and passes
    anything else to ``previous`` (itself, when ``previous`` is already such a hook)."""
    if getattr(previous, "ioakit_quiet_z3", False):
        return previous

    def hook(u: Any) -> None:
        if not (is_interrupted_z3_finalizer(u) or is_interrupt(u.exc_value)):
            previous(u)

    hook.ioakit_quiet_z3 = True  # type: ignore[attr-defined]
    return hook


_F = TypeVar("_F", bound=Callable[..., Any])


def _interruptible_method(fn: _F) -> _F:
    """Run a prover method inside ``interruptible()``, so Ctrl-C stops it in a library session
    too (the solvers have Z3's own Ctrl-C handling off)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with interruptible():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


_INTERRUPTED = threading.Event()
"""Set by ``interruptible``'s watcher when Ctrl-C arrives; cleared when the context ends."""


def _stopped_by_interrupt(e: BaseException) -> bool:
    """Whether ``e``, caught inside a prover method, is Ctrl-C (or SIGTERM, which the CLI turns
    into it): a ``KeyboardInterrupt``, or an error Z3 raised because it was interrupted
    (``canceled``). Such a method then reports what it had established, with no more Z3 queries."""
    return isinstance(e, KeyboardInterrupt) or is_interrupt(e) or _INTERRUPTED.is_set()


_R = TypeVar("_R")


def settled(result: _R) -> _R:
    """``result`` (of ``Prover.bmc`` or ``Prover.induction``), or ``KeyboardInterrupt`` if it is
    the partial report of a run Ctrl-C stopped. For callers that go on to more work with it (a
    table's next row, the next claim): they must stop as Ctrl-C asks, not carry on with a
    partial result as if it were whole."""
    if getattr(result, "interrupted", False):
        raise KeyboardInterrupt
    return result


def _check(solver: z3.Solver, *assumptions: z3.BoolRef) -> z3.CheckSatResult:
    """``solver.check`` that raises ``KeyboardInterrupt`` when Ctrl-C arrived before or during it
    (even if Python's own ``KeyboardInterrupt`` was lost, e.g. raised inside a Z3 object's
    ``__del__``, where Python ignores exceptions)."""
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt
    r = solver.check(*assumptions)
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt
    return r


# -- small helpers -----------------------------------------------------------------------------


def _ms(timeout_s: float) -> int:
    return max(1, math.ceil(timeout_s * 1000))


def _unknown_reason(solver: z3.Solver, timeout_s: float) -> str:
    why = solver.reason_unknown()
    if why in ("timeout", "canceled"):
        return f"timeout: a Z3 check exceeded {timeout_s:g} s ({why})"
    return f"Z3 answered unknown ({why})"


def _read_vars(terms: Iterable[Term]) -> set[int]:
    """Indices of the state variables a term reads (derived variables are already expanded)."""
    return {t.data[0] for t in subterms(list(terms)) if t.op == "var"}


def state_diff(m: Machine, pre: Sequence[Any], post: Sequence[Any]) -> list[str]:
    """What changed from ``pre`` to ``post``, entry by entry for maps (``next[p2,g0]: 1 → 2``)."""
    out = []
    for (n, t), a, b in zip(m.variables, pre, post):
        if a == b:
            continue
        if isinstance(t, MapT):
            for j, kt in enumerate(t.key_tuples()):
                if a[j] != b[j]:
                    out.append(f"{n}[{t.key_name(kt)}]: {t.val.show(a[j])} → {t.val.show(b[j])}")
        else:
            out.append(f"{n}: {t.show(a)} → {t.show(b)}")
    return out


def _overall(verdicts: Iterable[Verdict]) -> Verdict:
    """``Verdict.combine``, where an unfinished part of a proof is UNKNOWN (a proof attempt is
    either decided or not; the prover has no "explored so far")."""
    v = Verdict.combine(verdicts)
    return Verdict.UNKNOWN if v is Verdict.INCOMPLETE else v


def _transition(m: Machine, pre: Sequence[Any], act: z3.ArithRef, post: Sequence[Any]) -> z3.BoolRef:
    """One step of ``m`` from ``pre`` to ``post`` by the action instance numbered ``act``.

    A disjunction over action instances with an action-choice variable, so a model names the
    action: ``act = k ⇒ guard_k ∧ in_bounds_k`` (``symbolic.step``), and each variable of
    ``post`` is ``ite(act = k, value written by k, …, pre's value)`` over the instances that write
    it. (This frame encoding is several times faster in Z3 than one ``post = post_k`` equality per
    instance: unwritten variables are not restated for every instance.)
    """
    parts = [act >= 0, act < len(m.actions)]
    vals = list(pre)
    for k, inst in enumerate(m.actions):
        st = symbolic.step(m, inst, pre)
        parts.append(z3.Implies(act == k, z3.And(st.guard, st.in_bounds)))
        for i, _ in inst.writes:
            vals[i] = symbolic.select(act == k, st.post[i], vals[i])
    parts.append(symbolic.state_equal(m, vals, post))
    return z3.And(*parts)


# -- replay with the compiled semantics ---------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    """The outcome of re-checking a counterexample with the compiled concrete semantics."""

    ok: bool
    problems: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.ok


def replay_execution(execution: Execution, prop: Property) -> Replay:
    """Check with the compiled semantics that ``execution`` is an execution of its machine from a
    start state, each step being the compiled step of its action, ending in a state that
    violates ``prop``."""
    m = execution.machine
    steps = m.compiled().steps
    problems = []
    if execution.start not in m.start_states:
        problems.append("the first state is not a start state")
    prev = execution.start
    for i, (k, st) in enumerate(execution.steps, 1):
        out = steps[k](prev)
        label = m.label_of(k, prev)
        if out is None:
            problems.append(f"step {i}: {label} is not enabled")
        elif out is OUT_OF_BOUNDS:
            problems.append(f"step {i}: {label} leaves the scope's bounds")
        elif out != st:
            problems.append(f"step {i}: {label} gives a different state: " + "; ".join(state_diff(m, st, out)))
        prev = st
    if compile_predicates(m, [prop.term])[0](execution.final):
        problems.append(f"the last state satisfies {prop.name}")
    return Replay(not problems, tuple(problems))


@dataclass(frozen=True)
class StepWitness:
    """A step ``pre --action--> post`` from a pre-state satisfying the properties named in
    ``assumed``, witnessing that the properties named in ``broken`` fail: what a counterexample to
    induction (``CTI``) and a step counterexample (``prove_steps.StepCounterexample``) share.
    A subclass says how a broken property is judged (``_broken_holds``), what it reads
    (``_broken_reads``) and how the text names the witness (``_title``, ``_where``)."""

    machine: Machine = field(repr=False, compare=False)
    pre: tuple[Any, ...]
    action: int
    post: tuple[Any, ...]
    broken: tuple[str, ...]
    assumed: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.machine.label_of(self.action, self.pre)

    @property
    def family(self) -> str:
        return self.machine.actions[self.action].name

    def _assumptions(self) -> Sequence[Property]:
        raise NotImplementedError

    def _broken_property(self, name: str) -> Any:
        """The property object named ``name`` in ``broken`` (its ``reference`` and ``description``)."""
        raise NotImplementedError

    def _broken_holds(self) -> list[tuple[str, bool]]:
        """Per broken property, whether the compiled semantics says it holds of the witness."""
        raise NotImplementedError

    def _broken_reads(self) -> set[int]:
        raise NotImplementedError

    def _title(self) -> str:
        raise NotImplementedError

    def _where(self) -> str:
        raise NotImplementedError

    def _not_broken(self, name: str) -> str:
        raise NotImplementedError

    def replay(self) -> Replay:
        """Re-check with the compiled concrete semantics: the pre-state is well formed and satisfies
        the assumptions; the compiled step of the action from ``pre`` gives ``post``; the broken
        properties are false of the witness."""
        m = self.machine
        problems = []
        bad = [n for (n, t), v in zip(m.variables, self.pre) if not t.check(v)]
        if bad:
            problems.append(f"the pre-state is not well formed in {', '.join(bad)}")
        assumptions = self._assumptions()
        for p, f in zip(assumptions, compile_predicates(m, [p.term for p in assumptions])):
            if not f(self.pre):
                problems.append(f"the pre-state violates the assumed invariant {p.name}")
        out = m.compiled().steps[self.action](self.pre)
        if out is None:
            problems.append(f"{self.label} is not enabled in the pre-state")
        elif out is OUT_OF_BOUNDS:
            problems.append(f"{self.label} leaves the scope's bounds from the pre-state")
        elif out != self.post:
            problems.append("the compiled step gives another post-state: " + "; ".join(state_diff(m, self.post, out)))
        problems += [self._not_broken(n) for n, holds in self._broken_holds() if holds]
        return Replay(not problems, tuple(problems))

    def relevant_variables(self) -> list[str]:
        """Variables read by the action or by the broken properties, or written by the action."""
        inst = self.machine.actions[self.action]
        idx = _read_vars([inst.guard, *(t for _, t in inst.writes)]) | self._broken_reads()
        idx |= {i for i, _ in inst.writes}
        return [n for i, (n, _) in enumerate(self.machine.variables) if i in idx]

    def show(self) -> str:
        """Readable text: the pre-state (variables that matter first, marked ``*``), the action, what
        it changed, and the properties it breaks."""
        m = self.machine
        rel = set(self.relevant_variables())
        shown = m.show_state(self.pre, hide=False)
        lines = [self._title(), f"  pre-state ({self._where()}):"]
        for n in [n for n in shown if n in rel] + [n for n in shown if n not in rel]:
            lines.append(f"    {'*' if n in rel else ' '} {n} = {shown[n]}")
        lines.append(f"  action: {self.label}")
        diff = state_diff(m, self.pre, self.post)
        lines.append("  post-state changes: " + ("; ".join(diff) if diff else "(none)"))
        for n in self.broken:
            p = self._broken_property(n)
            ref = f" ({p.reference})" if p.reference else ""
            lines.append(f"  violates {n}{ref}" + (f": {p.description}" if p.description else ""))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        m = self.machine
        inst = m.actions[self.action]
        return {
            "action": self.label,
            "action_name": inst.name,
            "kind": inst.kind.value,
            "args": m.args_json_of(self.action, self.pre),
            "pre": m.state_json(self.pre),
            "post": m.state_json(self.post),
            "changed": state_diff(m, self.pre, self.post),
            "relevant_variables": self.relevant_variables(),
            "broken": list(self.broken),
            "assumed": list(self.assumed),
        }


@dataclass(frozen=True)
class CTI(StepWitness):
    """A counterexample to induction: from ``pre`` (satisfying every invariant named in
    ``assumed``), action instance ``action`` leads to ``post``, which violates ``broken``.

    ``properties`` holds the ``Property`` objects named in ``assumed`` (for ``replay``).
    """

    properties: tuple[Property, ...] = field(repr=False, compare=False)

    def _prop(self, name: str) -> Property:
        for p in self.properties:
            if p.name == name:
                return p
        raise KeyError(name)

    def _assumptions(self) -> Sequence[Property]:
        return [self._prop(n) for n in self.assumed]

    def _broken_property(self, name: str) -> Property:
        return self._prop(name)

    def _broken_holds(self) -> list[tuple[str, bool]]:
        fs = compile_predicates(self.machine, [self._prop(n).term for n in self.broken])
        return [(n, bool(f(self.post))) for n, f in zip(self.broken, fs)]

    def _broken_reads(self) -> set[int]:
        return _read_vars(self._prop(n).term for n in self.broken)

    def _title(self) -> str:
        return f"CTI: {', '.join(self.broken)} not preserved by {self.label}"

    def _where(self) -> str:
        return f"satisfies {_names(self.assumed)}; * = read or written by the step or the invariant"

    def _not_broken(self, name: str) -> str:
        return f"the post-state satisfies {name}, which the CTI says it breaks"


def cti_from_json(machine: Machine, props: Sequence[Property], j: Mapping[str, Any]) -> CTI:
    """Rebuild a CTI saved with ``CTI.to_json()`` (to ``replay()`` it later)."""
    by_name = {p.name: p for p in props}
    names = [*j["assumed"], *j["broken"]]
    missing = [n for n in names if n not in by_name]
    if missing:
        raise KeyError(f"the CTI names invariants not given: {', '.join(missing)}")
    pre = machine.state_from_json(j["pre"])
    return CTI(
        machine,
        pre,
        machine.step_index(j["action"], pre),
        machine.state_from_json(j["post"]),
        tuple(j["broken"]),
        tuple(j["assumed"]),
        _unique(by_name[n] for n in names),
    )


def _unique(props: Iterable[Property]) -> tuple[Property, ...]:
    """Properties without repeats, by name, first kept (``Property`` holds terms, which do not
    compare as Python values, so it is never a dict key here)."""
    out: dict[str, Property] = {}
    for p in props:
        out.setdefault(p.name, p)
    return tuple(out.values())


def _names(names: Sequence[str]) -> str:
    if len(names) > 4:
        return f"{len(names)} invariants ({names[0]} … {names[-1]})"
    return ", ".join(names) if names else "nothing"


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BMCItem:
    """BMC outcome for one invariant. ``depth`` is the greatest K such that no execution of length
    ≤ K violates it (-1 if a start state does); ``trace`` a shortest violating execution."""

    name: str
    reference: str
    verdict: Verdict
    depth: int
    trace: Execution | None = None
    reason: str | None = None
    prop: Property | None = field(default=None, repr=False, compare=False)

    @property
    def violated_at(self) -> int | None:
        return None if self.trace is None else len(self.trace)

    def replay(self) -> Replay:
        """Re-check the violating execution with the compiled semantics."""
        if self.trace is None or self.prop is None:
            return Replay(False, ("no violating execution to replay",))
        return replay_execution(self.trace, self.prop)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "reference": self.reference,
            "verdict": self.verdict.value,
            "depth_without_violation": self.depth,
        }
        if self.trace is not None:
            out["violated_at_depth"] = len(self.trace)
            out["trace"] = self.trace.to_json()
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class BMCResult:
    """Bounded model checking of a list of invariants to depth ``max_depth`` from the start states.

    ``verdict`` OK means: no violation in executions of length ≤ ``max_depth`` (a full proof about
    the bounded machine only when ``complete``: no execution of that length exists at all).
    """

    machine: str
    scope: dict[str, int]
    max_depth: int
    timeout_s: float
    seconds: float
    verdict: Verdict
    complete: bool
    items: tuple[BMCItem, ...]
    z3_version: str = field(default_factory=symbolic.z3_version)
    bound_hit: BoundHit | None = None
    """A step cut off by the bounds from a state at depth < ``max_depth`` (not ruled out)."""
    bound_hits_allowed: bool = False
    cut_possible: bool = False
    """A step cut off by the bounds was not ruled out (``bound_hit`` names it when one was found)."""
    support: tuple[str, ...] = ()
    """Names of the items that are support invariants (checked like the targets, listed apart)."""
    interrupted_at: int | None = None
    """Ctrl-C stopped the run while depth ``interrupted_at`` was checked: the items not violated
    by then are UNKNOWN beyond the depth each reached (a partial report)."""

    @property
    def interrupted(self) -> bool:
        return self.interrupted_at is not None

    def item(self, name: str) -> BMCItem:
        for it in self.items:
            if it.name == name:
                return it
        raise KeyError(name)

    def show(self) -> str:
        scope = ",".join(f"{k}={v}" for k, v in self.scope.items())
        head = f"BMC of {self.machine} [scope {scope}] to depth {self.max_depth} (Z3 {self.z3_version}): "
        head += {
            Verdict.OK: "no violation" + (" — complete: no longer execution exists" if self.complete else ""),
            Verdict.VIOLATED: "VIOLATED",
        }.get(self.verdict, "UNKNOWN")
        if self.interrupted:
            head += f" — interrupted (Ctrl-C) at depth {self.interrupted_at}: a partial report"
        lines = [head]
        w = max((len(i.name) for i in self.items), default=0)
        ordered = [it for it in self.items if it.name not in self.support]
        ordered += [it for it in self.items if it.name in self.support]
        for it in ordered:
            if it.name == (self.support or ("",))[0]:
                lines.append("  support, checked with them:")
            if it.trace is not None:
                lines.append(f"  {it.name:<{w}}  VIOLATED at depth {len(it.trace)}")
                lines += ["    " + ln for ln in it.trace.show().splitlines()]
            elif it.verdict is Verdict.UNKNOWN:
                lines.append(f"  {it.name:<{w}}  UNKNOWN after depth {it.depth}: {it.reason}")
            else:
                lines.append(f"  {it.name:<{w}}  no violation to depth {it.depth}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "scope": self.scope,
            "mode": "bmc",
            "z3_version": self.z3_version,
            "max_depth": self.max_depth,
            "timeout_s_per_check": self.timeout_s,
            "seconds": round(self.seconds, 4),
            "verdict": self.verdict.value,
            "complete": self.complete,
            "interrupted": self.interrupted,
            "interrupted_at_depth": self.interrupted_at,
            "bound_hit": self.bound_hit.to_json() if self.bound_hit else None,
            "cut_possible": self.cut_possible,
            "bound_hits_allowed": self.bound_hits_allowed,
            "support": list(self.support),
            "invariants": [i.to_json() for i in self.items],
        }


class Outcome(StrEnum):
    """What an induction check found (``ItemInduction.outcome``, ``InductionResult.outcome``).

    Finer than ``Verdict``, whose VIOLATED covers both a CTI and a false start state: only the
    latter is a violation of the invariants (``InductionResult.invariants_verdict``).
    """

    INDUCTIVE = "inductive"
    NOT_INDUCTIVE = "not_inductive"
    VIOLATED_INITIALLY = "violated_initially"
    UNKNOWN = "unknown"

    @property
    def verdict(self) -> Verdict:
        """THE mapping from what induction found to what is known about the invariants holding in
        every reachable state — the one place an induction's ``verdict`` comes from:

        * ``inductive`` → OK (a proof at the scope);
        * ``violated_initially`` → VIOLATED (a start state breaks an invariant: a real violation);
        * ``not_inductive`` → UNKNOWN (a CTI's pre-state may be unreachable: not a violation);
        * ``unknown`` → UNKNOWN (Z3 did not decide, or a step cut off by the bounds was not ruled out).
        """
        return {Outcome.INDUCTIVE: Verdict.OK, Outcome.VIOLATED_INITIALLY: Verdict.VIOLATED}.get(self, Verdict.UNKNOWN)


@dataclass(frozen=True)
class ItemInduction:
    """Induction outcome for one invariant: initiation (start states satisfy it) and consecution
    (every action preserves it from states satisfying the assumptions). ``ctis`` holds one CTI per
    action family that breaks it (found by blocking each family in turn).

    ``inductive`` is the verdict on the claim "this invariant is inductive" (VIOLATED for a CTI as
    for a false start state); ``verdict`` (derived: ``Outcome.verdict``) is about the invariant
    holding, and is what reports and exit statuses use."""

    name: str
    reference: str
    inductive: Verdict
    initiation: Verdict
    start_counterexample: Execution | None = None
    ctis: tuple[CTI, ...] = ()
    reason: str | None = None

    @property
    def breaking_families(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.family for c in self.ctis))

    @property
    def outcome(self) -> Outcome:
        """``violated_initially`` (false in a start state: a real violation), ``not_inductive``
        (a CTI: not preserved from some state satisfying the assumptions, which may be
        unreachable), ``inductive`` (initiation and consecution proved) or ``unknown``."""
        if self.initiation is Verdict.VIOLATED:
            return Outcome.VIOLATED_INITIALLY
        if self.ctis:
            return Outcome.NOT_INDUCTIVE
        return Outcome.INDUCTIVE if self.inductive is Verdict.OK else Outcome.UNKNOWN

    @property
    def verdict(self) -> Verdict:
        """What is known about this invariant holding (``Outcome.verdict`` of ``outcome``)."""
        return self.outcome.verdict

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "reference": self.reference,
            "verdict": self.verdict.value,
            "inductive": self.inductive.value,
            "outcome": self.outcome.value,
            "initiation": self.initiation.value,
            "breaking_families": list(self.breaking_families),
            "ctis": [c.to_json() for c in self.ctis],
        }
        if self.start_counterexample is not None:
            out["start_counterexample"] = self.start_counterexample.to_json()
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class InductionResult:
    """Whether the conjunction of ``items`` (with the extra hypotheses ``assumed``) is inductive
    at the scope. ``inductive`` is the verdict on that claim (OK a proof about the bounded
    machine; VIOLATED for CTIs or a start state violating an item); ``outcome`` says which, and
    ``verdict`` — derived from ``outcome`` alone (``Outcome.verdict``) — what it means for the
    invariants: OK proved, VIOLATED false in a start state, UNKNOWN otherwise (a CTI is not a
    violation). ``invariants_verdict`` is the same as ``verdict`` (kept for callers).

    Per item, ``status`` says what is established: ``proved`` only when the whole conjunction is
    inductive; ``preserved`` (with ``given``, what it was assumed with) when every step from the
    states satisfying all the items keeps it but the conjunction is not inductive — nothing is
    proved of it then (a false invariant may be preserved given another false one); else its
    ``outcome``. ``show()`` and ``to_json()`` label items so."""

    machine: str
    scope: dict[str, int]
    timeout_s: float
    seconds: float
    inductive: Verdict
    items: tuple[ItemInduction, ...]
    assumed: tuple[str, ...] = ()
    z3_version: str = field(default_factory=symbolic.z3_version)
    bound_hit: BoundHit | None = None
    """A step cut off by the bounds from a state satisfying the assumptions (not ruled out):
    the items otherwise proved are UNKNOWN."""
    bound_hits_allowed: bool = False
    cut_possible: bool = False
    """A step cut off by the bounds was not ruled out (``bound_hit`` names it when one was found)."""
    support: tuple[str, ...] = ()
    """Names of the items that are support invariants (proved with the targets, listed apart)."""
    interrupted: bool = False
    """Ctrl-C stopped the run: the items are what was settled before it (a partial report)."""

    @property
    def targets(self) -> tuple[ItemInduction, ...]:
        """The items that are the claim (not support invariants)."""
        return tuple(it for it in self.items if it.name not in self.support)

    @property
    def support_items(self) -> tuple[ItemInduction, ...]:
        """The support invariants, proved together with the targets."""
        return tuple(it for it in self.items if it.name in self.support)

    def item(self, name: str) -> ItemInduction:
        for it in self.items:
            if it.name == name:
                return it
        raise KeyError(name)

    def given(self, it: ItemInduction) -> tuple[str, ...]:
        """What ``it`` was assumed with at the pre-state: the hypotheses, then every other item
        (targets and supports). Its consecution is relative to their conjunction."""
        return tuple(dict.fromkeys(n for n in (*self.assumed, *(i.name for i in self.items)) if n != it.name))

    def status(self, it: ItemInduction) -> str:
        """What is established about one item, in one word: ``proved`` only when the whole
        conjunction is inductive (the item then holds in every reachable state); ``preserved``
        when every step from a state satisfying the item *and the others* (``given``) keeps it but
        the conjunction is not inductive (a false invariant may be preserved given another false
        one: nothing is proved); otherwise the item's ``outcome`` (``not_inductive``,
        ``violated_initially``, ``unknown``)."""
        if it.outcome is Outcome.INDUCTIVE:
            return "proved" if self.outcome is Outcome.INDUCTIVE else "preserved"
        return it.outcome.value

    def _item_word(self, it: ItemInduction) -> str:
        status = self.status(it)
        if status == "preserved":
            given = self.given(it)
            if not given:  # pragma: no cover - a lone item preserved is inductive, hence proved
                return "preserved"
            if len(given) <= 6:
                return "preserved given {" + ", ".join(given) + "}"
            return f"preserved given the {len(given)} others ({given[0]} … {given[-1]}; --json lists them)"
        return {
            "proved": "proved",
            Outcome.NOT_INDUCTIVE.value: "not preserved — broken by " + ", ".join(it.breaking_families),
            Outcome.VIOLATED_INITIALLY.value: "VIOLATED — false in a start state",
            Outcome.UNKNOWN.value: "UNKNOWN",
        }[status]

    def item_json(self, it: ItemInduction) -> dict[str, Any]:
        """``it.to_json()`` with what the whole says about it: ``status`` (``status``), ``given``
        for a preserved item, and ``verdict`` OK only for a proved one (a preserved item's is
        UNKNOWN: it is not established)."""
        out = it.to_json()
        out["status"] = self.status(it)
        if out["status"] == "preserved":
            out["given"] = list(self.given(it))
            out["verdict"] = Verdict.UNKNOWN.value
        return out

    @property
    def ctis(self) -> tuple[CTI, ...]:
        return tuple(c for it in self.items for c in it.ctis)

    @property
    def outcome(self) -> Outcome:
        """``violated_initially`` if a start state violates an item (whatever else was found);
        else ``not_inductive`` if some item has a CTI; ``inductive`` if the check succeeded;
        ``unknown`` otherwise (Z3 did not decide)."""
        outcomes = {it.outcome for it in self.items}
        if Outcome.VIOLATED_INITIALLY in outcomes:
            return Outcome.VIOLATED_INITIALLY
        if Outcome.NOT_INDUCTIVE in outcomes:
            return Outcome.NOT_INDUCTIVE
        return Outcome.INDUCTIVE if self.inductive is Verdict.OK else Outcome.UNKNOWN

    @property
    def verdict(self) -> Verdict:
        """What this result says about the invariants holding in every reachable state of the
        bounded machine (``Outcome.verdict`` of ``outcome``: the one mapping)."""
        return self.outcome.verdict

    @property
    def invariants_verdict(self) -> Verdict:
        """The same as ``verdict`` (the name of earlier versions)."""
        return self.verdict

    def show(self) -> str:
        scope = ",".join(f"{k}={v}" for k, v in self.scope.items())
        rel = f" relative to {_names(self.assumed)}" if self.assumed else ""
        head = f"Induction on {self.machine} [scope {scope}] (Z3 {self.z3_version}){rel}: "
        n_sup = len(self.support_items)
        with_sup = f" together with {n_sup} support invariant(s)" if n_sup else ""
        head += {
            Outcome.INDUCTIVE: f"OK — the conjunction of {len(self.targets)} invariant(s){with_sup} is inductive "
            "at this scope",
            Outcome.NOT_INDUCTIVE: "NOT INDUCTIVE — counterexamples to induction below (their pre-states may "
            "be unreachable: this is not a violation)",
            Outcome.VIOLATED_INITIALLY: "VIOLATED — an invariant is false in a start state",
            Outcome.UNKNOWN: "UNKNOWN — "
            + ("interrupted (Ctrl-C): a partial report" if self.interrupted else "Z3 did not decide"),
        }[self.outcome]
        if self.interrupted and self.outcome is not Outcome.UNKNOWN:
            head += " — interrupted (Ctrl-C): a partial report"
        lines = [head]
        w = max((len(i.name) for i in self.items), default=0)
        for group, items in (("", self.targets), ("support, proved with them:", self.support_items)):
            if group and items:
                lines.append(f"  {group}")
            for it in items:
                line = f"  {it.name:<{w}}  {self._item_word(it)}"
                if it.reason:
                    line += f" ({it.reason})"
                lines.append(line)
                if it.start_counterexample is not None:
                    lines += ["  " + ln for ln in it.start_counterexample.show().splitlines()]
        for c in self.ctis:
            lines += ["  " + ln for ln in c.show().splitlines()]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "scope": self.scope,
            "mode": "induction",
            "z3_version": self.z3_version,
            "timeout_s_per_check": self.timeout_s,
            "seconds": round(self.seconds, 4),
            "verdict": self.verdict.value,
            "inductive": self.inductive.value,
            "outcome": self.outcome.value,
            "invariants_verdict": self.invariants_verdict.value,
            "assumed": list(self.assumed),
            "support": list(self.support),
            "bound_hit": self.bound_hit.to_json() if self.bound_hit else None,
            "cut_possible": self.cut_possible,
            "bound_hits_allowed": self.bound_hits_allowed,
            "interrupted": self.interrupted,
            "invariants": [self.item_json(i) for i in self.items],
        }


@dataclass(frozen=True)
class SupportResult:
    """The support of ``target``: a set of other invariants relative to which it is inductive.

    ``verdict`` OK: ``target`` is preserved by every step from states satisfying ``target`` ∧
    ``support`` (and holds initially). ``minimal``: dropping any one member breaks that (each
    such subset was checked and has a CTI). ``minimum``: every smaller subset of the candidates
    was checked too (exhaustive by size), so no smaller support exists; ``alternatives`` then lists
    every support of that size. VIOLATED: not even all the others suffice (``cti``), or
    ``target`` is false in a start state. ``tried`` records each subset checked and its verdict.
    """

    machine: str
    scope: dict[str, int]
    target: str
    timeout_s: float
    seconds: float
    verdict: Verdict
    support: tuple[str, ...] | None
    minimal: bool
    minimum: bool
    alternatives: tuple[tuple[str, ...], ...] = ()
    tried: tuple[tuple[tuple[str, ...], Verdict], ...] = ()
    cti: CTI | None = None
    start_counterexample: Execution | None = None
    reason: str | None = None
    z3_version: str = field(default_factory=symbolic.z3_version)

    @property
    def alone(self) -> bool:
        """Inductive on its own (the empty support)."""
        return self.support == ()

    def describe(self) -> str:
        if self.verdict is Verdict.UNKNOWN:
            return f"unknown ({self.reason})"
        if self.support is None:
            return "none found" + (" (false in a start state)" if self.start_counterexample else "")
        if not self.support:
            return "none needed (inductive alone)"
        word = "minimum" if self.minimum else "minimal" if self.minimal else "sufficient (minimality unknown)"
        s = "{" + ", ".join(self.support) + "}"
        others = [a for a in self.alternatives if a != self.support]
        if others:
            s += " or " + " or ".join("{" + ", ".join(a) + "}" for a in others)
        return f"{s} ({word})"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "machine": self.machine,
            "scope": self.scope,
            "mode": "support",
            "z3_version": self.z3_version,
            "timeout_s_per_check": self.timeout_s,
            "seconds": round(self.seconds, 4),
            "target": self.target,
            "verdict": self.verdict.value,
            "support": None if self.support is None else list(self.support),
            "minimal": self.minimal,
            "minimum": self.minimum,
            "alternatives": [list(a) for a in self.alternatives],
            "tried": [{"subset": list(s), "verdict": v.value} for s, v in self.tried],
        }
        if self.cti is not None:
            out["cti"] = self.cti.to_json()
        if self.start_counterexample is not None:
            out["start_counterexample"] = self.start_counterexample.to_json()
        if self.reason:
            out["reason"] = self.reason
        return out


# -- the prover --------------------------------------------------------------------------------


class Prover:
    """Bounded proofs about one machine at its scope.

    Holds the symbolic one-step frame ⟨pre, act, post⟩ (built once, on first use) and the Z3
    formulas of the properties at ``pre`` and ``post``, so a table of many related queries
    (Lemma 4.1: alone, relative, whole) shares them. Each query makes its own solver; there is no
    module-level state. ``timeout_s`` bounds each Z3 check.
    """

    def __init__(
        self,
        machine: Machine,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        *,
        allow_bound_hits: bool = False,
        explore_limit: int = DEFAULT_EXPLORE_LIMIT,
    ) -> None:
        if timeout_s <= 0:
            raise UserError(f"the Z3 timeout must be positive, got {timeout_s}")
        self.machine = machine
        self.timeout_s = timeout_s
        self.allow_bound_hits = allow_bound_hits
        self.explore_limit = explore_limit
        self._frame: tuple[symbolic.SymState, z3.ArithRef, symbolic.SymState, z3.BoolRef] | None = None
        self._formulas: dict[tuple[int, str], tuple[Term, z3.BoolRef]] = {}
        self._reachable_cut: tuple[bool, BoundHit | None] | None = None
        self._pre_cut: tuple[z3.ArithRef, z3.BoolRef] | None = None

    # -- steps cut off by the scope's bounds ----------------------------------------------------
    def _cut(self, st: Sequence[Any], name: str) -> tuple[z3.ArithRef, z3.BoolRef]:
        """``(k, φ)``: φ holds iff action instance ``k`` is enabled in the symbolic state ``st`` and
        its post-state leaves the scope's bounds (``guard ∧ ¬in_bounds``, ``symbolic.step``)."""
        m = self.machine
        k = z3.Int(name)
        parts = []
        for i, inst in enumerate(m.actions):
            if not inst.writes:
                continue
            step = symbolic.step(m, inst, st)
            if z3.is_true(step.in_bounds):
                continue
            parts.append(z3.And(k == i, step.guard, z3.Not(step.in_bounds)))
        return k, z3.Or(parts) if parts else z3.BoolVal(False)

    def _frame_cut(self) -> tuple[symbolic.SymState, z3.ArithRef, z3.BoolRef]:
        """``_cut`` at the pre-state of the one-step frame, built once (induction and supports)."""
        pre, _, _, _ = self._step_frame()
        if self._pre_cut is None:
            self._pre_cut = self._cut(pre.vars, "cut")
        return pre, *self._pre_cut

    def _witness(self, model: z3.ModelRef, k: z3.ArithRef, st: Sequence[Any]) -> BoundHit:
        """The cut step of a Z3 model, checked with the compiled semantics."""
        from ioakit.backends.codegen import OUT_OF_BOUNDS

        m = self.machine
        i = model.eval(k, model_completion=True).as_long()
        pre = symbolic.model_state(m, model, st)
        if m.compiled().steps[i](pre) is not OUT_OF_BOUNDS:
            raise ProverInternalError(
                f"Z3 says {m.label_of(i, pre)} leaves the scope's bounds from {m.state_json(pre)}, "
                "but the compiled step does not"
            )
        return diagnose(m, i, pre)

    def reachable_cut(self) -> tuple[bool, BoundHit | None]:
        """``(possible, hit)``: whether a *reachable* state of the bounded machine may have a step
        cut off by the bounds, by exhaustive exploration (at most ``explore_limit`` states; done
        once). ``(False, None)`` is a proof that none has: the bounded machine then has the
        reachable states of the machine itself. A limit reached is ``(True, None)``."""
        if self._reachable_cut is None:
            r = Explorer(self.machine).max_states(self.explore_limit).stop_on_violation().run()
            if r.interrupted:  # the explorer reports Ctrl-C as a partial result: here it stops the proof
                raise KeyboardInterrupt
            if r.bound_hits:
                self._reachable_cut = (True, r.first_bound_hit)
            else:
                self._reachable_cut = (not r.complete, None)
        return self._reachable_cut

    @property
    def explored_for_cuts(self) -> bool:
        """Whether this prover has explored the bounded machine to rule out cut steps (the
        fallback when Z3 could not rule them out from the assumed invariants)."""
        return self._reachable_cut is not None

    def _cut_reason(self, hit: BoundHit | None, where: str) -> str:
        what = hit.describe() if hit is not None else "Z3 could not rule it out"
        _, reachable_hit = self._reachable_cut or (True, None)
        if reachable_hit is not None:
            how = "a reachable state has such a step (exhaustive exploration)"
        else:
            how = f"not ruled out by Z3, nor by exploring at most {self.explore_limit:,} states"
        return f"a step from {where} may leave the scope's bounds ({what}; {how}); {ALLOW_HINT}"

    def _settle_cut(self, solver: z3.Solver, k: z3.ArithRef, st: Sequence[Any]) -> tuple[bool, BoundHit | None]:
        """Given ``solver`` constrained to the considered states and the cut formula: ``(False,
        None)`` if no cut step is possible there (Z3 unsat, or none reachable by exploration),
        else ``(True, hit)`` with the cut step found (a reachable one when exploration found it)."""
        r = _check(solver)
        if r == z3.unsat:
            return False, None
        hit = self._witness(solver.model(), k, st) if r == z3.sat else None
        possible, reachable_hit = self.reachable_cut()
        if not possible:
            return False, None
        return True, reachable_hit or hit

    # -- the one-step frame ---------------------------------------------------------------------
    def _step_frame(self) -> tuple[symbolic.SymState, z3.ArithRef, symbolic.SymState, z3.BoolRef]:
        if self._frame is None:
            m = self.machine
            pre, post = symbolic.fresh_state(m, "pre"), symbolic.fresh_state(m, "post")
            act = z3.Int("act")
            self._frame = (pre, act, post, _transition(m, pre.vars, act, post.vars))
        return self._frame

    def _at(self, prop: Property, where: str) -> z3.BoolRef:
        key = (id(prop.term), where)
        hit = self._formulas.get(key)
        if hit is None:
            pre, _, post, _ = self._step_frame()
            st = pre if where == "pre" else post
            hit = (prop.term, symbolic.predicate(prop.term, st.vars))
            self._formulas[key] = hit
        return hit[1]

    def _solver(self) -> z3.Solver:
        s = z3.Solver()
        s.set("timeout", _ms(self.timeout_s))
        s.set("ctrl_c", False)  # Ctrl-C is Python's KeyboardInterrupt, not an `unknown` (``interruptible``)
        return s

    def _step_solver(self) -> z3.Solver:
        pre, _, post, trans = self._step_frame()
        s = self._solver()
        s.add(*pre.wf, *post.wf, trans)
        return s

    def _cti(self, model: z3.ModelRef, assumed: Sequence[Property], targets: Sequence[Property]) -> CTI:
        m = self.machine
        pre, act, post, _ = self._step_frame()
        k = model.eval(act, model_completion=True).as_long()
        broken = [t for t in targets if z3.is_false(model.eval(self._at(t, "post"), model_completion=True))]
        props = _unique([*assumed, *targets])
        cti = CTI(
            m,
            symbolic.model_state(m, model, pre.vars),
            k,
            symbolic.model_state(m, model, post.vars),
            tuple(t.name for t in broken),
            tuple(p.name for p in _unique(assumed)),
            props,
        )
        if not broken:
            raise ProverInternalError(f"Z3 gave a CTI that breaks no invariant:\n{cti.to_json()}")
        check = cti.replay()
        if not check:
            raise ProverInternalError(
                "a counterexample to induction from Z3 does not replay with the compiled semantics "
                f"({'; '.join(check.problems)}); reproducer:\n{cti.to_json()}"
            )
        return cti

    # -- initiation ---------------------------------------------------------------------------
    def _initiation(self, targets: Sequence[Property]) -> list[tuple[Verdict, Execution | None, str | None]]:
        m = self.machine
        s = self._solver()
        st = symbolic.fresh_state(m, "init")
        s.add(*st.wf, symbolic.is_start(m, st))
        out: list[tuple[Verdict, Execution | None, str | None]] = []
        for t in targets:
            s.push()
            s.add(z3.Not(symbolic.predicate(t.term, st.vars)))
            r = _check(s)
            if r == z3.unsat:
                out.append((Verdict.OK, None, None))
            elif r == z3.sat:
                ex = Execution(m, symbolic.model_state(m, s.model(), st.vars), ())
                check = replay_execution(ex, t)
                if not check:
                    raise ProverInternalError(
                        f"Z3 says start state {m.state_json(ex.start)} violates {t.name}, "
                        f"but: {'; '.join(check.problems)}"
                    )
                out.append((Verdict.VIOLATED, ex, None))
            else:
                out.append((Verdict.UNKNOWN, None, _unknown_reason(s, self.timeout_s)))
            s.pop()
        return out

    # -- induction ----------------------------------------------------------------------------
    @_interruptible_method
    def induction(
        self, props: Sequence[Property], assume: Sequence[Property] = (), *, support: Sequence[Property] = ()
    ) -> InductionResult:
        """Is the conjunction of ``props`` inductive (relative to the hypotheses ``assume``)?

        ``support``: invariants proved *together with* ``props`` — checked exactly like them
        (initiation, consecution: a CTI of a support makes the result NOT INDUCTIVE), so they may
        be assumed at the pre-state and by the cut check; the result lists them apart
        (``InductionResult.support``). ``assume``, by contrast, is assumed and *not* checked. A
        support named like a target is the target (proved anyway).

        One solver holds the step frame and all assumptions at the pre-state. A single check asks
        whether any invariant can be broken; if not, all are preserved. Otherwise each invariant
        is checked on its own, and for each one every breaking action *family* is found (a CTI
        per family, then that family is blocked), so results say *which* actions need support.
        """
        m = self.machine
        t0 = time.perf_counter()
        targets = {p.name for p in props}
        supports = [p for p in _unique(support) if p.name not in targets]
        props = [*props, *supports]
        assumed = list(_unique([*assume, *props]))
        init: list[tuple[Verdict, Execution | None, str | None]] = []
        items: list[ItemInduction] = []
        try:
            init = self._initiation(props)
            s = self._step_solver()
            s.add(*(self._at(p, "pre") for p in assumed))
            _, act, _, _ = self._step_frame()
            families: dict[str, list[int]] = {}
            for k, inst in enumerate(m.actions):
                families.setdefault(inst.name, []).append(k)

            s.push()
            s.add(z3.Or([z3.Not(self._at(p, "post")) for p in props]) if props else z3.BoolVal(False))
            first = _check(s)
            first_reason = _unknown_reason(s, self.timeout_s) if first == z3.unknown else None
            s.pop()

            items = []
            for p, (iv, iex, ireason) in zip(props, init):
                ctis: list[CTI] = []
                reason = ireason
                cons = Verdict.OK
                if first != z3.unsat:
                    s.push()
                    s.add(z3.Not(self._at(p, "post")))
                    while True:
                        r = _check(s)
                        if r == z3.unsat:
                            break
                        if r == z3.unknown:
                            reason = _unknown_reason(s, self.timeout_s) + (
                                "; more breaking action families may exist" if ctis else ""
                            )
                            cons = Verdict.UNKNOWN
                            break
                        cti = self._cti(s.model(), assumed, props)
                        ctis.append(cti)
                        s.add(*(act != k for k in families[cti.family]))
                    s.pop()
                    if ctis:
                        cons = Verdict.VIOLATED
                elif first_reason:  # pragma: no cover - unsat has no reason
                    reason = first_reason
                verdict = _overall([iv, cons])
                ctis.sort(key=lambda c: c.action)  # declaration order of the action families
                items.append(ItemInduction(p.name, p.reference, verdict, iv, iex, tuple(ctis), reason))
            hit, possible = None, False
            if not self.allow_bound_hits and any(it.inductive is Verdict.OK for it in items):
                pre, k, cut = self._frame_cut()
                cs = self._solver()
                cs.add(*pre.wf, *(self._at(p, "pre") for p in assumed), cut)
                possible, hit = self._settle_cut(cs, k, pre.vars)
                if possible:
                    why = self._cut_reason(hit, "a state satisfying the invariants")
                    items = [
                        replace(it, inductive=Verdict.UNKNOWN, reason=why) if it.inductive is Verdict.OK else it
                        for it in items
                    ]
        except BaseException as e:  # Ctrl-C: what was settled so far, and no more queries
            if not _stopped_by_interrupt(e):
                raise
            return self._induction_interrupted(props, assume, supports, t0, init, items)
        return InductionResult(
            m.name,
            m.scope.as_dict(),
            self.timeout_s,
            time.perf_counter() - t0,
            _overall(i.inductive for i in items),
            tuple(items),
            tuple(p.name for p in _unique(assume)),
            bound_hit=hit,
            bound_hits_allowed=self.allow_bound_hits,
            cut_possible=possible,
            support=tuple(p.name for p in supports),
        )

    def _induction_interrupted(
        self,
        props: Sequence[Property],
        assume: Sequence[Property],
        supports: Sequence[Property],
        t0: float,
        init: Sequence[tuple[Verdict, Execution | None, str | None]],
        items: Sequence[ItemInduction],
    ) -> InductionResult:
        """The partial report of an induction stopped by Ctrl-C: a start state violating an item
        and the CTIs found stand; an item found preserved is UNKNOWN unless bound hits are
        accepted (the steps cut off by the scope's bounds were not checked), and is never
        ``proved`` (the conjunction was not settled); the rest are UNKNOWN."""
        m = self.machine
        settled = {it.name: it for it in items}
        out = []
        for j, p in enumerate(props):
            it = settled.get(p.name)
            if it is None:
                iv, iex, _ = init[j] if j < len(init) else (Verdict.UNKNOWN, None, None)
                it = ItemInduction(p.name, p.reference, Verdict.UNKNOWN, iv, iex, (), "interrupted (Ctrl-C)")
            elif it.inductive is Verdict.OK and not self.allow_bound_hits:
                why = "interrupted (Ctrl-C) before the steps cut off by the scope's bounds were checked"
                it = replace(it, inductive=Verdict.UNKNOWN, reason=why)
            out.append(it)
        verdict = _overall(i.inductive for i in out)
        return InductionResult(
            m.name,
            m.scope.as_dict(),
            self.timeout_s,
            time.perf_counter() - t0,
            Verdict.UNKNOWN if verdict is Verdict.OK else verdict,
            tuple(out),
            tuple(p.name for p in _unique(assume)),
            bound_hits_allowed=self.allow_bound_hits,
            support=tuple(p.name for p in supports),
            interrupted=True,
        )

    def inductive_alone(self, prop: Property) -> InductionResult:
        """Is ``prop`` inductive on its own (no other invariant assumed)?"""
        return self.induction([prop])

    # -- step properties ------------------------------------------------------------------------
    @_interruptible_method
    def check_steps(self, props: Sequence[StepProperty], assume: Sequence[Property] = ()) -> StepProofResult:
        """Does every step from a state satisfying ``assume`` (state invariants, assumed and not
        checked: prove them with ``induction``) satisfy each step property? One check on the step
        frame per property; OK / VIOLATED with a replayed counterexample step / UNKNOWN
        (``ioakit.engines.prove_steps``, which says what each claims)."""
        from ioakit.engines.prove_steps import prove_steps  # lazy: that module builds on this one

        return prove_steps(self, props, assume)

    # -- relative induction: the support of one invariant --------------------------------------
    @_interruptible_method
    def minimal_support(
        self, props: Sequence[Property], target: str | Property, max_subsets: int = 5000
    ) -> SupportResult:
        """A smallest set of the *other* invariants in ``props`` relative to which ``target`` is
        inductive (assume support ∧ target at the pre-state; check target at the post-state).

        Steps: (1) the empty support (inductive alone?); (2) all the others — if they do not
        suffice, VIOLATED with a CTI; (3) start from Z3's unsat core and delete members greedily
        until each remaining one is needed (*minimal*; one pass suffices because adding
        hypotheses only helps); (4) if the number of subsets up to that size is at most
        ``max_subsets``, search them by increasing size, which makes the answer a *minimum* and
        lists every support of that size (``alternatives``). A Z3 ``unknown`` on a subset is never
        taken as success: it keeps the member, and withholds the claim of minimality.
        """
        m = self.machine
        t0 = time.perf_counter()
        tgt = _resolve(props, target)
        others = [p for p in props if p.name != tgt.name]
        names = [o.name for o in others]
        tried: dict[tuple[int, ...], Verdict] = {}

        def result(
            verdict: Verdict,
            support: tuple[int, ...] | None,
            minimal: bool = False,
            minimum: bool = False,
            alternatives: Sequence[tuple[int, ...]] = (),
            cti: CTI | None = None,
            start: Execution | None = None,
            reason: str | None = None,
        ) -> SupportResult:
            if verdict is Verdict.OK and support is not None and not self.allow_bound_hits:
                pre, k, cut = self._frame_cut()
                cs = self._solver()
                cs.add(*pre.wf, self._at(tgt, "pre"), *(self._at(others[i], "pre") for i in support), cut)
                possible, hit = self._settle_cut(cs, k, pre.vars)
                if possible:
                    verdict, reason = (
                        Verdict.UNKNOWN,
                        self._cut_reason(hit, "a state satisfying the target and support"),
                    )
            return SupportResult(
                m.name,
                m.scope.as_dict(),
                tgt.name,
                self.timeout_s,
                time.perf_counter() - t0,
                verdict,
                None if support is None else tuple(names[i] for i in support),
                minimal,
                minimum,
                tuple(tuple(names[i] for i in a) for a in alternatives),
                tuple((tuple(names[i] for i in sub), v) for sub, v in tried.items()),
                cti,
                start,
                reason,
            )

        ((iv, iex, ireason),) = self._initiation([tgt])
        if iv is Verdict.VIOLATED:
            return result(Verdict.VIOLATED, None, start=iex, reason=f"{tgt.name} is false in a start state")
        if iv is Verdict.UNKNOWN:
            return result(Verdict.UNKNOWN, None, reason=ireason)

        s = self._step_solver()
        s.add(self._at(tgt, "pre"), z3.Not(self._at(tgt, "post")))
        lits = [z3.Bool(f"assume[{n}]") for n in names]
        for lit, o in zip(lits, others):
            s.add(z3.Implies(lit, self._at(o, "pre")))
        reasons: list[str] = []

        def check(sub: tuple[int, ...]) -> Verdict:
            if sub in tried:
                return tried[sub]
            r = _check(s, *(lits[i] for i in sub))
            v = Verdict.OK if r == z3.unsat else Verdict.VIOLATED if r == z3.sat else Verdict.UNKNOWN
            if v is Verdict.UNKNOWN:
                reasons.append(_unknown_reason(s, self.timeout_s))
            tried[sub] = v
            return v

        if check(()) is Verdict.OK:
            return result(Verdict.OK, (), minimal=True, minimum=True, alternatives=[()])
        everything = tuple(range(len(others)))
        v = check(everything)
        if v is Verdict.VIOLATED:
            cti = self._cti(s.model(), [tgt, *others], [tgt])
            return result(Verdict.VIOLATED, None, cti=cti, reason="not inductive even relative to all the others")
        if v is Verdict.UNKNOWN:
            return result(Verdict.UNKNOWN, None, reason=reasons[-1])
        index_of = {lit.get_id(): i for i, lit in enumerate(lits)}
        current = tuple(sorted(index_of[c.get_id()] for c in s.unsat_core()))
        if check(current) is not Verdict.OK:  # the core itself must suffice; fall back to everything
            current = everything
        certified = True
        for i in current:
            trial = tuple(x for x in current if x != i)
            w = check(trial)
            if w is Verdict.OK:
                current = trial
            elif w is Verdict.UNKNOWN:
                certified = False
        if not certified:
            return result(Verdict.OK, current, reason="minimality not established: " + reasons[-1])

        n = len(others)
        budget = sum(math.comb(n, k) for k in range(len(current) + 1))
        if budget > max_subsets:
            return result(
                Verdict.OK,
                current,
                minimal=True,
                reason=f"not searched exhaustively ({budget} subsets > max_subsets={max_subsets})",
            )
        unknown_smaller = False
        for size in range(len(current) + 1):
            found, unknown_here = [], False
            for sub in itertools.combinations(range(n), size):
                w = check(sub)
                if w is Verdict.OK:
                    found.append(sub)
                elif w is Verdict.UNKNOWN:
                    unknown_here = True
            if found and unknown_smaller:
                return result(
                    Verdict.OK, found[0], minimal=True, reason="a smaller subset was unknown; minimum not established"
                )
            if found:
                return result(
                    Verdict.OK,
                    found[0],
                    minimal=True,
                    minimum=True,
                    alternatives=found,
                    reason="some subsets of this size were unknown: alternatives may be missing"
                    if unknown_here
                    else None,
                )
            unknown_smaller = unknown_smaller or unknown_here
        raise ProverInternalError(  # pragma: no cover - the greedy support is among the subsets searched
            f"exhaustive search did not find the support {current} it had verified"
        )

    # -- bounded model checking ----------------------------------------------------------------
    @_interruptible_method
    def bmc(
        self,
        props: Sequence[Property],
        depth: int,
        check_complete: bool = False,
        *,
        support: Sequence[Property] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> BMCResult:
        """No violation of each invariant in executions of length ≤ ``depth`` from a start state.

        ``support``: support invariants, checked along the paths exactly like ``props`` (a
        violated support is reported as a violation) and listed apart (``BMCResult.support``).

        Incremental: one solver holds the path s0 →a0 s1 … (start states, well-formedness of
        every state, a transition per step with an action-choice variable); at each depth a
        ``push``/``pop`` asks whether any still-unviolated invariant fails in the last state.
        Depths are tried in increasing order, so each violating execution is a shortest one. On
        a Z3 ``unknown`` for the joint question the invariants are retried one by one.

        With ``check_complete``, one more check asks whether any execution of length ``depth``
        exists at all; if none does, the bound covers every execution (``complete``). That check
        is often much harder than the others (it is a proof that all executions are short), so it
        is off by default.

        Once depth k is shown violation-free for an invariant, it holds in state k of *every*
        path, so it is asserted there for the deeper queries: this prunes nothing real and makes
        Z3 several times faster on deep bounds.

        ``progress(k, depth)`` is called as each depth k is started (a display hook).
        """
        if depth < 0:
            raise UserError(f"the BMC depth must be >= 0, got {depth}")
        m = self.machine
        t0 = time.perf_counter()
        targets = {p.name for p in props}
        supports = [p for p in _unique(support) if p.name not in targets]
        props = [*props, *supports]
        s = self._solver()
        states = [symbolic.fresh_state(m, "s0")]
        acts: list[z3.ArithRef] = []
        s.add(*states[0].wf, symbolic.is_start(m, states[0]))
        remaining = list(range(len(props)))
        reached = dict.fromkeys(remaining, -1)
        traces: dict[int, Execution] = {}
        reasons: dict[int, str] = {}

        def violation(model: z3.ModelRef, k: int, j: int) -> Execution:
            ex = Execution(
                m,
                symbolic.model_state(m, model, states[0].vars),
                tuple(
                    (
                        model.eval(acts[i], model_completion=True).as_long(),
                        symbolic.model_state(m, model, states[i + 1].vars),
                    )
                    for i in range(k)
                ),
            )
            check = replay_execution(ex, props[j])
            if not check:
                raise ProverInternalError(
                    f"a BMC counterexample for {props[j].name} does not replay with the compiled semantics "
                    f"({'; '.join(check.problems)}); reproducer:\n{ex.to_json()}"
                )
            return ex

        built = 0
        try:
            for k in range(depth + 1):
                if not remaining:
                    break
                if progress is not None:
                    progress(k, depth)
                if k > 0:
                    st = symbolic.fresh_state(m, f"s{k}")
                    a = z3.Int(f"act{k - 1}")
                    s.add(*st.wf, _transition(m, states[-1].vars, a, st.vars))
                    states.append(st)
                    acts.append(a)
                built = k
                fs = {j: symbolic.predicate(props[j].term, states[k].vars) for j in remaining}
                pending = list(remaining)
                while pending:
                    s.push()
                    s.add(z3.Or([z3.Not(fs[j]) for j in pending]))
                    r = _check(s)
                    if r == z3.sat:
                        model = s.model()
                        bad = [j for j in pending if z3.is_false(model.eval(fs[j], model_completion=True))]
                        if not bad:
                            raise ProverInternalError("Z3 model violates none of the invariants it was asked about")
                        for j in bad:
                            traces[j] = violation(model, k, j)
                        pending = [j for j in pending if j not in bad]
                        s.pop()
                    elif r == z3.unsat:
                        s.pop()
                        for j in pending:
                            reached[j] = k
                            s.add(fs[j])  # holds at depth k on every path: a sound hint for deeper queries
                        pending = []
                    else:
                        why = _unknown_reason(s, self.timeout_s)
                        s.pop()
                        if len(pending) == 1:
                            reasons[pending[0]] = why
                            pending = []
                            continue
                        proved: list[int] = []
                        for j in pending:  # retry one by one
                            s.push()
                            s.add(z3.Not(fs[j]))
                            r1 = _check(s)
                            if r1 == z3.sat:
                                traces[j] = violation(s.model(), k, j)
                            elif r1 == z3.unsat:
                                reached[j] = k
                                proved.append(j)
                            else:
                                reasons[j] = _unknown_reason(s, self.timeout_s)
                            s.pop()
                        s.add(*(fs[j] for j in proved))
                        pending = []
                remaining = [j for j in remaining if j not in traces and j not in reasons]
        except BaseException as e:  # Ctrl-C: what the depths checked so far established, and no more queries
            if not _stopped_by_interrupt(e):
                raise
            at = max(len(states) - 1, max(reached.values(), default=-1) + 1)  # the depth under way
            return self._bmc_interrupted(props, depth, t0, min(at, depth), reached, traces, supports)

        # a step cut off by the bounds from a state at depth d < K hides executions longer than d:
        # the depths claimed (each item's ``reached``) are cut back to the first such d
        cut_at, hit = None, None
        try:
            claimed = max((reached[j] for j in range(len(props)) if j not in traces), default=-1)
            if not self.allow_bound_hits:
                for d in range(min(claimed, depth)):
                    s.push()
                    k, cut = self._cut(states[d].vars, f"cut{d}")
                    s.add(cut)
                    possible, found = self._settle_cut(s, k, states[d].vars)
                    s.pop()
                    if possible:
                        cut_at, hit = d, found
                        break
            complete = False
            if check_complete and remaining and built == depth and cut_at is None:
                r = _check(s)  # is there any execution of length `depth` at all?
                complete = r == z3.unsat
        except BaseException as e:
            if not _stopped_by_interrupt(e):
                raise
            return self._bmc_interrupted(props, depth, t0, built, reached, traces, supports)
        items = []
        for j, p in enumerate(props):
            if j in traces:
                items.append(BMCItem(p.name, p.reference, Verdict.VIOLATED, reached[j], traces[j], prop=p))
            elif cut_at is not None and reached[j] > cut_at:
                why = self._cut_reason(hit, f"a state reached in {cut_at} step{'s' if cut_at != 1 else ''}")
                items.append(BMCItem(p.name, p.reference, Verdict.UNKNOWN, cut_at, reason=why, prop=p))
            elif j in reasons:
                items.append(BMCItem(p.name, p.reference, Verdict.UNKNOWN, reached[j], reason=reasons[j], prop=p))
            else:
                items.append(BMCItem(p.name, p.reference, Verdict.OK, reached[j], prop=p))
        return self._bmc_result(depth, t0, items, supports, complete, bound_hit=hit, cut_possible=cut_at is not None)

    def _bmc_interrupted(
        self,
        props: Sequence[Property],
        depth: int,
        t0: float,
        at: int,
        reached: dict[int, int],
        traces: dict[int, Execution],
        supports: Sequence[Property],
    ) -> BMCResult:
        """The partial report of a BMC stopped by Ctrl-C while depth ``at`` was checked: each
        violation found (a shortest execution, replayed) stands; every other item is UNKNOWN beyond
        the depth it reached, no violation in the executions of the bounded machine up to it —
        whether a step cut off by the scope's bounds hides a longer one was not asked."""
        cut = "" if self.allow_bound_hits else "; steps cut off by the scope's bounds were not checked"
        items = []
        for j, p in enumerate(props):
            if j in traces:
                items.append(BMCItem(p.name, p.reference, Verdict.VIOLATED, reached[j], traces[j], prop=p))
            else:
                done = (
                    f"no violation in executions of length ≤ {reached[j]}"
                    if reached[j] >= 0
                    else "the start states not yet checked"
                )
                why = f"interrupted (Ctrl-C) at depth {at}; {done}{cut}"
                items.append(BMCItem(p.name, p.reference, Verdict.UNKNOWN, reached[j], reason=why, prop=p))
        return self._bmc_result(depth, t0, items, supports, False, interrupted_at=at)

    def _bmc_result(
        self,
        depth: int,
        t0: float,
        items: Sequence[BMCItem],
        supports: Sequence[Property],
        complete: bool,
        **extra: Any,
    ) -> BMCResult:
        """A ``BMCResult`` of this prover's machine and settings, its verdict from the items."""
        m = self.machine
        return BMCResult(
            m.name,
            m.scope.as_dict(),
            depth,
            self.timeout_s,
            time.perf_counter() - t0,
            _overall(i.verdict for i in items),
            complete,
            tuple(items),
            bound_hits_allowed=self.allow_bound_hits,
            support=tuple(p.name for p in supports),
            **extra,
        )


def _resolve(props: Sequence[Property], target: str | Property) -> Property:
    if isinstance(target, Property):
        return target
    for p in props:
        if p.name == target:
            return p
    raise KeyError(f"no invariant named {target!r}; known: {', '.join(p.name for p in props)}")


# -- the functional API --------------------------------------------------------------------------


def bmc(
    machine: Machine,
    props: Sequence[Property],
    depth: int,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    check_complete: bool = False,
    *,
    allow_bound_hits: bool = False,
    support: Sequence[Property] = (),
) -> BMCResult:
    """Bounded model checking to ``depth``, ``support`` checked with ``props`` (see ``Prover.bmc``)."""
    return Prover(machine, timeout_s, allow_bound_hits=allow_bound_hits).bmc(
        props, depth, check_complete, support=support
    )


def induction(
    machine: Machine,
    props: Sequence[Property],
    timeout_s: float = DEFAULT_TIMEOUT_S,
    assume: Sequence[Property] = (),
    *,
    allow_bound_hits: bool = False,
    support: Sequence[Property] = (),
) -> InductionResult:
    """Is the conjunction of ``props`` (with the support invariants ``support``, proved with them)
    inductive at the scope, given the hypotheses ``assume``? (see ``Prover.induction``)."""
    return Prover(machine, timeout_s, allow_bound_hits=allow_bound_hits).induction(props, assume, support=support)


def inductive_alone(machine: Machine, prop: Property, timeout_s: float = DEFAULT_TIMEOUT_S) -> InductionResult:
    """Is ``prop`` inductive on its own at the scope?"""
    return Prover(machine, timeout_s).inductive_alone(prop)


def minimal_support(
    machine: Machine,
    props: Sequence[Property],
    target: str | Property,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_subsets: int = 5000,
) -> SupportResult:
    """A minimal (minimum when searched exhaustively) set of the other invariants relative to which
    ``target`` is inductive (see ``Prover.minimal_support``)."""
    return Prover(machine, timeout_s).minimal_support(props, target, max_subsets)


__all__ = [
    "CTI",
    "DEFAULT_TIMEOUT_S",
    "BMCItem",
    "BMCResult",
    "InductionResult",
    "ItemInduction",
    "Outcome",
    "Prover",
    "ProverInternalError",
    "Replay",
    "SupportResult",
    "Verdict",
    "bmc",
    "cti_from_json",
    "induction",
    "inductive_alone",
    "minimal_support",
    "replay_execution",
    "state_diff",
]
