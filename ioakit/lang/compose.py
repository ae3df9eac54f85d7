"""Parallel composition and hiding of I/O automata (Lynch–Tuttle).

``compose([A, B, ...])`` builds the automaton whose state is the tuple of the components'
states (flattened, each variable prefixed with its component's name) and whose actions are
the union of theirs, where actions with the same name and arguments *synchronise*: all
components that have the action take the step together. An action is an output of the
composition if it is an output of some component, an input if it is an input of all that
have it, and internal if it is internal to its (only) component. ``hide`` turns outputs into
internal actions, as FLS do when they compose VS-machine with the VStoTO_p (Section 6: "the
gpsnd, gprcv, safe and newview actions hidden").

Compatibility (Lynch–Tuttle): no action is an output of two components, and no internal action
of one component is an action of another; violations are definition-time errors. Arguments
are matched by their JSON values (``traces/FORMAT.md``), so components built over domains with
the same element names (``p1``, ``m1``) synchronise.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import ir
from .automaton import ActionFamily, ActionInstance, Decl, Kind, Machine, Scope
from .ir import Term, subterms
from .types import SchemaError


class CompositionError(SchemaError):
    """The components are not compatible (Lynch–Tuttle)."""


def rename(roots: Sequence[Term], offset: int, prefix: str) -> list[Term]:
    """The terms with every state variable ``(i, n)`` moved to ``(offset + i, prefix + n)``."""
    memo: dict[int, Term] = {}
    for t in subterms(list(roots)):
        if t.op == "var":
            i, n = t.data
            memo[id(t)] = Term("var", (), t.type, (offset + i, f"{prefix}{n}"))
        elif t.op == "const" or not t.args:
            memo[id(t)] = t
        else:
            memo[id(t)] = Term(t.op, tuple(memo[id(a)] for a in t.args), t.type, t.data)
    return [memo[id(r)] for r in roots]


@dataclass(frozen=True)
class _Part:
    machine: Machine
    prefix: str
    offset: int


def _key(a: ActionInstance) -> str:
    if a.bound:
        raise CompositionError(
            f"{a.label}: compose() matches built machines' actions by their fixed arguments; an action "
            f"taking arguments from the state composes in a declared System (ioakit.lang.system)"
        )
    return a.name + json.dumps(a.args_json(), sort_keys=True)


def compose(
    components: Sequence[Machine],
    *,
    name: str | None = None,
    prefixes: Sequence[str] | None = None,
    hide: Iterable[str] = (),
) -> Machine:
    """The composition of ``components`` with the output families named in ``hide`` hidden."""
    if not components:
        raise CompositionError("compose() needs at least one component")
    prefixes = list(prefixes) if prefixes is not None else [m.name for m in components]
    if len(set(prefixes)) != len(prefixes):
        raise CompositionError(f"component prefixes must be distinct, got {prefixes}")
    parts, offset = [], 0
    for m, p in zip(components, prefixes):
        parts.append(_Part(m, f"{p}.", offset))
        offset += len(m.variables)
    hidden = set(hide)

    by_key: dict[str, list[tuple[_Part, ActionInstance]]] = {}
    for part in parts:
        for a in part.machine.actions:
            by_key.setdefault(_key(a), []).append((part, a))

    actions: list[ActionInstance] = []
    families: dict[tuple[str, Kind], ActionFamily] = {}
    for key, members in by_key.items():
        kinds = [a.kind for _, a in members]
        outs = [p.prefix for p, a in members if a.kind is Kind.OUTPUT]
        if len(outs) > 1:
            raise CompositionError(f"{members[0][1].label} is an output of several components: {outs}")
        if Kind.INTERNAL in kinds and len(members) > 1:
            raise CompositionError(
                f"{members[0][1].label} is internal to one component and an action of another "
                f"({[p.prefix for p, _ in members]}); internal actions cannot be shared"
            )
        kind = Kind.OUTPUT if outs else (Kind.INTERNAL if Kind.INTERNAL in kinds else Kind.INPUT)
        first = members[0][1]
        if kind is Kind.OUTPUT and first.name in hidden:
            kind = Kind.INTERNAL
        fam = families.setdefault(
            (first.name, kind), ActionFamily(first.name, kind, first.family.params, first.family.doc)
        )
        guards, writes = [], []
        for part, a in members:
            renamed = rename([a.guard, *(t for _, t in a.writes)], part.offset, part.prefix)
            guards.append(renamed[0])
            writes += [(part.offset + i, t) for (i, _), t in zip(a.writes, renamed[1:])]
        actions.append(ActionInstance(fam, first.args, ir.And(*guards), tuple(writes), first.label))
        del key
    unknown = hidden - {a.name for a in actions}
    if unknown:
        raise CompositionError(f"hide names no action of the composition: {sorted(unknown)}")

    variables = tuple((f"{p.prefix}{n}", t) for p in parts for n, t in p.machine.variables)
    starts = tuple(
        tuple(itertools.chain.from_iterable(combo))
        for combo in itertools.product(*(p.machine.start_states for p in parts))
    )
    decl = Decl()
    for p in parts:
        decl.domains.update(p.machine.decl.domains)
        decl.types.update(p.machine.decl.types)
    scope = Scope(tuple((f"{p.prefix}{k}", v) for p in parts for k, v in p.machine.scope.values))
    return Machine(
        name=name or " ∥ ".join(m.name for m in components),
        scope=scope,
        decl=decl,
        variables=variables,
        start_states=starts,
        families=tuple(families.values()),
        actions=tuple(actions),
        derived={},
        hidden_vars=frozenset(f"{p.prefix}{n}" for p in parts for n in p.machine.hidden_vars),
    )
