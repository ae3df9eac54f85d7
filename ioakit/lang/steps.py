"""Step properties: predicates over one step (pre-state, action, post-state), traced like actions.

A state property (``ioakit.engines.explore.Property``) is a boolean term over one state. Many
facts of the papers are about *steps* instead — "``next[q]`` never decreases", "``brcv(a)_{p,q}``
advances ``next[q]`` by one and changes nothing else" — and are written once, in Python, against
two read-only states and the action::

    def brcv_advances(pre, post, act):
        if act.name != "brcv":  # act is static: branch on it in Python
            return True
        q = act.args["q"]
        return post.next[q] == pre.next[q] + 1

    sp = StepProperty.trace(m, "brcv_advances", brcv_advances)

**One term per action instance.** The function is run once per action instance of a built
``Machine``, as the action code was: ``act`` (an ``Act``) holds the instance's family name, kind,
label and arguments — constants for enumerated parameters, so Python control flow on them folds
away, and terms over the pre-state for parameters the action takes from the state
(``from_state``, ``ActionInstance.bound``). ``StepProperty.terms[k]`` is the property at instance
``k``; instances it does not concern fold to ``true`` and cost nothing in either backend.

**The two-state vocabulary.** The terms read two copies of the machine's state variables: the
pre-state's are the machine's own ``var`` terms ``(i, name)``, the post-state's are
``(n + i, name')`` with ``n = len(m.variables)`` (``post_var``). Both backends index variables by
position only, so the concrete meaning of a step term is its compiled predicate on the tuple
``pre + post`` (``step_state``) and its Z3 meaning the formula over ``pre.vars + post.vars``. The
two proxies carry the machine's derived variables, each computed from its own state
(``pre.created_viewids``, ``post.created_viewids``).

The engines read them: ``Explorer.check_steps`` (every step taken by exhaustive exploration or
simulation), ``Prover.check_steps`` (a one-step obligation from the states satisfying given
invariants, in Z3) and ``ioakit.traces.steps.check_trace_steps`` (along a recorded trace).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import ir
from .automaton import ActionInstance, Kind, Machine
from .ir import StateProxy, Term, TraceError
from .types import BoolT

StepFn = Callable[[StateProxy, StateProxy, "Act"], Any]
"""What users write: ``fn(pre, post, act)`` returning a boolean term (or a Python bool)."""


@dataclass(frozen=True)
class Act:
    """The action of a step, as step-property code sees it (one action instance).

    ``name`` is the family name (``"brcv"``), ``kind`` its ``Kind``, ``label`` the instance's static
    label (``·`` for parameters taken from the state). ``args`` maps every parameter name to a term:
    a constant for an enumerated parameter, a term over the pre-state for one taken from the state.
    All of it but the bound arguments is static, so ``if act.name == "brcv":`` is plain Python.
    """

    name: str
    kind: Kind
    label: str
    args: Mapping[str, Term]

    @property
    def external(self) -> bool:
        """Inputs and outputs (what a trace records), not internal actions."""
        return self.kind.external

    def is_(self, *names: str) -> bool:
        """Whether this action belongs to one of the families ``names`` (static)."""
        return self.name in names


def act_of(inst: ActionInstance) -> Act:
    """The ``Act`` of an action instance: constant arguments, bound ones as their pre-state terms."""
    bound = dict(inst.bound)
    args = {
        pname: bound[i] if i in bound else ir.const(ptype, inst.args[i])
        for i, (pname, ptype) in enumerate(inst.family.params)
    }
    return Act(inst.name, inst.kind, inst.label, args)


def post_var(m: Machine, i: int) -> Term:
    """The post-state copy of state variable ``i``: index ``len(m.variables) + i``, name primed."""
    name, typ = m.variables[i]
    return Term("var", (), typ, (len(m.variables) + i, name + "'"))


def step_vocabulary(m: Machine) -> tuple[StateProxy, StateProxy]:
    """Read-only ``(pre, post)`` proxies over the two-state vocabulary, with derived variables.

    The pre-state proxy is ``m.read_proxy()`` (variables ``(i, name)``), the post-state proxy the
    same variables renumbered ``n + i`` and primed; each computes derived variables from its own
    state. Terms built from them are read by ``step_state(pre, post)`` in the generated code and by
    ``pre.vars + post.vars`` in Z3."""
    post_env = [post_var(m, i) for i in range(len(m.variables))]
    return m.read_proxy(), StateProxy(m.variables, post_env, m.derived, writable=False)


def step_state(pre: Sequence[Any], post: Sequence[Any]) -> tuple[Any, ...]:
    """The concrete two-state tuple a compiled step term reads: ``pre`` then ``post``."""
    return (*pre, *post)


def unchanged(pre: StateProxy, post: StateProxy, *names: str) -> Term:
    """``post.x == pre.x`` for each named variable (a frame condition)."""
    return ir.And(*(getattr(post, n) == getattr(pre, n) for n in names))  # a map's view compares too


@dataclass(frozen=True)
class StepProperty:
    """A named predicate over steps of one machine: ``terms[k]`` is its term at action instance
    ``k`` of that machine, over the two-state vocabulary (``step_vocabulary``).

    Built by ``StepProperty.trace(machine, name, fn)``; ``machine_name`` and the number of terms are
    checked by the engines against the machine they are given (``check_machine``)."""

    name: str
    terms: tuple[Term, ...] = field(repr=False)
    machine_name: str
    reference: str = ""
    description: str = ""

    @staticmethod
    def trace(m: Machine, name: str, fn: StepFn, reference: str = "", description: str | None = None) -> StepProperty:
        """Run ``fn(pre, post, act)`` once per action instance of ``m`` and keep the boolean terms.

        ``description`` defaults to ``fn``'s docstring. A non-boolean result or code that cannot be
        traced raises ``TraceError`` naming the property and the instance."""
        pre, post = step_vocabulary(m)
        terms = []
        for inst in m.actions:
            act = act_of(inst)
            try:
                t = ir.lift(fn(pre, post, act))
            except TraceError as e:
                raise TraceError(f"step property {name}, action {inst.label}: {e}") from None
            if not isinstance(t.type, BoolT):
                raise TraceError(f"step property {name}, action {inst.label}: must be boolean, got {t.type}")
            terms.append(t)
        desc = (fn.__doc__ or "").strip() if description is None else description
        return StepProperty(name, tuple(terms), m.name, reference, desc)

    def check_machine(self, m: Machine) -> None:
        """Refuse a machine this property was not traced for (its terms index another's instances)."""
        if m.name != self.machine_name or len(m.actions) != len(self.terms):
            raise TraceError(
                f"step property {self.name} was traced for {self.machine_name} with {len(self.terms)} action "
                f"instances; it cannot be checked on {m.name} with {len(m.actions)} (trace it again on that machine)"
            )

    def concerned(self) -> list[int]:
        """The instances at which the property is not the constant ``true`` (the others need no check)."""
        return [k for k, t in enumerate(self.terms) if not (t.is_const and bool(t.value))]


def step_properties_from(m: Machine, defs: Iterable[tuple[str, str, StepFn]]) -> list[StepProperty]:
    """Trace ``(name, reference, fn)`` triples into ``StepProperty`` objects (as ``properties_from``)."""
    return [StepProperty.trace(m, n, fn, ref) for n, ref, fn in defs]
