"""The checked, resolved form of invariant formulas (the type checker's output).

Where the surface AST says ``a <= b`` or ``x in s`` or ``bot``, the core says *which* operation
(integer order or sequence prefix; set or sequence membership) and *which* ⊥ (that of ``G``),
with every name resolved to a state variable, a derived variable, a bound variable or a
constant, and every definition expanded. The compiler (``ioakit.invariants.compiler``) maps each
core node to one call of ``ioakit.lang.ir``; it cannot fail on a well-typed core.

Core nodes are compared by identity (``eq=False``): the same node may be shared, e.g. an argument
of a definition used several times in its body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ioakit.lang.types import SetT, Type

from .errors import NOWHERE, Span


@dataclass(frozen=True, eq=False)
class BoundVar:
    """A variable bound by a quantifier or a typed definition parameter."""

    name: str
    type: Type
    span: Span = field(default=NOWHERE, repr=False)


@dataclass(frozen=True, eq=False, repr=False)
class Core:
    type: Type
    span: Span = field(default=NOWHERE, repr=False, kw_only=True)
    text: str = field(default="", repr=False, kw_only=True)
    """The source text of the node (for vacuity witnesses' descriptions)."""

    def __repr__(self) -> str:
        # not the recursive dataclass repr: core graphs share nodes (definitions), so a tree
        # rendering can be exponentially large
        return f"{type(self).__name__}<{self.text or self.type}>"


@dataclass(frozen=True, eq=False, repr=False)
class CConst(Core):
    value: Any


@dataclass(frozen=True, eq=False, repr=False)
class CStateVar(Core):
    """A state variable; in a step item, ``index`` past the machine's variables is the post-state
    copy (``ioakit.lang.steps.post_var``: index ``n + i``, name primed)."""

    index: int
    name: str


@dataclass(frozen=True, eq=False, repr=False)
class CDerived(Core):
    name: str
    post: bool = False
    """In a step item, the derived variable computed from the post-state (``created_viewids'``)."""


@dataclass(frozen=True, eq=False, repr=False)
class CBound(Core):
    var: BoundVar


@dataclass(frozen=True, eq=False, repr=False)
class COp(Core):
    """An operation of ``ioakit.lang.ir`` (see ``compiler.OPS`` for the list)."""

    op: str
    args: tuple[Core, ...]
    data: Any = None


@dataclass(frozen=True, eq=False)
class TypeRange:
    """All values of a finite type (``P``, ``views``, ``Set[P]``)."""

    type: Type


@dataclass(frozen=True, eq=False)
class CollRange:
    """The elements of a set, or the entries of a sequence (position by position)."""

    coll: Core


@dataclass(frozen=True, eq=False)
class SubsetRange:
    """The subsets of the set ``sup`` (``forall S subset v.set: ...``)."""

    type: SetT
    sup: Core


@dataclass(frozen=True, eq=False)
class IntRange:
    """The integers ``lo..hi`` (``forall i in 1..n: ...``). The compiler expands it over the least
    value ``lo`` and the greatest value ``hi`` can take at the scope (their terms' integer types:
    exact for constants), each value guarded by ``lo <= i <= hi``; ``span`` and ``source`` locate
    the error when that is too many values."""

    lo: Core
    hi: Core
    span: Span = field(default=NOWHERE, repr=False)
    source: Any = field(default=None, repr=False)
    """The ``SourceFile`` the range is written in (it may be a definition of an included file)."""


Range = TypeRange | CollRange | SubsetRange | IntRange


@dataclass(frozen=True, eq=False, repr=False)
class CQuant(Core):
    """``forall`` / ``exists`` / ``exists1`` (exactly one) / ``sum`` of ``body`` over ``var``."""

    kind: str
    var: BoundVar
    range: Range
    body: Core
    range_text: str = ""


@dataclass(frozen=True, eq=False)
class CheckedStep:
    """A checked step item: its body, the ``action`` variable (None when the machine has a variable
    of that name) and, for ``on family(params):``, the family and the parameters it binds."""

    body: Core
    action: BoundVar | None
    family: str | None = None
    params: tuple[tuple[str, BoundVar], ...] = ()


def walk(root: Core) -> list[Core]:
    """Every core node reachable from ``root`` (iteratively; shared nodes once)."""
    seen: set[int] = set()
    out: list[Core] = []
    stack = [root]
    while stack:
        c = stack.pop()
        if id(c) in seen:
            continue
        seen.add(id(c))
        out.append(c)
        if isinstance(c, COp):
            stack.extend(c.args)
        elif isinstance(c, CQuant):
            stack.append(c.body)
            if isinstance(c.range, CollRange):
                stack.append(c.range.coll)
            elif isinstance(c.range, SubsetRange):
                stack.append(c.range.sup)
            elif isinstance(c.range, IntRange):
                stack.extend((c.range.lo, c.range.hi))
    return out


def reads_state(c: Core, dependent: frozenset[int] = frozenset()) -> bool:
    """Whether ``c`` depends on the state: reads a state / derived variable, or a bound variable
    (by id) listed in ``dependent`` (one that ranges over a state-dependent collection)."""
    for n in walk(c):
        if isinstance(n, CStateVar | CDerived):
            return True
        if isinstance(n, CBound) and id(n.var) in dependent:
            return True
    return False
