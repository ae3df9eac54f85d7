"""The abstract syntax of invariant files: immutable dataclasses with source spans.

As in mypyvy, spans are carried by every node but excluded from equality, so two parses of
the same text (or of texts differing only in layout and comments) give equal trees. The parser
(``ioakit.invariants.parser``) builds these from lark trees; the type checker
(``ioakit.invariants.typecheck``) reads them and never mutates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import NOWHERE, Span


@dataclass(frozen=True)
class Node:
    span: Span = field(default=NOWHERE, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Ident(Node):
    """A name as written (hyphens kept: ``current-viewid`` is resolved by the checker)."""

    name: str


# -- types --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeName(Node):
    """A domain (``P``), a named type of the machine (``views``), ``Int`` or ``Bool``."""

    name: str


@dataclass(frozen=True)
class SetType(Node):
    """``Set[T]``: the subsets of a finite type."""

    elem: TypeExpr


TypeExpr = TypeName | SetType


# -- expressions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Primed(Node):
    """``next'``: the variable ``name`` (written without its prime here) in the post-state of a step."""

    name: str


@dataclass(frozen=True)
class IntLit(Node):
    value: int


@dataclass(frozen=True)
class BoolLit(Node):
    value: bool


@dataclass(frozen=True)
class Bot(Node):
    """⊥ (``bot``): typed by the value it is compared with."""


@dataclass(frozen=True)
class Empty(Node):
    """λ (``empty``): the empty sequence or set, typed by its context."""


@dataclass(frozen=True)
class TupleLit(Node):
    """``(a, b)`` or ``⟨a, b⟩``: a tuple, or a record (a view) when the context expects one."""

    elems: tuple[Expr, ...]


@dataclass(frozen=True)
class SetLit(Node):
    """``{a, b}`` (``{}`` is the empty set, typed by its context)."""

    elems: tuple[Expr, ...]


@dataclass(frozen=True)
class Call(Node):
    """``f(args)``: a built-in (``len``, ``head``, ...), a definition, or a record constructor."""

    func: Ident
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Index(Node):
    """``m[k1, k2]`` (map lookup) or ``s[i]`` (1-based sequence indexing)."""

    base: Expr
    keys: tuple[Expr, ...]


@dataclass(frozen=True)
class Slice(Node):
    """``s[i..j]``: the entries of the sequence ``s`` at positions ``i`` to ``j`` (1-based,
    inclusive, clamped to ``1..len(s)``)."""

    base: Expr
    lo: Expr
    hi: Expr


@dataclass(frozen=True)
class FieldSel(Node):
    """``v.id``; ``e.1`` selects the first component of a tuple."""

    base: Expr
    field: str


@dataclass(frozen=True)
class IsTag(Node):
    """``m is summary``: whether the tagged-union value ``m`` is of variant ``summary``."""

    base: Expr
    tag: Ident


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "not" | "neg"
    arg: Expr


@dataclass(frozen=True)
class Binary(Node):
    """Boolean connectives (``and or implies iff``), comparisons (``== != < <= > >=``),
    membership (``in``, ``not in``), ``subset``, arithmetic (``+ - *``), sequence concatenation
    (``++``) and set operations (``union inter minus``). ``op`` is the canonical ASCII name."""

    op: str
    left: Expr
    right: Expr
    op_span: Span = field(default=NOWHERE, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Ite(Node):
    cond: Expr
    then: Expr
    orelse: Expr


@dataclass(frozen=True)
class Size(Node):
    """``|e|``: cardinality of a set, length of a sequence."""

    arg: Expr


@dataclass(frozen=True)
class IntRange(Node):
    """``a..b`` as the range of a binder: the integers from ``a`` to ``b`` inclusive."""

    lo: Expr
    hi: Expr


@dataclass(frozen=True)
class InRange(Node):
    """``x in a..b`` as a formula: ``a <= x and x <= b`` (``negated``: ``x not in a..b``)."""

    elem: Expr
    range: IntRange
    negated: bool = False


@dataclass(frozen=True)
class Binder(Node):
    """``x in R`` or ``S subset R`` inside a quantifier; ``R`` is an expression, a type or an
    integer range ``a..b``."""

    var: Ident
    mode: str  # "in" | "subset"
    range: Expr | TypeExpr | IntRange


@dataclass(frozen=True)
class Quant(Node):
    """``forall``, ``exists``, ``exists!`` (exactly one), ``sum`` or ``union`` (big union of
    sets) over ``binders``."""

    kind: str  # "forall" | "exists" | "exists1" | "sum" | "union"
    binders: tuple[Binder, ...]
    body: Expr


@dataclass(frozen=True)
class Let(Node):
    """``let x = value in body``: ``x`` names the value in ``body``."""

    var: Ident
    value: Expr
    body: Expr


@dataclass(frozen=True)
class SetOf(Node):
    """``{elem | binders}`` or ``{elem | binders where cond}``: a set comprehension."""

    elem: Expr
    binders: tuple[Binder, ...]
    cond: Expr | None


Expr = (
    Name
    | Primed
    | IntLit
    | BoolLit
    | Bot
    | Empty
    | TupleLit
    | SetLit
    | Call
    | Index
    | Slice
    | FieldSel
    | IsTag
    | Unary
    | Binary
    | InRange
    | Ite
    | Size
    | Quant
    | Let
    | SetOf
)


# -- declarations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MachineDecl(Node):
    names: tuple[Ident, ...]


@dataclass(frozen=True)
class Param(Node):
    name: Ident
    type: TypeExpr | None


@dataclass(frozen=True)
class Definition(Node):
    """``def name(params) = body``: a derived variable (no parameters) or a macro."""

    name: Ident
    params: tuple[Param, ...]
    body: Expr
    has_parens: bool = False


@dataclass(frozen=True)
class InvariantDecl(Node):
    """``invariant name "reference": "description" formula``."""

    name: Ident
    reference: str
    description: str
    body: Expr


@dataclass(frozen=True)
class OnClause(Node):
    """``on brcv(q):`` — the step item is about the steps of family ``brcv``, with its parameter
    ``q`` bound to each step's argument."""

    family: Ident
    params: tuple[Ident, ...]


@dataclass(frozen=True)
class StepDecl(Node):
    """``step name "reference": "description" [on family(params):] formula`` over two states."""

    name: Ident
    reference: str
    description: str
    on: OnClause | None
    body: Expr


@dataclass(frozen=True)
class Include(Node):
    """``include "file.inv"``: the definitions and invariants of another file (a path relative to
    the including file's folder, or a shipped file's name), at this point of the file."""

    path: str
    path_span: Span = field(default=NOWHERE, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class File(Node):
    machine: MachineDecl
    items: tuple[Definition | InvariantDecl | StepDecl | Include, ...]
