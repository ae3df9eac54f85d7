"""The environment (well-formed clients) that drives the Deconstructing Paxos automata — not the automata.

Inputs of an I/O automaton are always enabled (Lynch–Tuttle), so the specifications of
Section 3 (``register_spec.py``, ``consensus_spec.py``) accept every ``read``, ``write``,
``propose`` and ``crash`` at any time. What makes a *run* finite and *well formed* is the
environment, and this module adds it to a built machine, the way
``ioakit.lang.automaton.with_input_budget`` adds the single ``inputs_issued`` budget:

* per-family **budgets** (``Budget``): a hidden counter per budget (e.g. ``ops_invoked`` for the
  operations ``read``/``write``/``propose``, bounded by ``max_ops``; ``crashes_caused`` for
  ``crash``, bounded by ``crashes``), so that crashes do not eat the operations' budget;
* per-instance **guards**: a term over the state that an input instance needs before the
  environment issues it (Section 3.1: "a process invokes at most one operation at a time";
  Section 2.1: a crashed process invokes nothing).

The guards and budgets restrict only the explored machine's *inputs*; the automaton's outputs
and effects are untouched, and the counters are hidden state (``Machine.hidden_vars``), shown
only with ``hide=False``. An implementation compared with a specification by trace inclusion
must be driven by an environment no more permissive than this one at the same scope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ioakit.lang import ir
from ioakit.lang.automaton import ActionInstance, Kind, Machine, Scope, Spec
from ioakit.lang.ir import StateProxy, Term
from ioakit.lang.types import BoolT, IntT

EnvGuard = Callable[[str, Mapping[str, Term], StateProxy], Any]
"""``guard(family name, {parameter: constant term}, state) -> boolean term (or bool)``: when the
environment may issue that input instance."""


@dataclass(frozen=True)
class Budget:
    """At most ``limit`` inputs of the ``families`` in a run, counted in the hidden state
    variable ``counter``."""

    counter: str
    families: frozenset[str]
    limit: int


def with_environment(m: Machine, budgets: Sequence[Budget], guard: EnvGuard | None = None) -> Machine:
    """Close ``m`` with an environment: each budget's counter bounds its input families, and
    ``guard`` (if any) restricts when each input instance is issued.

    An input of a family in no budget is unbounded by count (only by ``guard``). The explored
    state is the machine's state followed by the budgets' counters, in the order given.
    """
    names = {b.counter for b in budgets}
    if len(names) != len(budgets) or names & set(m.var_names):
        raise ValueError(f"{m.name}: environment counters {sorted(names)} clash with each other or the state")
    k0 = len(m.variables)
    counters = [Term("var", (), IntT(0, b.limit), (k0 + i, b.counter)) for i, b in enumerate(budgets)]
    proxy = m.read_proxy()
    insts: list[ActionInstance] = []
    for a in m.actions:
        if a.kind is Kind.INPUT:
            conj: list[Any] = [a.guard]
            writes = list(a.writes)
            if guard is not None:
                args = {n: ir.const(t, v) for (n, t), v in zip(a.family.params, a.args)}
                g = ir.lift(guard(a.name, args, proxy))
                if not isinstance(g.type, BoolT):
                    raise TypeError(f"{m.name}: the environment guard of {a.label} is not boolean ({g.type})")
                conj.append(g)
            for i, (b, c) in enumerate(zip(budgets, counters)):
                if a.name in b.families:
                    conj.append(c < b.limit)
                    writes.append((k0 + i, c + 1))
            a = ActionInstance(a.family, a.args, ir.And(*conj), tuple(writes), a.label, a.bound, a.choices)
        insts.append(a)
    return Machine(
        name=m.name,
        scope=m.scope,
        decl=m.decl,
        variables=(*m.variables, *((b.counter, IntT(0, b.limit)) for b in budgets)),
        start_states=tuple((*s, *(0 for _ in budgets)) for s in m.start_states),
        families=m.families,
        actions=tuple(insts),
        derived=m.derived,
        hidden_vars=m.hidden_vars | names,
    )


class WellFormedClients(Spec):
    """A ``Spec`` of Section 3 whose explored machine is driven by well-formed clients.

    The subclass names its invocation families (``operations``) and declares ``up[p]`` and
    ``pending[p]``; its machine (``build`` with ``environment=True``, the default) gets two budgets —
    ``ops_invoked`` ≤ ``max_ops`` over the operations, ``crashes_caused`` ≤ ``crashes`` over
    ``crash`` — and the guard "``p`` is up and has no pending operation" on each invocation at
    ``p``. ``crash(p)`` is issued at any time (even at a crashed process, where it changes nothing
    but the counter): the most permissive environment, so every crash pattern an implementation's
    environment produces within the budget is one this one produces too.
    """

    operations: ClassVar[tuple[str, ...]] = ()

    def _build(self, given: Mapping[str, int] | Scope | None, environment: bool) -> Machine:
        m = super()._build(given, False)
        if not environment:
            return m
        budgets = (
            Budget("ops_invoked", frozenset(self.operations), m.scope["max_ops"]),
            Budget("crashes_caused", frozenset({"crash"}), m.scope["crashes"]),
        )
        ops = set(self.operations)

        def idle_and_up(name: str, args: Mapping[str, Term], s: StateProxy) -> Any:
            if name not in ops:
                return True
            p = args["p"]
            return ir.And(s.up[p], s.pending[p] == ir.BOT)

        return with_environment(m, budgets, idle_and_up)
