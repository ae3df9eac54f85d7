"""The term language that action code and invariants are traced into.

An action's precondition and effect are written once, as ordinary Python against a small
vocabulary (sequence, set and map operations, ``ite``, finite ``forall``/``exists``). ioakit runs
that function *once per action instance* with the state variables bound to symbolic ``Term``s
and the action parameters bound to constants, exactly as JAX traces numeric code. The recorded
terms are then compiled twice:

* to straight-line Python by ``ioakit.backends.codegen`` (the fast concrete semantics the explorer
  runs on every state), and
* to Z3 by ``ioakit.backends.symbolic`` (the semantics the prover reasons about).

Both backends read the same terms, so a proof is about the code users run.

Python control flow is allowed on *static* values (parameters, scope constants): operations on
constants are folded at trace time, and ``bool()`` of a folded constant is its value. ``bool()`` of
a term that depends on the state raises ``TraceError`` naming the line and suggesting ``ite`` or
``s.when`` instead.

Quantifiers over finite domains, sets, bags and sequences are expanded statically; sets, bags and
sequences contribute a membership / position guard, so ``forall(s.created, f)`` means
``∀ v ∈ views: v ∈ created ⇒ f(v)``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ioakit.errors import UserError

from . import ops
from .types import (
    BOT_INDEX,
    BagT,
    BoolT,
    Domain,
    EnumT,
    IntT,
    MapT,
    OptionT,
    RecordT,
    SchemaError,
    SeqT,
    SetT,
    TupleT,
    Type,
    UnionT,
    join,
    same_shape,
    universe_size,
)

BOOL = BoolT()


class TraceError(UserError, TypeError):  # also a TypeError, as before (callers catch it)
    """Action or invariant code that cannot be traced; the message says what to write instead."""


def _user_location() -> str:
    """``file:line`` of the innermost frame outside ioakit's own specs/ir machinery."""
    here = os.path.dirname(os.path.abspath(__file__))
    for fr in inspect.stack()[2:]:
        fn = os.path.abspath(fr.filename)
        if os.path.dirname(fn) != here or fn.endswith(("_machine.py", "machines.py")):
            line = (fr.code_context or [""])[0].strip()
            return f"{fr.filename}:{fr.lineno}: {line}"
    return "<unknown location>"


class _Bottom:
    """⊥, usable in action code: ``s.current_viewid[p] != BOT``. Typed by the other operand."""

    _instance: _Bottom | None = None

    def __new__(cls) -> _Bottom:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "BOT"


BOT = _Bottom()


class Term:
    """A node of the traced expression DAG. ``op`` names the operation, ``data`` holds static info.

    Python operators build new terms (``==`` included), so terms are hashed by identity.
    """

    __slots__ = ("args", "data", "op", "type")

    def __init__(self, op: str, args: tuple[Term, ...], typ: Type, data: Any = None) -> None:
        self.op = op
        self.args = args
        self.type = typ
        self.data = data

    __hash__ = object.__hash__

    # -- introspection -------------------------------------------------------------------------
    @property
    def is_const(self) -> bool:
        return self.op == "const"

    @property
    def value(self) -> Any:
        if self.op != "const":
            raise TraceError(f"{self!r} is not a constant")
        return self.data

    def __repr__(self) -> str:
        """``format_term(self)``: nested calls for small terms, ``let`` names for shared subterms
        of large ones, cut with ``…`` past a few thousand characters (terms appear in error
        messages). Linear in the size of the DAG, never recursive."""
        return format_term(self)

    # -- static control flow --------------------------------------------------------------------
    def __bool__(self) -> bool:
        if self.op == "const" and isinstance(self.type, BoolT):
            return bool(self.data)
        raise TraceError(
            f"{_user_location()}\n  Python control flow (if / and / or / not / while) on a value that depends "
            f"on the state: {self!r}\n  Write `ite(cond, a, b)` for a conditional value, `with s.when(cond):` "
            f"for a conditional effect, `s.require(cond)` for a precondition, and `&`, `|`, `~` or "
            f"`And`, `Or`, `Not` for boolean connectives."
        )

    def __iter__(self) -> Iterator[Term]:
        raise TraceError(
            f"{_user_location()}\n  cannot iterate over {self!r} in Python; "
            "use forall/exists(collection, lambda x: ...)"
        )

    def __len__(self) -> int:
        raise TraceError(f"{_user_location()}\n  len() must return a Python int; use `{self!r}.length`")

    def __contains__(self, x: Any) -> bool:
        t = contains(self, x)
        if t.is_const:
            return bool(t.value)
        raise TraceError(
            f"{_user_location()}\n  `x in coll` needs a Python bool but depends on the state; write `coll.contains(x)`"
        )

    # -- comparison and arithmetic --------------------------------------------------------------
    def __eq__(self, o: object) -> Term:  # type: ignore[override]
        return eq(self, o)

    def __ne__(self, o: object) -> Term:  # type: ignore[override]
        return Not(eq(self, o))

    def __lt__(self, o: Any) -> Term:
        return _cmp("lt", self, o)

    def __le__(self, o: Any) -> Term:
        return _cmp("le", self, o)

    def __gt__(self, o: Any) -> Term:
        return _cmp("lt", o, self)

    def __ge__(self, o: Any) -> Term:
        return _cmp("le", o, self)

    def __add__(self, o: Any) -> Term:
        return arith("add", self, o)

    def __radd__(self, o: Any) -> Term:
        return arith("add", o, self)

    def __sub__(self, o: Any) -> Term:
        return arith("sub", self, o)

    def __rsub__(self, o: Any) -> Term:
        return arith("sub", o, self)

    def __mul__(self, o: Any) -> Term:
        return arith("mul", self, o)

    def __rmul__(self, o: Any) -> Term:
        return arith("mul", o, self)

    def __neg__(self) -> Term:
        return arith("sub", 0, self)

    def __and__(self, o: Any) -> Term:
        if isinstance(self.type, SetT):
            return set_op("set_inter", self, o)
        return And(self, o)

    def __rand__(self, o: Any) -> Term:
        return And(o, self)

    def __or__(self, o: Any) -> Term:
        if isinstance(self.type, SetT):
            return set_op("set_union", self, o)
        return Or(self, o)

    def __ror__(self, o: Any) -> Term:
        return Or(o, self)

    def __invert__(self) -> Term:
        return Not(self)

    # -- records --------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Term:
        if name.startswith("__"):
            raise AttributeError(name)
        typ = object.__getattribute__(self, "type")
        if isinstance(typ, RecordT):
            try:
                i = typ.field_index(name)
            except SchemaError as e:
                raise TraceError(f"{_user_location()}\n  {e}") from None
            return field(self, i)
        raise AttributeError(f"{typ} value has no attribute {name!r}")

    def __getitem__(self, key: Any) -> Term:
        if isinstance(self.type, MapT):
            return map_get(self, key)
        if isinstance(self.type, RecordT) and isinstance(key, int):
            return field(self, key)
        raise TraceError(
            f"{_user_location()}\n  indexing {self.type} with []: use `.at(i)` (1-based, as in the paper) for sequences"
        )

    # -- sequences ------------------------------------------------------------------------------
    @property
    def length(self) -> Term:
        return seq_len(self)

    def at(self, i: Any) -> Term:
        """``s(i)`` of the paper: 1-based; out of range gives the element type's default."""
        return seq_at(self, i)

    def head(self) -> Term:
        return seq_at(self, 1)

    def last(self) -> Term:
        return seq_at(self, seq_len(self))

    def tail(self) -> Term:
        return seq_tail(self)

    def append(self, x: Any) -> Term:
        return seq_append(self, x)

    def insert_sorted(self, x: Any) -> Term:
        """The ascending sequence with ``x`` inserted after its equals: an ascending sequence used
        as a multiset (a network's in-flight messages) stays in its one canonical order."""
        return seq_insort(self, x)

    def remove_at(self, i: Any) -> Term:
        """The sequence without its ``i``-th entry (1-based; unchanged outside ``1..length``)."""
        return seq_remove_at(self, i)

    def concat(self, o: Any) -> Term:
        return seq_concat(self, o)

    def is_prefix_of(self, o: Any) -> Term:
        return prefix(self, o)

    def is_empty(self) -> Term:
        if isinstance(self.type, SetT):
            return eq(set_card(self), 0)
        if isinstance(self.type, BagT):
            return eq(bag_size(self), 0)
        return eq(seq_len(self), 0)

    def elems(self) -> Term:
        """``range(s)``: the set of elements of a sequence."""
        return seq_elems(self)

    def contains(self, x: Any) -> Term:
        return contains(self, x)

    # -- sets and bags --------------------------------------------------------------------------
    def add(self, x: Any) -> Term:
        """The set with ``x`` added; for a bag, the bag with one more copy of ``x``."""
        if isinstance(self.type, BagT):
            return bag_add(self, x)
        return set_op("set_add", self, x)

    def remove(self, x: Any) -> Term:
        """The set without ``x``; for a bag, one copy of ``x`` fewer (no change if there is none)."""
        if isinstance(self.type, BagT):
            return bag_remove(self, x)
        return set_op("set_remove", self, x)

    def count(self, x: Any) -> Term:
        """How many copies of ``x`` a bag holds."""
        return bag_count(self, x)

    def size(self) -> Term:
        """The number of elements of a bag, counted with repetitions (a set's: ``card``)."""
        if isinstance(self.type, SetT):
            return set_card(self)
        return bag_size(self)

    def union(self, o: Any) -> Term:
        return set_op("set_union", self, o)

    def inter(self, o: Any) -> Term:
        return set_op("set_inter", self, o)

    def minus(self, o: Any) -> Term:
        return set_op("set_diff", self, o)

    def subset(self, o: Any) -> Term:
        return set_op("set_subset", self, o)

    def card(self) -> Term:
        if isinstance(self.type, BagT):
            return bag_size(self)
        return set_card(self)

    def sorted(self, maxlen: int | None = None) -> Term:
        """The set's elements in ascending order, as a sequence (its element type must be
        ordered: integers, enums, records of those). ``maxlen`` defaults to the size of the
        element universe, so nothing is ever left out; a smaller ``maxlen`` keeps the first
        ``maxlen`` elements (the least ones) of a larger set."""
        return set_sorted(self, maxlen)

    # -- maps -----------------------------------------------------------------------------------
    def put(self, key: Any, v: Any) -> Term:
        return map_put(self, key, v)

    def dom(self) -> Term:
        """The keys of a partial map (values ``OptionT``) whose value is not ⊥ (``ir.dom``)."""
        return dom(self)

    # -- tagged unions and options --------------------------------------------------------------
    def is_(self, tag: str) -> Term:
        """Whether this union value is of variant ``tag`` (a Bool term)."""
        return union_is(self, tag)

    def as_(self, tag: str) -> Term:
        """The payload of variant ``tag``; the variant type's default if the value has another tag."""
        return union_as(self, tag)

    def is_some(self) -> Term:
        """Whether this option is not ⊥."""
        return build("opt_is_some", (self,))

    def get(self) -> Term:
        """The value of this option; the element type's default when it is ⊥."""
        ot = self.type
        _need(isinstance(ot, OptionT), f"get() needs an option (a value or ⊥), got {ot}")
        return build("opt_get", (self,), ot.elem.default())  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# Concrete meaning of every operation: the ``fold`` of its entry in ``ioakit.lang.ops``, which also
# holds its type rule, its generated Python and its Z3 meaning (tests/lang/test_ops.py keeps the
# three meanings equal, the differential test keeps whole machines' steps equal).
# ---------------------------------------------------------------------------------------------

PY: dict[str, Callable[..., Any]] = {name: op.fold for name, op in ops.OPS.items()}
"""op -> concrete function ``f(data, *arg_values)``. ``const`` and ``var`` are leaves."""

OPS = frozenset(PY) | {"const", "var"}


def mk(op: str, args: tuple[Term, ...], typ: Type, data: Any = None) -> Term:
    """Make a term, folding it to a constant when every argument is constant (an empty set or
    sequence literal is a constant too)."""
    if (args or op in ("set_lit", "seq_lit", "bag_lit")) and all(a.op == "const" for a in args):
        return Term("const", (), typ, PY[op](data, *(a.data for a in args)))
    return Term(op, args, typ, data)


def build(op: str, args: tuple[Term, ...], data: Any = None, declared: Type | None = None) -> Term:
    """The term ``op(*args)`` typed by the op's type rule (``ioakit.lang.ops``), folded when its
    arguments are constants; ``TraceError`` at the user's line if the arguments do not fit."""
    return mk(op, args, ops.OPS[op].type_rule(tuple(a.type for a in args), data, declared), data)


def const(typ: Type, v: Any) -> Term:
    return Term("const", (), typ, v)


TRUE = const(BOOL, True)
FALSE = const(BOOL, False)


def lift(x: Any, expected: Type | None = None) -> Term:
    """Turn a Python value into a term; ``expected`` types ⊥, tuples-as-records and sets."""
    if isinstance(x, Term):
        return x
    if isinstance(x, _Bottom) or (x is None and isinstance(expected, OptionT)):
        if isinstance(expected, OptionT):
            return const(expected, None)
        if isinstance(expected, EnumT):
            return const(EnumT(expected.domain, True), BOT_INDEX)
        raise TraceError(f"{_user_location()}\n  ⊥ needs a typed partner (compare it with a {{G}}⊥ value)")
    if isinstance(expected, OptionT):  # a plain value where an option is expected: some(value)
        return some(x, expected)
    if isinstance(x, bool):
        return const(BOOL, x)
    if isinstance(x, int):
        if isinstance(expected, IntT):
            return const(IntT(x, x), x)
        if isinstance(expected, EnumT):
            raise TraceError(
                f"{_user_location()}\n  the integer {x} is not an element of {expected.domain.name}; "
                f"use the action parameter or the domain element"
            )
        return const(IntT(x, x), x)
    if isinstance(x, str) and isinstance(expected, EnumT):  # a domain element by name: "working"
        if x not in expected.domain.names:
            raise TraceError(
                f"{_user_location()}\n  {x!r} is not an element of {expected.domain.name} = "
                f"{{{', '.join(expected.domain.names)}}}"
            )
        return const(EnumT(expected.domain), expected.domain.names.index(x))
    if isinstance(x, tuple) and isinstance(expected, RecordT):
        if len(x) != len(expected.fields):
            raise TraceError(f"{_user_location()}\n  {len(x)}-tuple given where {expected} is expected")
        return record(expected, *x)
    if isinstance(x, tuple) and isinstance(expected, SeqT):
        return seq_lit(expected, *x)
    raise TraceError(f"{_user_location()}\n  cannot use the Python value {x!r} here (expected {expected})")


def _lift_pair(a: Any, b: Any) -> tuple[Term, Term]:
    if isinstance(a, Term):
        return a, lift(b, a.type)
    if isinstance(b, Term):
        return lift(a, b.type), b
    return lift(a), lift(b)


def _need(cond: bool, msg: str) -> None:
    if not cond:
        raise TraceError(f"{_user_location()}\n  {msg}")


# -- booleans ----------------------------------------------------------------------------------
# Every constructor lifts Python values to terms (the expected type of a literal comes from the
# other operands), applies its simplifications, and leaves typing to the op's type rule in
# ``ioakit.lang.ops`` (``build``).


def Not(a: Any) -> Term:
    t = lift(a)
    if t.op == "not":
        return t.args[0]
    return build("not", (t,))


def _nary(op: str, xs: Iterable[Any]) -> Term:
    unit, zero = (True, False) if op == "and" else (False, True)
    rule = ops.OPS[op].type_rule
    flat: list[Term] = []
    for x in xs:
        t = lift(x)
        rule((t.type,), None, None)
        if t.op == "const":
            if t.data == zero:
                return const(BOOL, zero)
            continue
        flat.extend(t.args if t.op == op else (t,))
    if not flat:
        return const(BOOL, unit)
    if len(flat) == 1:
        return flat[0]
    return Term(op, tuple(flat), BOOL)


def And(*xs: Any) -> Term:
    """Conjunction; also accepts a single iterable."""
    if len(xs) == 1 and not isinstance(xs[0], Term | bool):
        xs = tuple(xs[0])
    return _nary("and", xs)


def Or(*xs: Any) -> Term:
    if len(xs) == 1 and not isinstance(xs[0], Term | bool):
        xs = tuple(xs[0])
    return _nary("or", xs)


def Implies(a: Any, b: Any) -> Term:
    return Or(Not(a), b)


def Iff(a: Any, b: Any) -> Term:
    return eq(a, b)


def ite(c: Any, a: Any, b: Any) -> Term:
    """``if c then a else b`` as a value."""
    ct = lift(c)
    ops.need(isinstance(ct.type, BoolT), f"ite condition must be boolean, got {ct.type}")
    at, bt = _lift_pair(a, b)
    typ = ops.result_type("ite", (ct.type, at.type, bt.type))
    if ct.op == "const":
        return at if ct.data else bt
    if at is bt:
        return at
    return Term("ite", (ct, at, bt), typ)


# -- comparison and arithmetic -----------------------------------------------------------------


def eq(a: Any, b: Any) -> Term:
    at, bt = _lift_pair(a, b)
    typ = ops.result_type("eq", (at.type, bt.type))
    if at is bt:
        return TRUE
    return mk("eq", (at, bt), typ)


def _cmp(op: str, a: Any, b: Any) -> Term:
    return build(op, _lift_pair(a, b))


def arith(op: str, a: Any, b: Any) -> Term:
    return build(op, (lift(a), lift(b)))


# -- records -----------------------------------------------------------------------------------


def field(r: Term, i: int) -> Term:
    assert isinstance(r.type, RecordT)
    if r.op == "record":
        return r.args[i]
    return build("field", (r,), i)


def record(typ: RecordT, *xs: Any) -> Term:
    args = tuple(lift(x, t) for x, (_, t) in zip(xs, typ.fields))
    return build("record", args, declared=typ)


# -- sequences ---------------------------------------------------------------------------------


def _seq(t: Term) -> SeqT:
    _need(isinstance(t.type, SeqT), f"expected a sequence, got {t.type}")
    return t.type  # type: ignore[return-value]


def seq_len(s: Term) -> Term:
    return build("seq_len", (s,))


def seq_at(s: Term, i: Any) -> Term:
    st = _seq(s)
    return build("seq_at", (s, lift(i)), st.elem.default())


def seq_tail(s: Term) -> Term:
    return build("seq_tail", (s,))


def oracle(decide: ops.Oracle, x: Any) -> Term:
    """The boolean ``decide(x)`` (an ``ops.Oracle``: a Python predicate the term language cannot
    state; evaluated by the explorer and the simulator, refused by Z3)."""
    return build("oracle", (lift(x),), decide)


def seq_append(s: Term, x: Any) -> Term:
    st = _seq(s)
    return build("seq_append", (s, lift(x, st.elem)))


def seq_insort(s: Term, x: Any) -> Term:
    st = _seq(s)
    return build("seq_insort", (s, lift(x, st.elem)))


def seq_remove_at(s: Term, i: Any) -> Term:
    _seq(s)
    return build("seq_remove_at", (s, lift(i)))


def seq_concat(a: Term, b: Any) -> Term:
    return build("seq_concat", (a, lift(b, _seq(a))))


def seq_lit(typ: SeqT, *xs: Any) -> Term:
    return build("seq_lit", tuple(lift(x, typ.elem) for x in xs), declared=typ)


def prefix(a: Any, b: Any) -> Term:
    """``a ≤ b`` on sequences (the paper's prefix order)."""
    return build("seq_prefix", _lift_pair(a, b))


def seq_elems(s: Term) -> Term:
    return build("seq_elems", (s,))


def contains(coll: Term, x: Any) -> Term:
    """``x ∈ coll`` for a set or a bag, or ``x ∈ range(coll)`` for a sequence."""
    if isinstance(coll.type, SetT):
        if _peel_wanted(coll.type):
            pairs = peel(coll)
            if pairs is not None:  # ⋁ (guard_i ∧ elem_i == x): no universe needed
                xt = lift(x, coll.type.elem)
                return Or(eq(e, xt) if g is None else And(g, eq(e, xt)) for g, e in pairs)
        return build("set_member", (lift(x, coll.type.elem), coll))
    if isinstance(coll.type, BagT):
        return build("bag_member", (lift(x, coll.type.elem), coll), coll.type)
    st = _seq(coll)
    return build("seq_contains", (coll, lift(x, st.elem)))


# -- sets --------------------------------------------------------------------------------------


def set_lit(typ: SetT, *xs: Any) -> Term:
    return build("set_lit", tuple(lift(x, typ.elem) for x in xs), declared=typ)


def set_op(op: str, s: Any, o: Any) -> Term:
    st = lift(s)
    _need(isinstance(st.type, SetT), f"{op[4:]} needs a set, got {st.type}")
    expected = st.type.elem if op in ("set_add", "set_remove") else st.type  # type: ignore[attr-defined]
    return build(op, (st, lift(o, expected)))


def set_card(s: Term) -> Term:
    return build("set_card", (s,))


def set_sorted(s: Term, maxlen: int | None = None) -> Term:
    """The sequence of the elements of ``s`` in ascending order (see ``Term.sorted``)."""
    _need(isinstance(s.type, SetT), f"sorted needs a set, got {s.type}")
    n = universe_size(s.type.elem, 1 << 30) if maxlen is None else maxlen  # type: ignore[attr-defined]
    return build("set_sorted", (s,), n)


# -- sets read off their terms; comprehensions and big unions -----------------------------------

PEEL_ABOVE = 4096
"""A set whose element type has more values than this (or no finite enumeration) is quantified
over, and tested for membership, through the element terms read off its syntax (``peel``) when
it has such a form; smaller sets keep their universe expansion (one bit per element in Z3)."""

Pairs = list[tuple["Term | None", "Term"]]


def _peel_wanted(st: SetT) -> bool:
    return universe_size(st.elem, PEEL_ABOVE + 1) > PEEL_ABOVE


def _guard_and(g: Term | None, c: Any) -> Term | None:
    """``g ∧ c`` with ``None`` for true."""
    t = lift(c) if g is None else And(g, c)
    return None if t.is_const and t.value else t


def peel(s: Term) -> Pairs | None:
    """The (guard, element) pairs of a set term built from constants, ``set_lit``, ``set_add``,
    ``set_union``, ``ite`` (what ``setof`` and ``union_all`` build), and ``set_remove``,
    ``set_inter``, ``set_diff`` of those: ``x ∈ s`` iff some guard holds with its element equal to
    ``x``. ``None`` when ``s`` has another form (a state variable, ...). A guard ``None`` is true;
    pairs with a false guard are dropped, and pairs of one element term are merged (so the
    ``ite`` chains of conditional effects do not double the list)."""
    memo: dict[int, Pairs | None] = {}

    def go(t: Term) -> Pairs | None:
        if id(t) in memo:
            return memo[id(t)]
        out: Pairs | None
        st = t.type
        a = t.args
        if t.op == "const" and isinstance(st, SetT):
            out = [(None, const(st.elem, v)) for v in st.sort_key(t.data)]
        elif t.op == "set_lit":
            out = [(None, x) for x in a]
        elif t.op == "set_add":
            base = go(a[0])
            out = None if base is None else [*base, (None, a[1])]
        elif t.op == "set_union":
            left, right = go(a[0]), go(a[1])
            out = None if left is None or right is None else [*left, *right]
        elif t.op == "ite":
            yes, no = go(a[1]), go(a[2])
            if yes is None or no is None:
                out = None
            else:
                # an element term in both branches keeps one guard, ``ite(c, g_yes, g_no)`` — or
                # its guard itself when both are the same — so the ite chains of conditional
                # effects (``S ← ite(c, S ∪ {x}, S)``) give guards linear in the chain, not
                # ``(c ∧ g) ∨ (¬c ∧ g)`` doubling at every level
                in_no = {id(e): g for g, e in no}
                in_yes = {id(e) for _, e in yes}
                out = []
                for g, e in yes:
                    if id(e) in in_no:
                        gn = in_no[id(e)]
                        out.append((g if g is gn else ite(a[0], _true(g), _true(gn)), e))
                    else:
                        out.append((_guard_and(a[0], _true(g)), e))
                out += [(_guard_and(Not(a[0]), _true(g)), e) for g, e in no if id(e) not in in_yes]
        elif t.op in ("set_remove", "set_inter", "set_diff"):
            base = go(a[0])
            if base is None:
                out = None
            elif t.op == "set_remove":
                out = [(_guard_and(g, Not(eq(e, a[1]))), e) for g, e in base]
            else:
                keep = (lambda e: contains(a[1], e)) if t.op == "set_inter" else (lambda e: Not(contains(a[1], e)))
                out = [(_guard_and(g, keep(e)), e) for g, e in base]
        else:
            out = None
        if out is not None:
            out = _merge(out)
        memo[id(t)] = out
        return out

    return go(s)


def _true(g: Term | None) -> Term:
    return TRUE if g is None else g


def _merge(pairs: Pairs) -> Pairs:
    """Drop pairs with a false guard; one pair per element term (guards joined by ``or``)."""
    by_elem: dict[int, tuple[Term | None, Term]] = {}
    for g, e in pairs:
        if g is not None and g.is_const and not g.value:
            continue
        prev = by_elem.get(id(e))
        if prev is None:
            by_elem[id(e)] = (g, e)
        elif prev[0] is not None:
            joined = None if g is None else Or(prev[0], g)
            by_elem[id(e)] = (None if joined is not None and joined.is_const else joined, e)
    return list(by_elem.values())


def _distinct(pairs: Pairs) -> Pairs:
    """The pairs with each value counted once: the guard of an element also says that no
    earlier pair holds the same value (``sum`` and "exactly one" need this; sets do not count
    twice)."""
    out: Pairs = []
    for i, (g, e) in enumerate(pairs):
        guard = g
        for g2, e2 in pairs[:i]:
            same = eq(e2, e)
            if same.is_const and not same.value:
                continue
            guard = _guard_and(guard, Not(same if g2 is None else And(g2, same)))
            if guard is not None and guard.is_const:  # false: e always equals an earlier element
                break
        if guard is None or not guard.is_const:
            out.append((guard, e))
    return out


def balanced_union(parts: list[Term]) -> Term:
    """``p1 ∪ ... ∪ pn`` (``parts`` non-empty) as a balanced tree (depth log n): a chain would
    nest ``n`` levels deep in the generated code."""
    if len(parts) == 1:
        return parts[0]
    mid = len(parts) // 2
    return build("set_union", (balanced_union(parts[:mid]), balanced_union(parts[mid:])))


def setof(
    over: Any, fn: Callable[[Term], Any], where: Callable[[Term], Any] | None = None, typ: SetT | None = None
) -> Term:
    """``{fn(x) | x ∈ over, where(x)}``, where ``over`` is anything ``elements`` accepts (a
    domain, a finite type, a set, a bag, or a sequence: its entries). Built from set literals,
    ``ite`` and ``union`` (no op of its own), so quantifiers over it and membership in it read
    its elements off the term even when their type has no finite enumeration. ``typ`` (a set
    type) is needed only when ``over`` may be empty statically."""
    pairs: Pairs = []
    for g, e in elements(over, distinct=False):
        c = g if where is None else _guard_and(g, where(e))
        if c is not None and c.is_const:  # false
            continue
        pairs.append((c, lift(fn(e), typ.elem if typ is not None else None)))
    return _set_of_pairs(pairs, typ)


def _set_of_pairs(pairs: Pairs, typ: SetT | None) -> Term:
    if not pairs:
        _need(typ is not None, "setof/union_all over nothing: pass typ=SetT(...) for the empty set's type")
        return const(typ, frozenset())  # type: ignore[arg-type]
    elem = typ.elem if typ is not None else pairs[0][1].type
    for _, e in pairs:
        _need(same_shape(elem, e.type), f"a set of {elem} cannot hold a {e.type}")
        elem = join(elem, e.type)
    st = SetT(elem)
    empty = const(st, frozenset())
    sure = [e for g, e in pairs if g is None]
    parts = [set_lit(st, *sure)] if sure else []
    parts += [ite(g, set_lit(st, e), empty) for g, e in pairs if g is not None]
    return balanced_union(parts)


def union_all(over: Any, fn: Callable[[Term], Any], typ: SetT | None = None) -> Term:
    """``⋃_{x ∈ over} fn(x)`` for a set-valued ``fn`` (``over`` as for ``setof``); ``typ`` is
    needed only when ``over`` may be empty statically."""
    parts: list[Term] = []
    for g, e in elements(over, distinct=False):
        v = lift(fn(e), typ)
        _need(isinstance(v.type, SetT), f"union_all needs a set-valued function, got a {v.type}")
        parts.append(v if g is None else ite(g, v, const(v.type, frozenset())))
    if not parts:
        _need(typ is not None, "setof/union_all over nothing: pass typ=SetT(...) for the empty set's type")
        return const(typ, frozenset())  # type: ignore[arg-type]
    return balanced_union(parts)


# -- bags (finite multisets) --------------------------------------------------------------------


def _bag(t: Term) -> BagT:
    _need(isinstance(t.type, BagT), f"expected a bag, got {t.type}")
    return t.type  # type: ignore[return-value]


def bag_lit(typ: BagT, *xs: Any) -> Term:
    """The bag of ``xs`` (with repetitions); ``bag_lit(typ)`` is the empty bag."""
    return build("bag_lit", tuple(lift(x, typ.elem) for x in xs), typ, declared=typ)


def bag_add(b: Term, x: Any) -> Term:
    """``b`` with one more copy of ``x``."""
    bt = _bag(b)
    return build("bag_add", (b, lift(x, bt.elem)), bt)


def bag_remove(b: Term, x: Any) -> Term:
    """``b`` with one copy of ``x`` fewer; ``b`` itself if ``x`` is not in it (as for sets)."""
    bt = _bag(b)
    return build("bag_remove", (b, lift(x, bt.elem)), bt)


def bag_count(b: Term, x: Any) -> Term:
    """How many copies of ``x`` the bag holds."""
    bt = _bag(b)
    return build("bag_count", (b, lift(x, bt.elem)), bt)


def bag_size(b: Term) -> Term:
    """The number of elements of the bag, counted with repetitions."""
    return build("bag_size", (b,), _bag(b))


# -- maps --------------------------------------------------------------------------------------


def _keys(mt: MapT, key: Any) -> tuple[Term, ...]:
    """The key terms of ``m[key]``: a tuple is several keys, except for a map with one key, where
    it is that key (a tuple or record value: ``f[(g, S)]`` for a map keyed by views)."""
    several = isinstance(key, tuple) and (len(mt.keys) > 1 or len(key) == 1)
    ks = key if several else (key,)
    _need(len(ks) == len(mt.keys), f"{mt} takes {len(mt.keys)} key(s), got {len(ks)}")
    return tuple(lift(k, kt) for k, kt in zip(ks, mt.keys))


def map_get(m: Term, key: Any) -> Term:
    mt = m.type
    assert isinstance(mt, MapT)
    ks = _keys(mt, key)
    if m.op == "map_put" and all(a.is_const for a in ks) and all(a.is_const for a in m.args[2:]):
        if tuple(a.data for a in ks) == tuple(a.data for a in m.args[2:]):
            return m.args[1]
        return map_get(m.args[0], key)
    return build("map_get", (m, *ks), (mt, mt.val.default()))


def map_put(m: Term, key: Any, v: Any) -> Term:
    mt = m.type
    assert isinstance(mt, MapT)
    ks = _keys(mt, key)
    return build("map_put", (m, lift(v, mt.val), *ks), mt)


def dom(m: Term) -> Term:
    """``dom(m)``: the set of keys of the partial map ``m`` (``MapT(keys, OptionT(V))``) whose value
    is not ⊥, of type ``SetT(key type)`` (the tuple of the key types for a map with several keys).

    Built from existing ops, so both backends agree by construction: the union, as a balanced
    tree (depth log n), of ``{k} if m[k] ≠ ⊥ else {}`` over the key tuples ``k``."""
    mt = m.type
    _need(
        isinstance(mt, MapT) and isinstance(mt.val, OptionT),
        f"dom() needs a partial map (a map to an option type), got {mt}",
    )
    assert isinstance(mt, MapT)
    kt = mt.keys[0] if len(mt.keys) == 1 else TupleT(*mt.keys)
    st = SetT(kt)
    empty = const(st, frozenset())
    pieces: list[Term] = []
    for key in mt.key_tuples():
        elem = key[0] if len(mt.keys) == 1 else tuple(key)
        k = tuple(const(t, x) for t, x in zip(mt.keys, key))
        pieces.append(ite(build("opt_is_some", (map_get(m, k),)), const(st, frozenset({elem})), empty))

    def union(lo: int, hi: int) -> Term:
        if hi - lo == 1:
            return pieces[lo]
        mid = (lo + hi) // 2
        return set_op("set_union", union(lo, mid), union(mid, hi))

    return union(0, len(pieces)) if pieces else empty


# -- tagged unions and options ------------------------------------------------------------------


def _union_type(u: Term, what: str) -> UnionT:
    _need(isinstance(u.type, UnionT), f"{what} needs a tagged union value, got {u.type}")
    return u.type  # type: ignore[return-value]


def _tag(ut: UnionT, tag: str) -> int:
    try:
        return ut.tag_index(tag)
    except SchemaError as e:
        raise TraceError(f"{_user_location()}\n  {e}") from None


def inj(typ: UnionT, tag: str, payload: Any) -> Term:
    """The value of union ``typ`` with variant ``tag`` and ``payload`` (lifted to the variant's type)."""
    _need(isinstance(typ, UnionT), f"inj() needs a UnionT, got {typ}")
    i = _tag(typ, tag)
    return build("union_inj", (lift(payload, typ.variants[i][1]),), i, declared=typ)


def union_is(u: Term, tag: str) -> Term:
    """Whether the union value ``u`` is of variant ``tag``."""
    return build("union_is", (u,), _tag(_union_type(u, "is_()"), tag))


def union_as(u: Term, tag: str) -> Term:
    """The payload of ``u`` as variant ``tag`` (that variant type's default if ``u`` has another tag)."""
    ut = _union_type(u, "as_()")
    i = _tag(ut, tag)
    if u.op == "union_inj":  # read through a constructor
        return u.args[0] if u.data == i else const(ut.variants[i][1], ut.variants[i][1].default())
    return build("union_as", (u,), (i, ut.variants[i][1].default()))


def some(x: Any, typ: OptionT | None = None) -> Term:
    """The option holding ``x`` (not ⊥); ``typ`` types a Python value and may be wider than ``x``'s type."""
    _need(typ is None or isinstance(typ, OptionT), f"some() needs an OptionT, got {typ}")
    _need(not isinstance(x, _Bottom), "some(BOT): ⊥ is not a value of an option's element; write BOT itself")
    xt = lift(x, typ.elem if typ is not None else None)
    return build("opt_some", (xt,), declared=typ)


# -- quantifiers (static expansion) -------------------------------------------------------------


def elements(over: Any, distinct: bool = True) -> list[tuple[Term | None, Term]]:
    """(guard, element) pairs that a quantifier over ``over`` ranges across.

    A set whose element type has no finite enumeration, or more than ``PEEL_ABOVE`` values, and
    whose term is built from literals, ``add``, ``union``, ``ite`` (``setof``, ``union_all``) is
    expanded over the element terms read off its syntax (``peel``); with ``distinct`` (for
    ``sum`` and "exactly one") each value is guarded to count once, at its first occurrence —
    ``forall``/``exists`` do not need it. Other sets range over their element universe."""
    if isinstance(over, Term) and isinstance(over.type, SetT) and _peel_wanted(over.type):
        pairs = peel(over)
        if pairs is None:
            raise TraceError(
                f"{_user_location()}\n  cannot quantify over {over!r}: its element type {over.type.elem} "
                f"{'has no finite enumeration' if not over.type.elem.finite else 'has too many values'}, and "
                f"the set is not built from set literals, add, union, ite, setof or union_all (whose elements "
                f"can be read off the term)"
            )
        return _distinct(pairs) if distinct else pairs
    if isinstance(over, Domain):
        t = EnumT(over)
        return [(None, const(t, i)) for i in range(len(over))]
    if isinstance(over, Type):
        return [(None, const(over, v)) for v in over.values()]
    if isinstance(over, list | tuple) and not isinstance(over, Term):
        return [(None, lift(x)) for x in over]
    t = lift(over)
    if isinstance(t.type, SetT):
        if t.is_const:
            return [(None, const(t.type.elem, v)) for v in t.type.sort_key(t.data)]
        return [(contains(t, e), e) for e in (const(t.type.elem, v) for v in t.type.universe())]
    if isinstance(t.type, BagT):  # the distinct elements, as for a set
        bt = t.type
        if t.is_const:
            return [(None, const(bt.elem, u)) for u, c in zip(bt.universe(), t.data) if c]
        return [(contains(t, e), e) for e in (const(bt.elem, u) for u in bt.universe())]
    if isinstance(t.type, SeqT):
        return [
            (_cmp("le", i, seq_len(t)), seq_at(t, i))
            for i in (const(IntT(k, k), k) for k in range(1, t.type.maxlen + 1))
        ]
    raise TraceError(f"{_user_location()}\n  cannot quantify over {t.type}")


def forall(over: Any, body: Callable[[Term], Any]) -> Term:
    """``∀ x ∈ over: body(x)`` over a domain, finite type, set, bag (its distinct elements) or
    sequence (expanded statically)."""
    return And(body(e) if g is None else Implies(g, body(e)) for g, e in elements(over, distinct=False))


def exists(over: Any, body: Callable[[Term], Any]) -> Term:
    return Or(body(e) if g is None else And(g, body(e)) for g, e in elements(over, distinct=False))


def subterms(roots: Sequence[Term]) -> list[Term]:
    """Every distinct node reachable from ``roots``, children before parents."""
    seen: set[int] = set()
    out: list[Term] = []
    stack: list[tuple[Term, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        t, done = stack.pop()
        if done:
            out.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        stack.extend((a, False) for a in reversed(t.args) if id(a) not in seen)
    return out


REPR_PLAIN_NODES = 200
"""A term of at most this many nodes, counted as a tree, prints as plain nested calls."""

REPR_MAX_CHARS = 4000
"""Length at which ``repr`` of a term is cut with ``…``."""


def _type_data(data: Any) -> bool:
    """Static data that only restates types (a map's type on ``map_get``): not shown."""
    items = data if isinstance(data, tuple) else (data,)
    return all(isinstance(d, Type) or d == () for d in items)


def format_term(t: Term, max_chars: int | None = REPR_MAX_CHARS) -> str:
    """The text of ``t``, in time and length linear in the size of its DAG.

    A term that is small as a tree prints as nested calls: ``lt(add(x, 1), 3)``. Traced terms
    share subterms, and printed as a tree a subterm used twice at each of ``k`` levels appears
    ``2**k`` times; so a term larger than ``REPR_PLAIN_NODES`` nodes as a tree names each
    non-leaf subterm it uses more than once, in the order they are built, and prints it once:
    ``let #1 = add(x, x); #2 = add(#1, #1) in lt(#2, 9)``. The text is cut with ``…`` after
    ``max_chars`` characters (``None``: never).
    """
    nodes = subterms([t])
    cap = REPR_PLAIN_NODES + 1
    size: dict[int, int] = {}
    uses: dict[int, int] = {}
    for n in nodes:
        size[id(n)] = min(cap, 1 + sum(size[id(a)] for a in n.args))
        for a in n.args:
            uses[id(a)] = uses.get(id(a), 0) + 1
    names: dict[int, str] = {}
    if size[id(t)] > REPR_PLAIN_NODES:
        for n in nodes:
            if n.args and uses.get(id(n), 0) > 1:
                names[id(n)] = f"#{len(names) + 1}"
    out: list[str] = []
    length = 0

    def write(root: Term | str) -> bool:
        """Append the text of ``root`` (shared subterms by name); False once past ``max_chars``."""
        nonlocal length
        stack: list[Term | str] = [root]
        while stack:
            x = stack.pop()
            if isinstance(x, str):
                piece = x
            elif x.op == "const":
                piece = x.type.show(x.data)
            elif x.op == "var":
                piece = str(x.data[1])
            elif id(x) in names and x is not root:
                piece = names[id(x)]
            else:
                items: list[Term | str] = [*x.args]
                if x.data is not None and not _type_data(x.data):
                    items.append(repr(x.data))
                parts: list[Term | str] = [f"{x.op}("]
                for i, item in enumerate(items):
                    if i:
                        parts.append(", ")
                    parts.append(item)
                parts.append(")")
                stack.extend(reversed(parts))
                continue
            out.append(piece)
            length += len(piece)
            if max_chars is not None and length > max_chars:
                return False
        return True

    done = True
    if names:
        done = write("let ")
        for i, n in enumerate(m for m in nodes if id(m) in names):
            done = done and write(f"{'; ' if i else ''}{names[id(n)]} = ") and write(n)
        done = done and write(" in ")
    done = done and write(t)
    text = "".join(out)
    return text if done else text[:max_chars] + "…"


# ---------------------------------------------------------------------------------------------
# Tracing: the state as seen by action and predicate code
# ---------------------------------------------------------------------------------------------


class MapView:
    """``s.pending`` inside action code: ``s.pending[p, g]`` reads, ``s.pending[p, g] = x`` writes."""

    def __init__(self, st: StateProxy, name: str) -> None:
        self._st = st
        self._name = name

    def __getitem__(self, key: Any) -> Term:
        return map_get(self._st._read(self._name), key)

    def __setitem__(self, key: Any, v: Any) -> None:
        self._st._write(self._name, map_put(self._st._read(self._name), key, v))

    @property
    def term(self) -> Term:
        return self._st._read(self._name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._st._read(self._name), name)

    def __eq__(self, o: object) -> Term:  # type: ignore[override]
        return eq(self.term, o.term if isinstance(o, MapView) else o)

    __hash__ = object.__hash__


class StateProxy:
    """The state handed to action code (``writable``) or predicate code (read-only).

    Reads after a write see the written value (the paper's effects are sequential).
    """

    def __init__(
        self,
        variables: Sequence[tuple[str, Type]],
        env: Sequence[Term],
        derived: dict[str, Callable[..., Any]] | None = None,
        writable: bool = False,
        script: Sequence[int] = (),
    ) -> None:
        object.__setattr__(self, "_names", {n: i for i, (n, _) in enumerate(variables)})
        object.__setattr__(self, "_types", [t for _, t in variables])
        object.__setattr__(self, "_env", list(env))
        object.__setattr__(self, "_derived", derived or {})
        object.__setattr__(self, "_derived_cache", {})
        object.__setattr__(self, "_writable", writable)
        object.__setattr__(self, "_guards", [])
        object.__setattr__(self, "_assumptions", [])
        object.__setattr__(self, "_path", [])
        object.__setattr__(self, "_bound", {})
        object.__setattr__(self, "_script", tuple(script))
        object.__setattr__(self, "_choices", [])

    def _read(self, name: str) -> Term:
        return self._env[self._names[name]]

    def _write(self, name: str, v: Any) -> None:
        if not self._writable:
            raise TraceError(f"{_user_location()}\n  invariants and preconditions cannot assign state ({name})")
        i = self._names[name]
        typ = self._types[i]
        t = lift(v, typ)
        if not same_shape(typ, t.type):
            hint = "; write some(value) for a value of an option" if isinstance(typ, OptionT) else ""
            raise TraceError(f"{_user_location()}\n  cannot assign a {t.type} value to {name}: {typ}{hint}")
        if self._path:
            t = ite(And(*self._path), t, self._env[i])
        self._env[i] = t
        # a derived variable read later must see this write (effects are sequential): forget
        # every derived value computed so far
        object.__getattribute__(self, "_derived_cache").clear()

    def __getattr__(self, name: str) -> Any:
        names = object.__getattribute__(self, "_names")
        if name in names:
            i = names[name]
            if isinstance(self._types[i], MapT):
                return MapView(self, name)
            return self._env[i]
        derived = object.__getattribute__(self, "_derived")
        if name in derived:
            cache = object.__getattribute__(self, "_derived_cache")
            if name not in cache:
                cache[name] = lift(derived[name](self))
            return cache[name]
        raise TraceError(
            f"{_user_location()}\n  the state has no variable {name!r} "
            f"(variables: {', '.join(names)}; derived: {', '.join(derived) or 'none'})"
        )

    def __setattr__(self, name: str, v: Any) -> None:
        if name not in self._names:
            raise TraceError(f"{_user_location()}\n  the state has no variable {name!r} to assign")
        if isinstance(v, MapView):
            v = v.term
        self._write(name, v)

    def require(self, cond: Any) -> None:
        """Add a precondition conjunct (under the current ``when`` path, if any)."""
        c = lift(cond)
        if not isinstance(c.type, BoolT):
            raise TraceError(f"{_user_location()}\n  require() needs a boolean, got {c.type}")
        self._guards.append(Implies(And(*self._path), c) if self._path else c)

    def assume(self, cond: Any) -> None:
        """An assumption about the *environment* that issues this input (a well-formed client
        invokes an operation only at an idle, up process; at most ``max_ops`` operations): the
        explored machine's environment issues the input only when ``cond`` holds. Unlike
        ``require`` it is allowed on inputs — the automaton stays input-enabled in principle; what
        is restricted is the environment it is explored with, as ``with_input_budget`` does."""
        c = lift(cond)
        if not isinstance(c.type, BoolT):
            raise TraceError(f"{_user_location()}\n  assume() needs a boolean, got {c.type}")
        if self._path:
            raise TraceError(f"{_user_location()}\n  assume() belongs outside `when` blocks")
        self._assumptions.append(c)

    def bind(self, **params: Any) -> None:
        """Give the parameters declared ``from_state`` their values (terms over the state as the
        code has it here: bind before writing what they read)."""
        if not self._writable:
            raise TraceError(f"{_user_location()}\n  bind() belongs in action code")
        for k, v in params.items():
            if k in self._bound:
                raise TraceError(f"{_user_location()}\n  parameter {k} is bound twice")
            self._bound[k] = v

    def choose(self, name: str, over: Any) -> Term:
        """The paper's ``choose x ∈ over`` in an effect: nondeterminism, one successor per element
        (each a separate action instance whose precondition includes the element's membership).
        ``over`` is anything ``forall`` accepts; ``name`` labels the choice in action labels."""
        if not self._writable:
            raise TraceError(f"{_user_location()}\n  choose() belongs in action code")
        options = elements(over)
        if not options:
            self.require(False)
            return const(BoolT(), False)
        i = len(self._choices)
        j = self._script[i] if i < len(self._script) else 0
        guard, elem = options[j]
        self._choices.append((name, j, len(options), elem))
        if guard is not None:
            self.require(guard)
        return elem

    @contextmanager
    def when(self, cond: Any) -> Iterator[None]:
        """Effects inside the block happen only if ``cond`` holds (the paper's ``if ... then``)."""
        c = lift(cond)
        if not isinstance(c.type, BoolT):
            raise TraceError(f"{_user_location()}\n  when() needs a boolean, got {c.type}")
        self._path.append(c)
        try:
            yield
        finally:
            self._path.pop()
