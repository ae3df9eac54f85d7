"""The term language that action code and invariants are traced into.

An action's precondition and effect are written once, as ordinary Python against a small
vocabulary (sequence, set and map operations, ``ite``, finite ``forall``/``exists``). ioakit runs
that function *once per action instance* with the state variables bound to symbolic ``Term``s
and the action parameters bound to constants, exactly as JAX traces numeric code. The recorded
terms are then compiled twice (design.md §2):

* to straight-line Python by ``ioakit.backends.codegen`` (the fast concrete semantics the explorer
  runs on every state), and
* to Z3 by ``ioakit.backends.symbolic`` (the semantics the prover reasons about).

Both backends read the same terms, so a proof is about the code users run.

Python control flow is allowed on *static* values (parameters, scope constants): operations on
constants are folded at trace time, and ``bool()`` of a folded constant is its value. ``bool()`` of
a term that depends on the state raises ``TraceError`` naming the line and suggesting ``ite`` or
``s.when`` instead.

Quantifiers over finite domains, sets and sequences are expanded statically; sets and sequences
contribute a membership / position guard, so ``forall(s.created, f)`` means
``∀ v ∈ views: v ∈ created ⇒ f(v)``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ioakit.errors import UserError

from .types import (
    BOT_INDEX,
    BoolT,
    Domain,
    EnumT,
    IntT,
    MapT,
    RecordT,
    SchemaError,
    SeqT,
    SetT,
    Type,
    join,
    same_shape,
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
        return mk("seq_tail", (self,), self.type)

    def append(self, x: Any) -> Term:
        return seq_append(self, x)

    def concat(self, o: Any) -> Term:
        return seq_concat(self, o)

    def is_prefix_of(self, o: Any) -> Term:
        return prefix(self, o)

    def is_empty(self) -> Term:
        if isinstance(self.type, SetT):
            return eq(set_card(self), 0)
        return eq(seq_len(self), 0)

    def elems(self) -> Term:
        """``range(s)``: the set of elements of a sequence."""
        return seq_elems(self)

    def contains(self, x: Any) -> Term:
        return contains(self, x)

    # -- sets -----------------------------------------------------------------------------------
    def add(self, x: Any) -> Term:
        return set_op("set_add", self, x)

    def remove(self, x: Any) -> Term:
        return set_op("set_remove", self, x)

    def union(self, o: Any) -> Term:
        return set_op("set_union", self, o)

    def inter(self, o: Any) -> Term:
        return set_op("set_inter", self, o)

    def minus(self, o: Any) -> Term:
        return set_op("set_diff", self, o)

    def subset(self, o: Any) -> Term:
        return set_op("set_subset", self, o)

    def card(self) -> Term:
        return set_card(self)

    # -- maps -----------------------------------------------------------------------------------
    def put(self, key: Any, v: Any) -> Term:
        return map_put(self, key, v)


# ---------------------------------------------------------------------------------------------
# Concrete meaning of every operation. Used for constant folding at trace time; the code
# generator inlines the same meaning (tests/specs/test_semantics.py keeps them equal, and
# the differential test keeps both equal to the Z3 backend).
# ---------------------------------------------------------------------------------------------


def _py_seq_at(data: Any, s: tuple[Any, ...], i: int) -> Any:
    return s[i - 1] if 1 <= i <= len(s) else data


def _py_map_get(data: Any, m: tuple[Any, ...], *key: int) -> Any:
    mt, default = data
    i = mt.flat_index(key)
    return m[i] if i >= 0 else default


def _py_map_put(data: Any, m: tuple[Any, ...], v: Any, *key: int) -> tuple[Any, ...]:
    i = data.flat_index(key)
    return m if i < 0 else m[:i] + (v,) + m[i + 1 :]


def _py_prefix(_: Any, a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) <= len(b) and b[: len(a)] == a


PY: dict[str, Callable[..., Any]] = {
    "not": lambda _, a: not a,
    "and": lambda _, *a: all(a),
    "or": lambda _, *a: any(a),
    "ite": lambda _, c, a, b: a if c else b,
    "eq": lambda _, a, b: a == b,
    "lt": lambda _, a, b: a < b,
    "le": lambda _, a, b: a <= b,
    "add": lambda _, a, b: a + b,
    "sub": lambda _, a, b: a - b,
    "mul": lambda _, a, b: a * b,
    "field": lambda i, r: r[i],
    "record": lambda _, *xs: tuple(xs),
    "seq_lit": lambda _, *xs: tuple(xs),
    "seq_len": lambda _, s: len(s),
    "seq_at": _py_seq_at,
    "seq_append": lambda _, s, x: (*s, x),
    "seq_tail": lambda _, s: s[1:],
    "seq_concat": lambda _, a, b: a + b,
    "seq_prefix": _py_prefix,
    "seq_contains": lambda _, s, x: x in s,
    "seq_elems": lambda _, s: frozenset(s),
    "set_lit": lambda _, *xs: frozenset(xs),
    "set_member": lambda _, x, s: x in s,
    "set_add": lambda _, s, x: s | {x},
    "set_remove": lambda _, s, x: s - {x},
    "set_union": lambda _, a, b: a | b,
    "set_inter": lambda _, a, b: a & b,
    "set_diff": lambda _, a, b: a - b,
    "set_subset": lambda _, a, b: a <= b,
    "set_card": lambda _, s: len(s),
    "map_get": _py_map_get,
    "map_put": _py_map_put,
}
"""op -> concrete function ``f(data, *arg_values)``. ``const`` and ``var`` are leaves."""

OPS = frozenset(PY) | {"const", "var"}


def mk(op: str, args: tuple[Term, ...], typ: Type, data: Any = None) -> Term:
    """Make a term, folding it to a constant when every argument is constant (an empty set or
    sequence literal is a constant too)."""
    if (args or op in ("set_lit", "seq_lit")) and all(a.op == "const" for a in args):
        return Term("const", (), typ, PY[op](data, *(a.data for a in args)))
    return Term(op, args, typ, data)


def const(typ: Type, v: Any) -> Term:
    return Term("const", (), typ, v)


TRUE = const(BOOL, True)
FALSE = const(BOOL, False)


def lift(x: Any, expected: Type | None = None) -> Term:
    """Turn a Python value into a term; ``expected`` types ⊥, tuples-as-records and sets."""
    if isinstance(x, Term):
        return x
    if isinstance(x, _Bottom):
        if isinstance(expected, EnumT):
            return const(EnumT(expected.domain, True), BOT_INDEX)
        raise TraceError(f"{_user_location()}\n  ⊥ needs a typed partner (compare it with a {{G}}⊥ value)")
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


def Not(a: Any) -> Term:
    t = lift(a)
    _need(isinstance(t.type, BoolT), f"not of a non-boolean {t.type}")
    if t.op == "not":
        return t.args[0]
    return mk("not", (t,), BOOL)


def _nary(op: str, xs: Iterable[Any]) -> Term:
    unit, zero = (True, False) if op == "and" else (False, True)
    flat: list[Term] = []
    for x in xs:
        t = lift(x)
        _need(isinstance(t.type, BoolT), f"{op} of a non-boolean {t.type}")
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
    _need(isinstance(ct.type, BoolT), f"ite condition must be boolean, got {ct.type}")
    at, bt = _lift_pair(a, b)
    _need(same_shape(at.type, bt.type), f"ite branches have different types {at.type} and {bt.type}")
    if ct.op == "const":
        return at if ct.data else bt
    if at is bt:
        return at
    return Term("ite", (ct, at, bt), join(at.type, bt.type))


# -- comparison and arithmetic -----------------------------------------------------------------


def eq(a: Any, b: Any) -> Term:
    at, bt = _lift_pair(a, b)
    _need(same_shape(at.type, bt.type), f"cannot compare a {at.type} value with a {bt.type} value")
    if at is bt:
        return TRUE
    return mk("eq", (at, bt), BOOL)


def _cmp(op: str, a: Any, b: Any) -> Term:
    at, bt = _lift_pair(a, b)
    ok = (isinstance(at.type, IntT) and isinstance(bt.type, IntT)) or (
        isinstance(at.type, EnumT) and isinstance(bt.type, EnumT) and at.type.domain == bt.type.domain
    )
    _need(ok, f"cannot order {at.type} and {bt.type} (only integers and elements of one domain are ordered)")
    return mk(op, (at, bt), BOOL)


def arith(op: str, a: Any, b: Any) -> Term:
    at, bt = lift(a), lift(b)
    _need(
        isinstance(at.type, IntT) and isinstance(bt.type, IntT),
        f"arithmetic needs integers, got {at.type} and {bt.type}",
    )
    la, ha, lb, hb = at.type.lo, at.type.hi, bt.type.lo, bt.type.hi  # type: ignore[attr-defined]
    if op == "add":
        typ = IntT(la + lb, ha + hb)
    elif op == "sub":
        typ = IntT(la - hb, ha - lb)
    else:
        cs = [la * lb, la * hb, ha * lb, ha * hb]
        typ = IntT(min(cs), max(cs))
    return mk(op, (at, bt), typ)


# -- records -----------------------------------------------------------------------------------


def field(r: Term, i: int) -> Term:
    assert isinstance(r.type, RecordT)
    if r.op == "record":
        return r.args[i]
    return mk("field", (r,), r.type.fields[i][1], i)


def record(typ: RecordT, *xs: Any) -> Term:
    args = tuple(lift(x, t) for x, (_, t) in zip(xs, typ.fields))
    for (n, t), a in zip(typ.fields, args):
        _need(same_shape(t, a.type), f"field {n} of {typ.name} expects {t}, got {a.type}")
    return mk("record", args, typ)


# -- sequences ---------------------------------------------------------------------------------


def _seq(t: Term) -> SeqT:
    _need(isinstance(t.type, SeqT), f"expected a sequence, got {t.type}")
    return t.type  # type: ignore[return-value]


def seq_len(s: Term) -> Term:
    st = _seq(s)
    return mk("seq_len", (s,), IntT(0, st.maxlen))


def seq_at(s: Term, i: Any) -> Term:
    st = _seq(s)
    it = lift(i)
    _need(isinstance(it.type, IntT), f"sequence index must be an integer, got {it.type}")
    return mk("seq_at", (s, it), st.elem, st.elem.default())


def seq_append(s: Term, x: Any) -> Term:
    st = _seq(s)
    xt = lift(x, st.elem)
    _need(same_shape(st.elem, xt.type), f"cannot append a {xt.type} to a sequence of {st.elem}")
    return mk("seq_append", (s, xt), SeqT(join(st.elem, xt.type), st.maxlen))


def seq_concat(a: Term, b: Any) -> Term:
    at = _seq(a)
    bt = lift(b, at)
    btt = _seq(bt)
    _need(same_shape(at.elem, btt.elem), f"cannot concatenate {at} and {btt}")
    return mk("seq_concat", (a, bt), SeqT(join(at.elem, btt.elem), max(at.maxlen, btt.maxlen)))


def seq_lit(typ: SeqT, *xs: Any) -> Term:
    args = tuple(lift(x, typ.elem) for x in xs)
    return mk("seq_lit", args, SeqT(typ.elem, max(typ.maxlen, len(args))))


def prefix(a: Any, b: Any) -> Term:
    """``a ≤ b`` on sequences (the paper's prefix order)."""
    at, bt = _lift_pair(a, b)
    _seq(at)
    _seq(bt)
    _need(same_shape(at.type, bt.type), f"prefix of different sequence types {at.type} and {bt.type}")
    return mk("seq_prefix", (at, bt), BOOL)


def seq_elems(s: Term) -> Term:
    st = _seq(s)
    _need(st.elem.finite, f"range() of a sequence of {st.elem} (not a finite type)")
    return mk("seq_elems", (s,), SetT(st.elem))


def contains(coll: Term, x: Any) -> Term:
    """``x ∈ coll`` for a set, or ``x ∈ range(coll)`` for a sequence."""
    if isinstance(coll.type, SetT):
        xt = lift(x, coll.type.elem)
        _need(same_shape(coll.type.elem, xt.type), f"membership of a {xt.type} in {coll.type}")
        return mk("set_member", (xt, coll), BOOL)
    st = _seq(coll)
    xt = lift(x, st.elem)
    _need(same_shape(st.elem, xt.type), f"membership of a {xt.type} in {st}")
    return mk("seq_contains", (coll, xt), BOOL)


# -- sets --------------------------------------------------------------------------------------


def set_lit(typ: SetT, *xs: Any) -> Term:
    return mk("set_lit", tuple(lift(x, typ.elem) for x in xs), typ)


def set_op(op: str, s: Any, o: Any) -> Term:
    st = lift(s)
    _need(isinstance(st.type, SetT), f"{op[4:]} needs a set, got {st.type}")
    if op in ("set_add", "set_remove"):
        ot = lift(o, st.type.elem)  # type: ignore[attr-defined]
        _need(same_shape(st.type.elem, ot.type), f"{op[4:]} of a {ot.type} to {st.type}")  # type: ignore[attr-defined]
        return mk(op, (st, ot), st.type)
    ot = lift(o, st.type)
    _need(same_shape(st.type, ot.type), f"{op[4:]} of {st.type} and {ot.type}")
    return mk(op, (st, ot), BOOL if op == "set_subset" else join(st.type, ot.type))


def set_card(s: Term) -> Term:
    _need(isinstance(s.type, SetT), f"cardinality of a non-set {s.type}")
    return mk("set_card", (s,), IntT(0, len(s.type.universe())))  # type: ignore[attr-defined]


# -- maps --------------------------------------------------------------------------------------


def _keys(mt: MapT, key: Any) -> tuple[Term, ...]:
    ks = key if isinstance(key, tuple) else (key,)
    _need(len(ks) == len(mt.keys), f"{mt} takes {len(mt.keys)} key(s), got {len(ks)}")
    out = []
    for k, kt in zip(ks, mt.keys):
        t = lift(k, kt)
        _need(
            isinstance(t.type, EnumT) and t.type.domain == kt.domain,
            f"map key must be an element of {kt.domain.name}, got {t.type}",
        )
        out.append(t)
    return tuple(out)


def map_get(m: Term, key: Any) -> Term:
    mt = m.type
    assert isinstance(mt, MapT)
    ks = _keys(mt, key)
    if m.op == "map_put" and all(a.is_const for a in ks) and all(a.is_const for a in m.args[2:]):
        if tuple(a.data for a in ks) == tuple(a.data for a in m.args[2:]):
            return m.args[1]
        return map_get(m.args[0], key)
    return mk("map_get", (m, *ks), mt.val, (mt, mt.val.default()))


def map_put(m: Term, key: Any, v: Any) -> Term:
    mt = m.type
    assert isinstance(mt, MapT)
    ks = _keys(mt, key)
    vt = lift(v, mt.val)
    _need(same_shape(mt.val, vt.type), f"{mt} holds {mt.val}, cannot store a {vt.type}")
    return mk("map_put", (m, vt, *ks), mt, mt)


# -- quantifiers (static expansion) -------------------------------------------------------------


def elements(over: Any) -> list[tuple[Term | None, Term]]:
    """(guard, element) pairs that a quantifier over ``over`` ranges across."""
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
    if isinstance(t.type, SeqT):
        return [
            (_cmp("le", i, seq_len(t)), seq_at(t, i))
            for i in (const(IntT(k, k), k) for k in range(1, t.type.maxlen + 1))
        ]
    raise TraceError(f"{_user_location()}\n  cannot quantify over {t.type}")


def forall(over: Any, body: Callable[[Term], Any]) -> Term:
    """``∀ x ∈ over: body(x)`` over a domain, finite type, set or sequence (expanded statically)."""
    return And(body(e) if g is None else Implies(g, body(e)) for g, e in elements(over))


def exists(over: Any, body: Callable[[Term], Any]) -> Term:
    return Or(body(e) if g is None else And(g, body(e)) for g, e in elements(over))


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
                if x.data is not None:
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
    ) -> None:
        object.__setattr__(self, "_names", {n: i for i, (n, _) in enumerate(variables)})
        object.__setattr__(self, "_types", [t for _, t in variables])
        object.__setattr__(self, "_env", list(env))
        object.__setattr__(self, "_derived", derived or {})
        object.__setattr__(self, "_derived_cache", {})
        object.__setattr__(self, "_writable", writable)
        object.__setattr__(self, "_guards", [])
        object.__setattr__(self, "_path", [])

    def _read(self, name: str) -> Term:
        return self._env[self._names[name]]

    def _write(self, name: str, v: Any) -> None:
        if not self._writable:
            raise TraceError(f"{_user_location()}\n  invariants and preconditions cannot assign state ({name})")
        i = self._names[name]
        typ = self._types[i]
        t = lift(v, typ)
        if not same_shape(typ, t.type):
            raise TraceError(f"{_user_location()}\n  cannot assign a {t.type} value to {name}: {typ}")
        if self._path:
            t = ite(And(*self._path), t, self._env[i])
        self._env[i] = t

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
