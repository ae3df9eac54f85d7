"""Type checking invariant files against a machine's schema, producing core formulas.

The checker reads the AST (``syntax.py``) with the schema of one instantiated machine —
``machine.variables``, ``machine.decl.domains``, ``machine.decl.types``, ``machine.derived`` —
and returns resolved, typed ``core`` formulas, or raises located ``InvariantError``s naming what
was expected, e.g. for the misprinted Lemma 4.1(12) of Fekete–Lynch–Shvartsman::

    key 2 of next_safe must be an element of G, got P

Checking is *bidirectional*: ⊥, ``empty``, ``{}`` and tuple literals take their type from the
other side of a comparison or membership (``current_viewid[p] == bot``, ``(g, S) in created``
builds a view record). Definitions with typed parameters are checked where they are written;
untyped ones (macros) are name-checked there and type-checked at every use, where they are
expanded. No state is global: a ``Checker`` holds the schema, the source and the budgets of one
file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ioakit.lang import ops
from ioakit.lang.automaton import Machine
from ioakit.lang.ir import TraceError, lift
from ioakit.lang.types import (
    BOT_INDEX,
    BagT,
    BoolT,
    Domain,
    EnumT,
    IntT,
    MapT,
    OptionT,
    RecordT,
    SeqT,
    SetT,
    TupleT,
    Type,
    UnionT,
    join,
    same_shape,
    universe_size,
    unordered_part,
)

from . import syntax as S
from .core import (
    BoundVar,
    CBound,
    CConst,
    CDerived,
    CheckedStep,
    CollRange,
    COp,
    Core,
    CQuant,
    CStateVar,
    IntRange,
    SubsetRange,
    TypeRange,
)
from .errors import (
    InvariantError,
    InvariantScopeError,
    InvariantTypeError,
    Note,
    SourceFile,
    Span,
)

BOOL = BoolT()
INT = IntT(0, 0)  # the checker only needs the shape of integer types

MAX_QUANT_VALUES = 4096
"""Largest range a single quantifier may expand over at the current scope."""

MAX_CHECK_NODES = 200_000
"""Budget of checked nodes per file (definitions calling definitions can blow up)."""

MAX_CHECK_DEPTH = 200
"""Deepest recursion of the checker (nesting, plus nesting through definitions)."""

BUILTINS: dict[str, str] = {
    "len": "len(s): the length of a sequence",
    "length": "length(s): the length of a sequence (the paper's spelling of len)",
    "head": "head(s): the first entry of a sequence",
    "last": "last(s): the last entry of a sequence",
    "tail": "tail(s): a sequence without its first entry",
    "range": "range(s): the set of entries of a sequence",
    "prefix": "prefix(a, b): a is a prefix of b (also a <= b)",
    "append": "append(s, x): s with x appended",
    "card": "card(S): the number of elements of a set (also |S|)",
    "min": "min(a, b): the smaller integer",
    "max": "max(a, b): the larger integer",
    "dom": "dom(m): the set of keys at which the partial map m (values: an option type) is not ⊥; of a "
    "sequence s, its positions {1, ..., len(s)}",
    "take": "take(s, n): the prefix of the sequence s of length min(n, len(s)) (λ for n <= 0)",
    "get": "get(o): the value of an option that is not ⊥ (of ⊥: the element type's first value)",
    "sorted": "sorted(S): the elements of a set of ordered values (integers, domain elements, records and "
    "tuples of those) as an ascending sequence",
}

TYPE_WORDS = ("Int", "Bool", "Set")

_ELEMENT_NAME = re.compile(r"^([A-Za-z_]+?)(\d+)$")


# ---------------------------------------------------------------------------------------------
# The machine's schema, as the checker sees it
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schema:
    """Names a formula may use, with their types, taken from one instantiated machine."""

    machine_name: str
    variables: Mapping[str, tuple[int, Type]]
    derived: Mapping[str, Type]
    domains: Mapping[str, Domain]
    types: Mapping[str, Type]
    elements: Mapping[str, tuple[str, int]]
    families: Mapping[str, tuple[tuple[str, Type], ...]] = field(default_factory=dict)
    """Action families by name, with their parameters (for step items' ``on`` and ``action is``)."""
    params: Mapping[str, int] = field(default_factory=dict)
    """The scope's parameters and their values (integer constants of the instantiated scope:
    ``max_inputs``, ``processors``); every other name wins over them, and ``scope.x`` always
    means parameter ``x``."""

    @staticmethod
    def of(machine: Machine) -> Schema:
        variables = {n: (i, t) for i, (n, t) in enumerate(machine.variables)}
        proxy = machine.read_proxy()
        derived = {n: lift(getattr(proxy, n)).type for n in machine.derived}
        domains = dict(machine.decl.domains)
        elements: dict[str, tuple[str, int]] = {}
        clash: set[str] = set()
        for dn, d in domains.items():
            for i, en in enumerate(d.names):
                if en in elements:
                    clash.add(en)
                elements[en] = (dn, i)
        for en in clash:
            del elements[en]
        families = {f.name: f.params for f in machine.families}
        return Schema(
            machine.name,
            variables,
            derived,
            domains,
            dict(machine.decl.types),
            elements,
            families,
            machine.scope.as_dict(),
        )

    def type_name(self, t: Type) -> str:
        """A scope-independent name for ``t`` (``G⊥``, ``Seq[M × P]``, ``views``, ``Int``)."""
        if isinstance(t, BoolT):
            return "Bool"
        if isinstance(t, IntT):
            return "Int"
        if isinstance(t, EnumT):
            return t.domain.name + ("⊥" if t.bottom else "")
        if isinstance(t, RecordT):
            for n, nt in self.types.items():
                if isinstance(nt, RecordT) and same_shape(nt, t):
                    return n
            return " × ".join(self.type_name(ft) for _, ft in t.fields) if t.name.startswith("(") else t.name
        if isinstance(t, SeqT):
            return f"Seq[{self.type_name(t.elem)}]"
        if isinstance(t, SetT):
            return f"Set[{self.type_name(t.elem)}]"
        if isinstance(t, BagT):
            return f"Bag[{self.type_name(t.elem)}]"
        if isinstance(t, MapT):
            return f"Map[{' × '.join(self.type_name(k) for k in t.keys)} → {self.type_name(t.val)}]"
        if isinstance(t, UnionT):
            for n, nt in self.types.items():
                if isinstance(nt, UnionT) and same_shape(nt, t):
                    return n
            return t.name
        if isinstance(t, OptionT):
            return f"Option[{self.type_name(t.elem)}]"
        return str(t)

    def element_family(self, name: str) -> Domain | None:
        """The domain whose elements are named like ``name`` (``p3`` -> P), if any."""
        m = _ELEMENT_NAME.match(name)
        if not m:
            return None
        for d in self.domains.values():
            if d.names:
                dm = _ELEMENT_NAME.match(d.names[0])
                if dm and dm.group(1) == m.group(1):
                    return d
        return None


def count_values(t: Type, cap: int = MAX_QUANT_VALUES + 1) -> int:
    """Number of values of a finite type, saturating at ``cap`` (never enumerates)."""
    if isinstance(t, BoolT):
        return 2
    if isinstance(t, IntT):
        return min(t.hi - t.lo + 1, cap)
    if isinstance(t, EnumT):
        return min(len(t.domain) + (1 if t.bottom else 0), cap)
    if isinstance(t, RecordT):
        n = 1
        for _, ft in t.fields:
            n = min(n * count_values(ft, cap), cap)
        return n
    if isinstance(t, SetT):
        e = count_values(t.elem, cap)
        return cap if e >= cap.bit_length() else min(2**e, cap)
    if isinstance(t, BagT):
        e = count_values(t.elem, cap)
        n = 1
        for _ in range(min(e, cap.bit_length())):
            n = min(n * (t.bound + 1), cap)
        return n
    if isinstance(t, MapT):
        v = count_values(t.val, cap)
        n = 1
        for _ in range(t.size):
            n = min(n * v, cap)
        return n
    if isinstance(t, UnionT):
        return min(sum(count_values(vt, cap) for _, vt in t.variants), cap)
    if isinstance(t, OptionT):
        return min(1 + count_values(t.elem, cap), cap)
    return cap


# ---------------------------------------------------------------------------------------------
# Definitions and scopes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefinitionInfo:
    """A checked definition: its parameters (with types when annotated) and, for a definition
    without parameters (a derived variable), its core value."""

    name: str
    params: tuple[tuple[str, Type | None], ...]
    ast: S.Definition = field(repr=False)
    order: int
    sig: str = ""
    core: Core | None = field(default=None, repr=False)
    type: Type | None = None
    type_text: str = ""
    source: SourceFile | None = field(default=None, repr=False, compare=False)
    """The file the definition is written in (``include``: maybe not the file being loaded)."""

    @property
    def span(self) -> Span:
        return self.ast.span

    @property
    def typed(self) -> bool:
        return all(t is not None for _, t in self.params)

    def signature(self) -> str:
        """The head as written, e.g. ``in_queue(g, m, p)``."""
        return self.sig or self.name


@dataclass(frozen=True)
class ArgBinding:
    """A parameter of an untyped definition, bound to the core of its argument at a call."""

    core: Core


Binding = BoundVar | ArgBinding
Scope = Mapping[str, Binding]

SCOPE = "scope"
"""``scope.x``: the scope parameter ``x`` (when no state variable, derived variable or definition is
called ``scope``)."""

ACTION = "action"
"""The name of the step's action in a step item (``action is brcv``)."""


def action_type(families: Mapping[str, Any]) -> EnumT:
    """The type of ``action`` in a step item: one element per action family of the machine."""
    return EnumT(Domain("action", tuple(families)))


class CascadeError(InvariantTypeError):
    """A use of a definition that already failed to check: not reported again (the loader drops
    these, the definition's own error is what the user needs to see)."""


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0
        self.depth = 0


# ---------------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------------


class Checker:
    """Checks the formulas of one file against one machine's schema."""

    def __init__(self, schema: Schema, source: SourceFile) -> None:
        self.schema = schema
        self.source = source
        self.defs: dict[str, DefinitionInfo] = {}
        self.budget = _Budget()
        self._visible = 1 << 62  # definitions with order < _visible may be used
        self._bind_site: dict[int, Span] = {}
        self._bind_src: dict[int, SourceFile] = {}
        """The file each binding site is in (a definition's parameters: the definition's file)."""
        self._defining = ""
        self.broken: set[str] = set()
        self.later: dict[str, int] = {}
        """Definitions of the file not yet checked, with their lines ("defined later")."""
        self.in_step = False
        """Checking a step item: primed names are the post-state's."""
        self._action: BoundVar | None = None
        """The step item's ``action`` variable, while one is checked."""

    # -- errors ---------------------------------------------------------------------------------
    def err(
        self, msg: str, node: S.Node | Span | None, *notes: Note, cls: type[InvariantError] = InvariantTypeError
    ) -> InvariantError:
        span = node if isinstance(node, Span) or node is None else node.span
        return cls(msg, span, self.source, tuple(notes))

    def text(self, node: S.Node) -> str:
        return node.span.text(self.source)

    def tn(self, t: Type) -> str:
        return self.schema.type_name(t)

    def a(self, t: Type) -> str:
        """``t``'s name with its indefinite article: ``a G⊥``, ``an Int``."""
        n = self.tn(t)
        return ("an " if n[:1] in "AEIOUaeiou" else "a ") + n

    # -- definitions ----------------------------------------------------------------------------
    def add_definition(self, d: S.Definition, order: int) -> DefinitionInfo:
        """Check a definition and make it visible to later items."""
        name = d.name.name
        if name in self.defs:
            first = self.defs[name]
            note = Note("first definition here", first.span, first.source)
            raise self.err(f"`{name}` is defined twice", d.name, note)
        self._check_fresh_name(name, d.name, what="definition")
        params: list[tuple[str, Type | None]] = []
        seen: dict[str, S.Param] = {}
        for p in d.params:
            pn = p.name.name
            if pn in seen:
                raise self.err(f"parameter `{pn}` appears twice in `{name}`", p.name)
            seen[pn] = p
            self._check_fresh_name(pn, p.name, what="parameter", scope={})
            params.append((pn, None if p.type is None else self.check_type(p.type, allow_infinite=True)))
        sig = name + ("(" + ", ".join(self.text(p) for p in d.params) + ")" if d.params or d.has_parens else "")
        info = DefinitionInfo(name, tuple(params), d, order, sig, source=self.source)
        self._visible = order
        self._defining = name
        try:
            if all(t is not None for _, t in params):
                sc: dict[str, Binding] = {}
                for (pn, t), p in zip(params, d.params):
                    v = BoundVar(pn, t, p.name.span)  # type: ignore[arg-type]
                    self._bind_site[id(v)] = p.name.span
                    self._bind_src[id(v)] = self.source
                    sc[pn] = v
                body = self.check(d.body, sc)
                tname = self.tn(body.type)
                info = DefinitionInfo(
                    name,
                    tuple(params),
                    d,
                    order,
                    sig,
                    core=body if not params else None,
                    type=body.type,
                    type_text=tname,
                    source=self.source,
                )
            else:
                self._resolve_names(d.body, set(seen))
        finally:
            self._visible = 1 << 62
            self._defining = ""
        self.defs[name] = info
        return info

    def _resolve_names(self, e: Any, bound: set[str]) -> None:
        """Name resolution only (for definitions whose parameters have no types)."""
        stack: list[tuple[Any, frozenset[str]]] = [(e, frozenset(bound))]
        while stack:
            n, b = stack.pop()
            if isinstance(n, S.Quant):
                names = set(b)
                for bd in n.binders:
                    if not isinstance(bd.range, S.TypeName | S.SetType):
                        stack.append((bd.range, frozenset(names)))
                    names.add(bd.var.name)
                stack.append((n.body, frozenset(names)))
                continue
            if isinstance(n, S.Let):
                stack.append((n.value, b))
                stack.append((n.body, b | {n.var.name}))
                continue
            if isinstance(n, S.SetOf):
                names = set(b)
                for bd in n.binders:
                    if not isinstance(bd.range, S.TypeName | S.SetType):
                        stack.append((bd.range, frozenset(names)))
                    names.add(bd.var.name)
                stack.extend((x, frozenset(names)) for x in (n.elem, n.cond) if x is not None)
                continue
            if isinstance(n, S.Name):
                if n.name not in b:
                    self._resolve_only(n.name, n, b)
                continue
            if self._is_scope_ref(n, b):
                self._scope_param(n)  # type: ignore[arg-type]
                continue
            if isinstance(n, S.Primed):
                raise self._primed_outside(n)
            if isinstance(n, S.Call) and n.func.name not in BUILTINS and n.func.name not in b:
                self._resolve_callable(n.func)
            if isinstance(n, S.Node):
                for v in vars(n).values():
                    if isinstance(v, S.Node):
                        stack.append((v, b))
                    elif isinstance(v, tuple):
                        stack.extend((x, b) for x in v if isinstance(x, S.Node))

    def _resolve_only(self, name: str, node: S.Node, bound: frozenset[str]) -> None:
        alt = name.replace("-", "_")
        if alt in bound:
            return
        if self._known_value(alt):
            if "-" in name:
                self._hyphen_check(name, node, lambda part: part in bound or self._known_value(part))
            return
        raise self._unknown(name, node, {str(x) for x in bound})

    def _known_value(self, name: str) -> bool:
        sch = self.schema
        return (
            (name in self.defs and self.defs[name].order < self._visible)
            or name in sch.variables
            or name in sch.derived
            or name in sch.domains
            or name in sch.elements
            or name in sch.params
        )

    def _resolve_callable(self, ident: S.Ident) -> None:
        name = ident.name.replace("-", "_")
        if name in self.defs and self.defs[name].order < self._visible:
            return
        if self._record_type(name) is not None:
            return
        raise self._unknown_function(ident)

    # -- names ----------------------------------------------------------------------------------
    def _check_fresh_name(self, name: str, node: S.Node, what: str, scope: Scope | None = None) -> None:
        """A new definition / bound variable must not hide another name."""
        sch = self.schema
        m = sch.machine_name
        if scope is not None and name in scope:
            site = self._site(scope[name])
            raise self.err(
                f"`{name}` is already bound here; choose another name for the {what}",
                node,
                *([Note(f"`{name}` is bound here", site, self._bind_src.get(id(scope[name])))] if site else []),
            )
        if what != "definition" and name in self.defs:
            raise self.err(
                f"`{name}` is a definition; choose another name for the {what}",
                node,
                Note(f"`{name}` is defined here", self.defs[name].span, self.defs[name].source),
            )
        if name in sch.variables:
            raise self.err(f"`{name}` is a state variable of {m}; choose another name for the {what}", node)
        if name in sch.derived:
            raise self.err(f"`{name}` is a derived variable of {m}; choose another name for the {what}", node)
        if name in sch.types or name in TYPE_WORDS:
            raise self.err(f"`{name}` is a type of {m}; choose another name for the {what}", node)
        if name in BUILTINS:
            raise self.err(f"`{name}` is a built-in function; choose another name for the {what}", node)
        if name in sch.elements:
            dn = sch.elements[name][0]
            raise self.err(f"`{name}` is an element of {dn}; choose another name for the {what}", node)

    def _site(self, b: Binding) -> Span | None:
        return self._bind_site.get(id(b)) if isinstance(b, BoundVar) else None

    def _all_names(self, scope: Scope | set[str]) -> list[str]:
        sch = self.schema
        return [
            *scope,
            *(n for n, d in self.defs.items() if d.order < self._visible),
            *sch.variables,
            *sch.derived,
            *sch.domains,
            *sch.params,
        ]

    def _unknown(self, name: str, node: S.Node, scope: Scope | set[str]) -> InvariantError:
        sch = self.schema
        if "-" in name:
            parts = name.split("-")
            return self.err(
                f"unknown name `{name}`: a hyphen between letters is part of a name (as in the paper's "
                f"`current-viewid`, which means `current_viewid`); for subtraction write "
                f"`{' - '.join(parts)}` with spaces",
                node,
            )
        fam = sch.element_family(name)
        if fam is not None:
            return self.err(
                f"`{name}` is not an element of {fam.name} = {{{', '.join(fam.names)}}} at this scope",
                node,
                cls=InvariantScopeError,
            )
        if name in sch.types or name in TYPE_WORDS:
            return self.err(
                f"`{name}` is a type, not a value: quantify over it (`forall x in {name}: ...`)"
                + (f" or build one with `{name}(...)`" if self._record_type(name) else ""),
                node,
            )
        if name in BUILTINS:
            return self.err(f"`{name}` is a function: write {BUILTINS[name]}", node)
        if name == self._defining:
            return self.err(f"`{name}` cannot use itself (definitions are not recursive)", node)
        if name in self.broken:
            return CascadeError(f"`{name}` has errors", node.span, self.source)
        if name in self.later or name in self.defs:
            line = self.later[name] if name in self.later else self.defs[name].span.line
            return self.err(
                f"`{name}` is defined later (line {line}); a definition can only use earlier definitions", node
            )
        close = difflib.get_close_matches(name, self._all_names(scope), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
        if not close and len(name) <= 2 and name.isalpha():
            hint = "; bind it with a quantifier, e.g. `forall " + name + " in P: ...`"
        return self.err(
            f"unknown name `{name}`{hint} (state variables of {sch.machine_name}: {', '.join(sch.variables)}"
            + (f"; derived: {', '.join(sch.derived)}" if sch.derived else "")
            + ")",
            node,
        )

    def _unknown_function(self, ident: S.Ident) -> InvariantError:
        name = ident.name
        sch = self.schema
        if name == self._defining:
            return self.err(f"`{name}` cannot use itself (definitions are not recursive)", ident)
        if name in self.broken:
            return CascadeError(f"`{name}` has errors", ident.span, self.source)
        if name in self.later or name in self.defs:
            line = self.later[name] if name in self.later else self.defs[name].span.line
            return self.err(
                f"`{name}` is defined later (line {line}); a definition can only use earlier definitions", ident
            )
        if name in sch.variables or name in sch.derived:
            t = sch.variables[name][1] if name in sch.variables else sch.derived[name]
            how = f"`{name}[...]`" if isinstance(t, MapT | SeqT) else f"`{name}`"
            return self.err(f"`{name}` is a state variable, not a function; write {how}", ident)
        cands = [*BUILTINS, *(n for n, d in self.defs.items() if d.order < self._visible)]
        cands += [n for n in sch.types if self._record_type(n)]
        close = difflib.get_close_matches(name, cands, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
        return self.err(f"unknown function `{name}`{hint}", ident)

    def _hyphen_check(self, name: str, node: S.Node, known: Callable[[str], bool]) -> None:
        parts = name.split("-")
        if all(known(p) for p in parts):
            alt = name.replace("-", "_")
            raise self.err(
                f"`{name}` is ambiguous: write `{alt}` for the name, or `{' - '.join(parts)}` (with spaces) for "
                f"subtraction",
                node,
            )

    def _record_type(self, name: str) -> RecordT | None:
        t = self.schema.types.get(name)
        if isinstance(t, RecordT):
            return t
        for nt in self.schema.types.values():
            if isinstance(nt, RecordT) and nt.name == name:
                return nt
        return None

    def lookup(self, node: S.Name, scope: Scope) -> Core:
        name = node.name
        if "-" in name:
            alt = name.replace("-", "_")
            if alt in scope or self._known_value(alt):
                self._hyphen_check(name, node, lambda p: p in scope or self._known_value(p))
                name = alt
        sch = self.schema
        sp, tx = node.span, self.text(node)
        if name in scope:
            b = scope[name]
            return b.core if isinstance(b, ArgBinding) else CBound(b.type, b, span=sp, text=tx)
        if name in self.defs and self.defs[name].order < self._visible:
            d = self.defs[name]
            if d.params:
                raise self.err(
                    f"`{name}` takes {len(d.params)} argument(s): write {d.signature()}",
                    node,
                    Note("defined here", d.span, d.source),
                )
            return self.expand(d, (), node)
        if name in sch.variables:
            i, t = sch.variables[name]
            return CStateVar(t, i, name, span=sp, text=tx)
        if name in sch.derived:
            return CDerived(sch.derived[name], name, span=sp, text=tx)
        if name in sch.domains:
            d = sch.domains[name]
            return CConst(SetT(EnumT(d)), frozenset(range(len(d))), span=sp, text=tx)
        if name in sch.elements:
            dn, i = sch.elements[name]
            return CConst(EnumT(sch.domains[dn]), i, span=sp, text=tx)
        if name in sch.params:
            v = sch.params[name]
            return CConst(IntT(v, v), v, span=sp, text=tx)
        raise self._unknown(node.name, node, scope)

    def _is_scope_ref(self, e: S.Node, scope: Scope | frozenset[str]) -> bool:
        """Whether ``e`` is ``scope.x``: ``scope`` not bound, nor a definition or a variable."""
        return (
            isinstance(e, S.FieldSel)
            and isinstance(e.base, S.Name)
            and e.base.name == SCOPE
            and SCOPE not in scope
            and not self._known_value(SCOPE)
        )

    def _scope_param(self, e: S.FieldSel) -> Core:
        """``scope.x``: the value of scope parameter ``x`` at the instantiated scope."""
        params = self.schema.params
        if e.field not in params:
            close = difflib.get_close_matches(e.field, list(params), n=2, cutoff=0.6)
            hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
            raise self.err(
                f"{self.schema.machine_name} has no scope parameter `{e.field}`{hint} (scope parameters: "
                f"{', '.join(params) or 'none'})",
                e,
            )
        v = params[e.field]
        return CConst(IntT(v, v), v, span=e.span, text=self.text(e))

    # -- definitions at use ---------------------------------------------------------------------
    def expand(self, d: DefinitionInfo, args: tuple[Core, ...], call: S.Node) -> Core:
        """The body of ``d`` with its parameters bound to ``args`` (already checked)."""
        if d.core is not None and not d.params:
            return d.core
        sc: dict[str, Binding] = {}
        for (pn, pt), a, i in zip(d.params, args, range(1, len(args) + 1)):
            if pt is not None and not same_shape(pt, a.type):
                raise self.err(
                    f"argument {i} of {d.name} must be {self.a(pt)}, got {self.tn(a.type)}",
                    call.args[i - 1] if isinstance(call, S.Call) else call,  # type: ignore[attr-defined]
                    Note(f"{d.signature()} is defined here", d.span, d.source),
                )
            sc[pn] = ArgBinding(a)
        saved, caller = self._visible, self.source
        self._visible = d.order
        if d.source is not None:
            self.source = d.source  # the body's spans are in the definition's file
        try:
            return self.check(d.ast.body, sc)
        except InvariantError as e:
            inside = e.source is None or d.source is None or e.source is d.source
            if inside and e.span is not None and d.span.start_pos <= e.span.start_pos <= d.span.end_pos:
                e.with_note(Note(f"in this use of `{d.name}`", call.span, caller))
            raise
        finally:
            self._visible, self.source = saved, caller

    # -- types ----------------------------------------------------------------------------------
    def check_type(self, t: S.TypeExpr, allow_infinite: bool = False) -> Type:
        if isinstance(t, S.SetType):
            elem = self.check_type(t.elem)
            return SetT(elem)
        name = t.name
        if name == "Bool":
            return BOOL
        if name == "Int":
            if not allow_infinite:
                raise self.err("cannot quantify over Int (it is not finite); use a domain or a set", t)
            return INT
        if name in self.schema.types:
            return self.schema.types[name]
        close = difflib.get_close_matches(name, [*self.schema.types, "Bool", "Int"], n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
        raise self.err(
            f"unknown type `{name}`{hint} (types of {self.schema.machine_name}: "
            f"{', '.join(self.schema.types)}, Bool, Int, Set[T])",
            t,
        )

    # -- expressions ----------------------------------------------------------------------------
    def check(self, e: S.Expr, scope: Scope, expected: Type | None = None) -> Core:
        """The core of ``e`` (``expected`` types ⊥, ``empty``, ``{}`` and tuple literals)."""
        b = self.budget
        b.nodes += 1
        if b.nodes > MAX_CHECK_NODES:
            raise self.err(
                f"this formula expands to more than {MAX_CHECK_NODES} nodes (definitions calling definitions?)",
                e,
                cls=InvariantScopeError,
            )
        b.depth += 1
        try:
            if b.depth > MAX_CHECK_DEPTH:
                raise self.err(
                    f"the formula is nested too deeply (more than {MAX_CHECK_DEPTH} levels, definitions included)", e
                )
            meth = getattr(self, "_" + type(e).__name__)
            return meth(e, scope, expected)
        finally:
            b.depth -= 1

    def expect_bool(self, e: S.Expr, scope: Scope, what: str) -> Core:
        c = self.check(e, scope, BOOL)
        if not isinstance(c.type, BoolT):
            raise self.err(f"{what} must be a formula (Bool), got {self.a(c.type)} value", e)
        return c

    def expect_int(self, e: S.Expr, scope: Scope, what: str) -> Core:
        c = self.check(e, scope)
        if not isinstance(c.type, IntT):
            raise self.err(f"{what} must be an integer, got {self.a(c.type)} value", e)
        return c

    def _op(self, node: S.Node, op: str, args: tuple[Core, ...], typ: Type, data: Any = None) -> COp:
        return COp(typ, op, args, data, span=node.span, text=self.text(node))

    def _term_op(self, node: S.Node, op: str, args: tuple[Core, ...], data: Any = None, rule_data: Any = None) -> COp:
        """The node of term op ``op`` (``ioakit.lang.ops``), typed by the op table's rule: the type
        the compiled term will have. The caller has checked the arguments already and reported a
        mismatch in the DSL's own words, at its place; a rejection here is a bug of the checker.
        ``data`` is the node's static datum, ``rule_data`` what the type rule needs besides it (the
        map type of a lookup, the default of an out-of-range sequence index). (Integer results keep
        the checker's ``INT``: it needs only their shape, not the bounds.)"""
        try:
            typ = ops.result_type(op, tuple(a.type for a in args), data if rule_data is None else rule_data)
        except TraceError as e:
            raise self.err(f"internal error (please report): {e}", node) from None
        return self._op(node, op, args, typ, data)

    @staticmethod
    def _contextual(e: S.Expr) -> bool:
        """Whether ``e`` needs its type from the context (⊥, empty, {}, tuples)."""
        return isinstance(e, S.Bot | S.Empty | S.TupleLit) or (isinstance(e, S.SetLit) and not e.elems)

    def check_pair(self, a: S.Expr, b: S.Expr, scope: Scope) -> tuple[Core, Core]:
        """Check two operands that must have one type; a contextual literal takes the other's."""
        if self._contextual(a) and not self._contextual(b):
            cb = self.check(b, scope)
            return self.check(a, scope, cb.type), cb
        ca = self.check(a, scope)
        return ca, self.check(b, scope, ca.type)

    # literals
    def _IntLit(self, e: S.IntLit, scope: Scope, exp: Type | None) -> Core:
        return CConst(IntT(e.value, e.value), e.value, span=e.span, text=self.text(e))

    def _BoolLit(self, e: S.BoolLit, scope: Scope, exp: Type | None) -> Core:
        return CConst(BOOL, e.value, span=e.span, text=self.text(e))

    def _Bot(self, e: S.Bot, scope: Scope, exp: Type | None) -> Core:
        if isinstance(exp, EnumT):
            return CConst(EnumT(exp.domain, True), BOT_INDEX, span=e.span, text=self.text(e))
        if isinstance(exp, OptionT):
            return CConst(exp, None, span=e.span, text=self.text(e))
        if exp is None:
            raise self.err(
                "cannot tell which ⊥ this is: compare it with a value that may be ⊥, e.g. `current_viewid[p] == bot`",
                e,
            )
        raise self.err(
            f"⊥ is not a value of {self.tn(exp)} (⊥ belongs to the domains with ⊥, such as G⊥, and to options)", e
        )

    def _Empty(self, e: S.Empty, scope: Scope, exp: Type | None) -> Core:
        if isinstance(exp, SeqT):
            return CConst(exp, (), span=e.span, text=self.text(e))
        if isinstance(exp, SetT):
            return CConst(exp, frozenset(), span=e.span, text=self.text(e))
        if exp is None:
            raise self.err(
                "cannot tell the type of `empty` here: compare it with a sequence or set, e.g. "
                "`pending[p, g] == empty`",
                e,
            )
        raise self.err(f"`empty` is a sequence or a set, but {self.a(exp)} value is expected here", e)

    def _SetLit(self, e: S.SetLit, scope: Scope, exp: Type | None) -> Core:
        if not e.elems:
            if isinstance(exp, SetT):
                return CConst(exp, frozenset(), span=e.span, text=self.text(e))
            raise self.err("cannot tell the type of `{}` here: compare it with a set, e.g. `S == {}`", e)
        want = exp.elem if isinstance(exp, SetT) else None
        first = self.check(e.elems[0], scope, want)
        elems = [first]
        et = first.type
        for x in e.elems[1:]:
            c = self.check(x, scope, et)
            if not same_shape(et, c.type):
                raise self.err(f"a set holds values of one type: {self.tn(et)} and {self.tn(c.type)} differ", x)
            et = join(et, c.type)
            elems.append(c)
        if not et.finite or count_values(et) > MAX_QUANT_VALUES:
            raise self.err(f"sets of {self.tn(et)} are not supported (the element type must be small and finite)", e)
        if isinstance(et, EnumT) and et.bottom:
            et = EnumT(et.domain, True)
        return self._op(e, "set_lit", tuple(elems), SetT(et))

    def _TupleLit(self, e: S.TupleLit, scope: Scope, exp: Type | None) -> Core:
        if isinstance(exp, RecordT) and len(exp.fields) == len(e.elems):
            args = []
            for (fname, ft), x in zip(exp.fields, e.elems):
                c = self.check(x, scope, ft)
                if not same_shape(ft, c.type):
                    label = f"field `{fname}`" if not fname.startswith("_") else f"component {fname[1:]}"
                    raise self.err(f"{label} of {self.tn(exp)} must be {self.a(ft)}, got {self.a(c.type)} value", x)
                args.append(c)
            return self._op(e, "record", tuple(args), exp)
        args = [self.check(x, scope) for x in e.elems]
        return self._op(e, "record", tuple(args), TupleT(*(a.type for a in args)))

    def _Name(self, e: S.Name, scope: Scope, exp: Type | None) -> Core:
        return self.lookup(e, scope)

    # -- step items -----------------------------------------------------------------------------
    def _primed_outside(self, e: S.Primed) -> InvariantError:
        where = f"definition `{self._defining}`" if self._defining else "an invariant"
        return self.err(f"`{e.name}'` (the post-state of a step) is allowed only in `step` items, not in {where}", e)

    def _Primed(self, e: S.Primed, scope: Scope, exp: Type | None) -> Core:
        if not self.in_step or self._defining:
            raise self._primed_outside(e)
        name = e.name.replace("-", "_") if "-" in e.name else e.name
        sch = self.schema
        sp, tx = e.span, self.text(e)
        if name in sch.variables:
            i, t = sch.variables[name]
            return CStateVar(t, len(sch.variables) + i, name + "'", span=sp, text=tx)
        if name in sch.derived:
            return CDerived(sch.derived[name], name, post=True, span=sp, text=tx)
        raise self.err(
            f"`{e.name}'`: only state variables and derived variables have a post-state value "
            f"(variables: {', '.join(sch.variables)}; derived: {', '.join(sch.derived) or 'none'})",
            e,
        )

    def _family(self, ident: S.Ident) -> str:
        """The action family named ``ident`` (the paper's spelling ``to-order`` accepted)."""
        fams = self.schema.families
        name = ident.name if ident.name in fams else ident.name.replace("-", "_")
        if name not in fams:
            close = difflib.get_close_matches(name, list(fams), n=1, cutoff=0.6)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise self.err(
                f"{self.schema.machine_name} has no action `{ident.name}`{hint} (actions: {', '.join(fams)})", ident
            )
        return name

    def check_step(self, d: S.StepDecl) -> CheckedStep:
        """Check a step item: its body over the pre-state (plain names), the post-state (primed
        names), ``action`` and the parameters its ``on`` clause binds."""
        sch = self.schema
        sc: dict[str, Binding] = {}
        action: BoundVar | None = None
        if ACTION not in sch.variables and ACTION not in sch.derived and ACTION not in self.defs:
            action = BoundVar(ACTION, action_type(sch.families), d.name.span)
            sc[ACTION] = action
        family, params = None, []
        if d.on is not None:
            family = self._family(d.on.family)
            ptypes = dict(sch.families[family])
            for ident in d.on.params:
                pn = ident.name
                if pn not in ptypes:
                    raise self.err(
                        f"action {family} has no parameter `{pn}` (parameters: {', '.join(ptypes) or 'none'})", ident
                    )
                self._check_fresh_name(pn, ident, "parameter of the step's action", sc)
                v = BoundVar(pn, ptypes[pn], ident.span)
                self._bind_site[id(v)] = ident.span
                self._bind_src[id(v)] = self.source
                sc[pn] = v
                params.append((pn, v))
        self.in_step, self._action = True, action
        try:
            body = self.expect_bool(d.body, sc, f"step `{d.name.name}`")
        finally:
            self.in_step, self._action = False, None
        return CheckedStep(body, action, family, tuple(params))

    # postfix
    def _Index(self, e: S.Index, scope: Scope, exp: Type | None) -> Core:
        base = self.check(e.base, scope)
        bt = base.type
        what = self.text(e.base)
        if isinstance(bt, MapT):
            if len(e.keys) != len(bt.keys):
                raise self.err(
                    f"{what} takes {len(bt.keys)} key(s) ({', '.join(self.tn(k) for k in bt.keys)}), got {len(e.keys)}",
                    e,
                )
            keys = []
            for i, (k, kt) in enumerate(zip(e.keys, bt.keys), 1):
                c = self.check(k, scope, kt)
                if isinstance(kt, EnumT) and not (isinstance(c.type, EnumT) and c.type.domain == kt.domain):
                    raise self.err(
                        f"key {i} of {what} must be an element of {kt.domain.name}, got {self.tn(c.type)}",
                        k,
                        *self._bound_note(c),
                    )
                if not isinstance(kt, EnumT) and not same_shape(c.type, kt):
                    raise self.err(
                        f"key {i} of {what} must be {self.a(kt)} value, got {self.a(c.type)} value",
                        k,
                        *self._bound_note(c),
                    )
                keys.append(c)
            return self._term_op(e, "map_get", (base, *keys), rule_data=(bt, bt.val.default()))
        if isinstance(bt, SeqT):
            if len(e.keys) != 1:
                raise self.err(f"a sequence takes one (1-based) index, got {len(e.keys)}", e)
            i = self.check(e.keys[0], scope)
            if not isinstance(i.type, IntT):
                raise self.err(f"the index of {what} must be an integer (1-based), got {self.tn(i.type)}", e.keys[0])
            return self._term_op(e, "seq_at", (base, i), rule_data=bt.elem.default())
        if isinstance(bt, RecordT):
            raise self.err(f"{what} is {self.a(bt)} record: select a field with `.name` or `.1`, `.2`", e)
        raise self.err(f"{what} is {self.a(bt)} value; only maps (m[k]) and sequences (s[i]) can be indexed", e)

    def _Slice(self, e: S.Slice, scope: Scope, exp: Type | None) -> Core:
        """``s[i..j]``: positions ``i`` to ``j`` of a sequence, 1-based and inclusive, clamped to
        ``1..len(s)`` (λ when empty); the type of ``s``."""
        base = self.check(e.base, scope)
        if not isinstance(base.type, SeqT):
            raise self.err(
                f"{self.text(e.base)} is {self.a(base.type)} value; only sequences can be sliced (`s[i..j]`)", e
            )
        lo = self.expect_int(e.lo, scope, "the first position of a slice")
        hi = self.expect_int(e.hi, scope, "the last position of a slice")
        return self._op(e, "seq_slice", (base, lo, hi), base.type)

    def _bound_note(self, c: Core) -> tuple[Note, ...]:
        if isinstance(c, CBound):
            site = self._bind_site.get(id(c.var))
            if site is not None:
                src = self._bind_src.get(id(c.var))
                return (Note(f"`{c.var.name}` is bound here, to {self.tn(c.var.type)}", site, src),)
        return ()

    def _FieldSel(self, e: S.FieldSel, scope: Scope, exp: Type | None) -> Core:
        if self._is_scope_ref(e, scope):
            return self._scope_param(e)
        base = self.check(e.base, scope)
        bt = base.type
        if isinstance(bt, UnionT):  # ``m.summary``: the payload of that variant
            i = self._variant(bt, e.field, e, "`.tag` (the payload of a variant)")
            return self._term_op(e, "union_as", (base,), e.field, rule_data=(i, bt.variants[i][1].default()))
        if not isinstance(bt, RecordT):
            raise self.err(
                f"`.{e.field}` selects a field of a record, but {self.text(e.base)} is {self.a(bt)} value", e
            )
        names = [n for n, _ in bt.fields]
        if e.field.isdigit():
            k = int(e.field)
            if not 1 <= k <= len(names):
                raise self.err(f"{self.tn(bt)} has {len(names)} components; `.{e.field}` is out of range", e)
            i = k - 1
        elif e.field in names:
            i = names.index(e.field)
        elif "_" + e.field in names:
            i = names.index("_" + e.field)
        else:
            shown = ", ".join(n for n in names if not n.startswith("_")) or ", ".join(
                f".{k}" for k in range(1, len(names) + 1)
            )
            raise self.err(f"{self.tn(bt)} has no field `{e.field}` (fields: {shown})", e)
        return self._term_op(e, "field", (base,), i)

    def _variant(self, ut: UnionT, tag: str, node: S.Node, what: str) -> int:
        """The index of variant ``tag`` of ``ut``; a located error naming the variants if none."""
        if tag not in ut.tags:
            close = difflib.get_close_matches(tag, ut.tags, n=1, cutoff=0.6)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise self.err(f"{self.tn(ut)} has no variant `{tag}`{hint} (variants: {', '.join(ut.tags)}); {what}", node)
        return ut.tag_index(tag)

    def _IsTag(self, e: S.IsTag, scope: Scope, exp: Type | None) -> Core:
        base = self.check(e.base, scope)
        bt = base.type
        if isinstance(base, CBound) and self._action is not None and base.var is self._action:
            family = self._family(e.tag)  # ``action is brcv``: a static test, one answer per instance
            tag = CConst(bt, bt.domain.names.index(family), span=e.tag.span, text=e.tag.name)  # type: ignore[attr-defined]
            return self._op(e, "eq", (base, tag), BOOL)
        if not isinstance(bt, UnionT):
            raise self.err(
                f"`is {e.tag.name}` tests the variant of a tagged union, but {self.text(e.base)} is {self.a(bt)} value",
                e,
                *self._bound_note(base),
            )
        i = self._variant(bt, e.tag.name, e.tag, f"write `{self.text(e.base)} is {bt.tags[0]}`")
        return self._term_op(e, "union_is", (base,), e.tag.name, rule_data=i)

    def _Call(self, e: S.Call, scope: Scope, exp: Type | None) -> Core:
        name = e.func.name.replace("-", "_") if "-" in e.func.name else e.func.name
        if name in BUILTINS:
            return self._builtin(name, e, scope)
        if name in self.defs and self.defs[name].order < self._visible:
            d = self.defs[name]
            if len(e.args) != len(d.params):
                raise self.err(
                    f"{name} takes {len(d.params)} argument(s), got {len(e.args)}: write {d.signature()}",
                    e,
                    Note("defined here", d.span, d.source),
                )
            args = []
            for (_, pt), a in zip(d.params, e.args):
                args.append(self.check(a, scope, pt))
            return self.expand(d, tuple(args), e)
        rt = self._record_type(name)
        if rt is not None:
            if len(e.args) != len(rt.fields):
                raise self.err(
                    f"{name}(...) takes {len(rt.fields)} argument(s) ({', '.join(n for n, _ in rt.fields)}), "
                    f"got {len(e.args)}",
                    e,
                )
            return self._TupleLit(S.TupleLit(e.args, span=e.span), scope, rt)
        if name in scope:
            raise self.err(f"`{name}` is a bound variable, not a function", e.func)
        raise self._unknown_function(e.func)

    def _builtin(self, name: str, e: S.Call, scope: Scope) -> Core:
        arity = {"prefix": 2, "append": 2, "min": 2, "max": 2, "take": 2}.get(name, 1)
        if len(e.args) != arity:
            raise self.err(f"{name} takes {arity} argument(s), got {len(e.args)}: {BUILTINS[name]}", e)
        if name in ("min", "max"):
            a = self.expect_int(e.args[0], scope, f"the argument of {name}")
            b = self.expect_int(e.args[1], scope, f"the argument of {name}")
            return self._op(e, name, (a, b), INT)
        if name == "get":
            o = self.check(e.args[0], scope)
            if not isinstance(o.type, OptionT):
                raise self.err(f"get needs an option (a value or ⊥), got {self.a(o.type)} value", e.args[0])
            return self._term_op(e, "opt_get", (o,), rule_data=o.type.elem.default())
        if name == "dom":
            m = self.check(e.args[0], scope)
            mt = m.type
            if isinstance(mt, SeqT):  # a sequence as a function from positions: the paper's domain(x.ord)
                return self._op(e, "seq_dom", (m,), SetT(IntT(1, max(1, mt.maxlen))))
            if not (isinstance(mt, MapT) and isinstance(mt.val, OptionT)):
                raise self.err(
                    f"dom needs a partial map (a map whose values are an option type) or a sequence, got "
                    f"{self.a(mt)} value",
                    e.args[0],
                )
            kt = mt.keys[0] if len(mt.keys) == 1 else TupleT(*mt.keys)
            return self._op(e, "dom", (m,), SetT(kt))
        if name == "sorted":
            s = self.check(e.args[0], scope)
            if not isinstance(s.type, SetT):
                raise self.err(f"sorted needs a set, got {self.a(s.type)} value", e.args[0])
            bad = unordered_part(s.type.elem)
            if bad is not None:
                raise self.err(
                    f"sorted needs a set of ordered values, but {bad} is not ordered (integers, domain elements, "
                    f"and records and tuples of those are)",
                    e.args[0],
                )
            n = universe_size(s.type.elem, MAX_QUANT_VALUES + 1)  # the compiler takes the real bound
            return self._term_op(e, "set_sorted", (s,), None, rule_data=n)
        if name == "card":
            s = self.check(e.args[0], scope)
            if not isinstance(s.type, SetT):
                hint = "; use len(s) for a sequence" if isinstance(s.type, SeqT) else ""
                raise self.err(f"card needs a set, got {self.a(s.type)} value{hint}", e.args[0])
            return self._op(e, "set_card", (s,), INT)
        if name == "prefix":
            s, t = self.check_pair(e.args[0], e.args[1], scope)
            if not (isinstance(s.type, SeqT) and isinstance(t.type, SeqT) and same_shape(s.type, t.type)):
                raise self.err(
                    f"prefix compares two sequences of one type, got {self.a(s.type)} and {self.a(t.type)} value",
                    e,
                )
            return self._op(e, "seq_prefix", (s, t), BOOL)
        s = self.check(e.args[0], scope)
        if not isinstance(s.type, SeqT):
            hint = "; use card(S) or |S| for the size of a set" if isinstance(s.type, SetT) else ""
            raise self.err(f"{name} needs a sequence, got {self.a(s.type)} value{hint}", e.args[0])
        st = s.type
        if name in ("len", "length"):
            return self._op(e, "seq_len", (s,), INT)
        if name == "take":
            n = self.expect_int(e.args[1], scope, "the length argument of take")
            return self._op(e, "seq_take", (s, n), st)
        if name in ("head", "last"):
            return self._op(e, name, (s,), st.elem)
        if name == "tail":
            return self._term_op(e, "seq_tail", (s,))
        if name == "range":
            if not st.elem.finite:
                raise self.err(f"range() of a sequence of {self.tn(st.elem)} (not a finite type)", e)
            return self._term_op(e, "seq_elems", (s,))
        x = self.check(e.args[1], scope, st.elem)
        if not same_shape(st.elem, x.type):
            raise self.err(f"cannot append {self.a(x.type)} value to {self.a(st)}", e.args[1])
        return self._term_op(e, "seq_append", (s, x))

    # operators
    def _Unary(self, e: S.Unary, scope: Scope, exp: Type | None) -> Core:
        if e.op == "not":
            a = self.expect_bool(e.arg, scope, "the operand of `not`")
            return self._op(e, "not", (a,), BOOL)
        a = self.expect_int(e.arg, scope, "the operand of unary `-`")
        return self._op(e, "neg", (a,), INT)

    def _Binary(self, e: S.Binary, scope: Scope, exp: Type | None) -> Core:
        op = e.op
        if op in ("and", "or", "implies", "iff"):
            a = self.expect_bool(e.left, scope, f"the left side of `{op}`")
            b = self.expect_bool(e.right, scope, f"the right side of `{op}`")
            return self._op(e, op, (a, b), BOOL)
        if op in ("==", "!="):
            a, b = self.check_pair(e.left, e.right, scope)
            if not same_shape(a.type, b.type):
                raise self.err(
                    f"cannot compare {self.a(a.type)} value with {self.a(b.type)} value",
                    e.op_span,
                    *self._bound_note(a),
                    *self._bound_note(b),
                )
            c = self._op(e, "eq", (a, b), BOOL)
            return c if op == "==" else self._op(e, "not", (c,), BOOL)
        if op in ("<", "<=", ">", ">="):
            return self._order(e, scope)
        if op in ("in", "not in"):
            x0 = None
            if self._contextual(e.right) and not self._contextual(e.left):
                x0 = self.check(e.left, scope)  # `p in {}`: the element types the empty set
                coll = self.check(e.right, scope, SetT(x0.type))
            else:
                coll = self.check(e.right, scope)
            ct = coll.type
            if not isinstance(ct, SetT | SeqT | BagT):
                raise self.err(f"`{op}` needs a set, a bag or a sequence on its right, got {self.a(ct)} value", e.right)
            x = x0 if x0 is not None else self.check(e.left, scope, ct.elem)
            if not same_shape(ct.elem, x.type):
                raise self.err(f"{self.text(e.right)} holds {self.tn(ct.elem)} values, not {self.tn(x.type)}", e.left)
            c = self._op(e, "contains", (coll, x), BOOL)
            return c if op == "in" else self._op(e, "not", (c,), BOOL)
        if op == "subset":
            a, b = self.check_pair(e.left, e.right, scope)
            if not (isinstance(a.type, SetT) and isinstance(b.type, SetT) and same_shape(a.type, b.type)):
                raise self.err(
                    f"`subset` compares two sets of one type, got {self.tn(a.type)} and {self.tn(b.type)}", e.op_span
                )
            return self._op(e, "set_subset", (a, b), BOOL)
        if op in ("+", "-", "*"):
            a = self.check(e.left, scope)
            b = self.check(e.right, scope)
            if isinstance(a.type, IntT) and isinstance(b.type, IntT):
                return self._op(e, {"+": "add", "-": "sub", "*": "mul"}[op], (a, b), INT)
            hint = ""
            if isinstance(a.type, SeqT) and op == "+":
                hint = "; use `++` to concatenate sequences"
            elif isinstance(a.type, SetT):
                hint = {"+": "; use `union` for sets", "-": "; use `minus` for sets", "*": "; use `inter` for sets"}[op]
            raise self.err(f"`{op}` needs integers, got {self.tn(a.type)} and {self.tn(b.type)}{hint}", e.op_span)
        if op == "++":
            a, b = self.check_pair(e.left, e.right, scope)
            if not (isinstance(a.type, SeqT) and isinstance(b.type, SeqT) and same_shape(a.type, b.type)):
                raise self.err(
                    f"`++` concatenates two sequences of one type, got {self.tn(a.type)} and {self.tn(b.type)}",
                    e.op_span,
                )
            return self._term_op(e, "seq_concat", (a, b))
        if op in ("union", "inter", "minus"):
            a, b = self.check_pair(e.left, e.right, scope)
            if not (isinstance(a.type, SetT) and isinstance(b.type, SetT) and same_shape(a.type, b.type)):
                raise self.err(
                    f"`{op}` combines two sets of one type, got {self.tn(a.type)} and {self.tn(b.type)}", e.op_span
                )
            return self._term_op(e, {"union": "set_union", "inter": "set_inter", "minus": "set_diff"}[op], (a, b))
        raise self.err(f"unknown operator `{op}`", e.op_span)  # not produced by the parser

    def _InRange(self, e: S.InRange, scope: Scope, exp: Type | None) -> Core:
        """``x in a..b``: ``a <= x and x <= b`` on integers (``not in``: its negation)."""
        x = self.expect_int(e.elem, scope, "the left side of `in a..b`")
        lo = self.expect_int(e.range.lo, scope, "the lower bound of a range `a..b`")
        hi = self.expect_int(e.range.hi, scope, "the upper bound of a range `a..b`")
        c = self._op(e, "and", (self._op(e, "le", (lo, x), BOOL), self._op(e, "le", (x, hi), BOOL)), BOOL)
        return self._op(e, "not", (c,), BOOL) if e.negated else c

    def _order(self, e: S.Binary, scope: Scope) -> Core:
        a, b = self.check_pair(e.left, e.right, scope)
        at, bt = a.type, b.type
        op = e.op
        left, right = (a, b) if op in ("<", "<=") else (b, a)
        strict = op in ("<", ">")
        if (isinstance(at, IntT) and isinstance(bt, IntT)) or (
            isinstance(at, EnumT) and isinstance(bt, EnumT) and at.domain == bt.domain
        ):
            return self._op(e, "lt" if strict else "le", (left, right), BOOL)
        if isinstance(at, SeqT) and isinstance(bt, SeqT) and same_shape(at, bt):
            c = self._op(e, "seq_prefix", (left, right), BOOL)
            if strict:
                ne = self._op(e, "not", (self._op(e, "eq", (left, right), BOOL),), BOOL)
                return self._op(e, "and", (c, ne), BOOL)
            return c
        if isinstance(at, RecordT) and isinstance(bt, RecordT) and same_shape(at, bt):
            bad = unordered_part(at)
            if bad is not None:
                raise self.err(
                    f"cannot order {self.a(at)} value: {bad} is not ordered (records and tuples are ordered "
                    f"lexicographically, field by field, when every field is an integer, a domain element, a Bool "
                    f"or an ordered record)",
                    e.op_span,
                )
            return self._op(e, "lt" if strict else "le", (left, right), BOOL)
        if isinstance(at, SetT) and isinstance(bt, SetT):
            raise self.err(f"`{op}` does not order sets: write `subset` (⊆) for set inclusion", e.op_span)
        raise self.err(
            f"cannot order {self.a(at)} value and {self.a(bt)} value (only integers, elements of one "
            f"domain, records and tuples (lexicographically), and sequences (prefix order) are ordered)",
            e.op_span,
            *self._bound_note(a),
            *self._bound_note(b),
        )

    def _Ite(self, e: S.Ite, scope: Scope, exp: Type | None) -> Core:
        c = self.expect_bool(e.cond, scope, "the condition of `if`")
        if self._contextual(e.then) and not self._contextual(e.orelse):
            b = self.check(e.orelse, scope, exp)
            a = self.check(e.then, scope, b.type)
        else:
            a = self.check(e.then, scope, exp)
            b = self.check(e.orelse, scope, a.type)
        if not same_shape(a.type, b.type):
            raise self.err(f"the branches of `if` have different types: {self.tn(a.type)} and {self.tn(b.type)}", e)
        return self._term_op(e, "ite", (c, a, b))

    def _Size(self, e: S.Size, scope: Scope, exp: Type | None) -> Core:
        a = self.check(e.arg, scope)
        if isinstance(a.type, SetT):
            return self._op(e, "set_card", (a,), INT)
        if isinstance(a.type, SeqT):
            return self._op(e, "seq_len", (a,), INT)
        if isinstance(a.type, BagT):  # elements counted with their repetitions
            return self._op(e, "bag_size", (a,), INT)
        raise self.err(
            f"|...| is the size of a set or a bag, or the length of a sequence, got {self.a(a.type)} value", e
        )

    # quantifiers
    def _Quant(self, e: S.Quant, scope: Scope, exp: Type | None) -> Core:
        if e.kind == "exists1" and len(e.binders) != 1:
            raise self.err("`exists!` binds one variable (write `exists! x in D: ...`; nest for more)", e)
        sc = dict(scope)
        bound: list[tuple[BoundVar, Any, S.Binder]] = []
        for b in e.binders:
            var, rng = self.check_binder(b, sc)
            sc[b.var.name] = var
            bound.append((var, rng, b))
        if e.kind == "sum":
            body = self.expect_int(e.body, sc, "the body of `sum`")
        elif e.kind == "union":
            body = self.check(e.body, sc)
            if not isinstance(body.type, SetT):
                raise self.err(f"the body of `union` must be a set, got {self.a(body.type)} value", e.body)
        else:
            body = self.expect_bool(e.body, sc, f"the body of `{e.kind.replace('exists1', 'exists!')}`")
        out = body
        for var, rng, b in reversed(bound):
            if e.kind == "exists1" and isinstance(rng, CollRange) and isinstance(rng.coll.type, SeqT):
                raise self.err(
                    "`exists!` over a sequence is ambiguous (entries or positions?); quantify over range(s)", b
                )
            out = CQuant(
                INT if e.kind == "sum" else body.type if e.kind == "union" else BOOL,
                e.kind,
                var,
                rng,
                out,
                self.text(b.range),  # type: ignore[arg-type]
                span=e.span,
                text=self.text(e),
            )
        return out

    def _Let(self, e: S.Let, scope: Scope, exp: Type | None) -> Core:
        """``let x = v in body``: ``x`` stands for the checked core of ``v`` (shared, so it is
        compiled once), as a definition's argument does."""
        self._check_fresh_name(e.var.name, e.var, "let-bound variable", scope)
        value = self.check(e.value, scope)
        sc = dict(scope)
        sc[e.var.name] = ArgBinding(value)
        return self.check(e.body, sc, exp)

    def _SetOf(self, e: S.SetOf, scope: Scope, exp: Type | None) -> Core:
        """``{elem | x in R, ... where cond}`` as the big union, over the binders, of
        ``if cond then {elem} else {}`` (what ``ir.setof`` builds)."""
        sc = dict(scope)
        bound: list[tuple[BoundVar, Any, S.Binder]] = []
        for b in e.binders:
            var, rng = self.check_binder(b, sc)
            sc[b.var.name] = var
            bound.append((var, rng, b))
        want = exp.elem if isinstance(exp, SetT) else None
        elem = self.check(e.elem, sc, want)
        st = SetT(elem.type)
        body: Core = self._op(e.elem, "set_lit", (elem,), st)
        if e.cond is not None:
            cond = self.expect_bool(e.cond, sc, "the condition (after `where`) of a set comprehension")
            empty = CConst(st, frozenset(), span=e.span, text="{}")
            body = self._op(e.cond, "ite", (cond, body, empty), st)
        for var, rng, b in reversed(bound):
            body = CQuant(st, "union", var, rng, body, self.text(b.range), span=e.span, text=self.text(e))  # type: ignore[arg-type]
        return body

    def check_binder(self, b: S.Binder, scope: Scope) -> tuple[BoundVar, Any]:
        name = b.var.name
        self._check_fresh_name(name, b.var, "bound variable", scope)
        r = b.range
        sch = self.schema
        is_type = isinstance(r, S.SetType | S.TypeName) or (
            isinstance(r, S.Name) and r.name not in scope and (r.name in sch.types or r.name in TYPE_WORDS)
        )
        rng: Any
        if isinstance(r, S.IntRange):
            if b.mode != "in":
                raise self.err(f"`subset` ranges over the subsets of a set; write `{name} in {self.text(r)}`", b)
            lo = self.expect_int(r.lo, scope, "the lower bound of a range `a..b`")
            hi = self.expect_int(r.hi, scope, "the upper bound of a range `a..b`")
            vt, rng = INT, IntRange(lo, hi, r.span, self.source)
        elif b.mode == "in":
            if is_type:
                t = self.check_type(r if not isinstance(r, S.Name) else S.TypeName(r.name, span=r.span))
                self._size_ok(t, b)
                vt, rng = t, TypeRange(t)
            else:
                coll = self.check(r, scope)  # type: ignore[arg-type]
                ct = coll.type
                if isinstance(ct, SetT | SeqT | BagT):  # a bag: its distinct elements
                    # a set without a finite universe ranges over the elements read off its term
                    # (``ir.elements``): the compiler counts those instances
                    n = ct.maxlen if isinstance(ct, SeqT) else 0 if not ct.finite else len(ct.universe())
                    if n > MAX_QUANT_VALUES:
                        raise self.err(f"quantifying over {self.text(r)} expands to {n} cases; too many", b)
                    vt, rng = ct.elem, CollRange(coll)
                else:
                    raise self.err(
                        f"cannot quantify over {self.a(ct)} value; ranges are domains ("
                        f"{', '.join(sch.domains)}), named types, Set[T], sets, bags and sequences",
                        r,
                    )
        else:
            if is_type:
                if isinstance(r, S.SetType):
                    raise self.err("write `S in Set[T]` or `S subset T` (not `subset Set[...]`)", r)
                t = self.check_type(S.TypeName(r.name, span=r.span))  # type: ignore[union-attr]
                st = SetT(t)
                self._size_ok(st, b)
                vt, rng = st, TypeRange(st)
            else:
                sup = self.check(r, scope)  # type: ignore[arg-type]
                if not isinstance(sup.type, SetT):
                    raise self.err(f"`subset` ranges over the subsets of a set, got {self.a(sup.type)} value", r)
                self._size_ok(sup.type, b)
                vt, rng = sup.type, SubsetRange(sup.type, sup)
        var = BoundVar(name, vt, b.var.span)
        self._bind_site[id(var)] = b.var.span
        self._bind_src[id(var)] = self.source
        return var, rng

    def _size_ok(self, t: Type, b: S.Binder) -> None:
        n = count_values(t)
        if not t.finite or n > MAX_QUANT_VALUES:
            raise self.err(
                f"quantifying over {self.tn(t)} means more than {MAX_QUANT_VALUES} cases at this scope; too many",
                b,
                cls=InvariantScopeError,
            )
