"""The symbolic semantics: the same traced terms, interpreted as Z3 formulas.

Values of each type are represented by small Python structures of Z3 terms:

=============  ======================================================================
type           symbolic structure
=============  ======================================================================
Bool           ``z3.BoolRef``
Int, Enum      ``z3.ArithRef`` (an enum element is its index; ⊥ is -1, the least)
Record         ``tuple`` of field structures
Seq            ``SymSeq(len, elems, default)``: slots past ``len`` hold ``default``
Set            ``SymSet``: one ``z3.BoolRef`` per element of the (finite) universe
Bag            ``tuple`` of ``z3.ArithRef`` counts, one per element of the universe
Map            ``tuple`` of value structures, one per key, row-major
Union          ``SymUnion(tag, payloads)``: one payload per variant, the tag's meaningful
Option         ``SymOption(present, payload)``: the payload meaningful when present
=============  ======================================================================

Sequences are *canonically padded* (every slot past the length holds the element type's
default), so two sequences are equal iff their slots are, and a model maps back to exactly the
concrete tuple. Bounds of the scope are well-formedness constraints (``wf``): the prover's
arbitrary states satisfy them, and a step whose post-state breaks them is not a step — the
same rule the compiled concrete semantics applies (``codegen``).

What each op means here is its ``z3`` entry in the op table ``ioakit.lang.ops``, next to its
concrete meaning and its generated Python; ``Evaluator`` applies those entries bottom-up.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import z3

from ioakit.errors import UserError
from ioakit.lang.ir import Term, subterms
from ioakit.lang.ops import OPS
from ioakit.lang.types import (
    BOT_INDEX,
    BagT,
    BoolT,
    EnumT,
    IntT,
    MapT,
    OptionT,
    RecordT,
    SeqT,
    SetT,
    Type,
    UnionT,
)

Sym = Any  # a symbolic structure as in the module docstring


class NoSymbolicEncoding(UserError):
    """A term or variable that has no Z3 encoding: a set whose element type has no finite
    enumeration (a set of records holding sequences), used otherwise than through membership
    and quantifiers over a set term whose elements ``ir.elements`` reads off its syntax."""


def _no_universe(t: SetT, what: str) -> NoSymbolicEncoding:
    return NoSymbolicEncoding(
        f"{what} of type {t} has no Z3 encoding: its element type {t.elem} has no finite enumeration (it holds "
        f"a sequence). In proofs, use such a set only through membership and forall/exists over a set built "
        f"from set literals, add, union, ite, setof or union_all (read off the term); card, equality, other "
        f"set operations and state variables of this type run only in the concrete semantics (exploration)"
    )


def z3_version() -> str:
    return z3.get_version_string()


@dataclass(frozen=True)
class SymSeq:
    len: z3.ArithRef
    elems: tuple[Sym, ...]
    default: Sym

    def get(self, j: int) -> Sym:
        return self.elems[j] if 0 <= j < len(self.elems) else self.default


@dataclass(frozen=True)
class SymSet:
    bits: dict[Any, z3.BoolRef]  # concrete element -> membership

    def has(self, v: Any) -> z3.BoolRef:
        return self.bits.get(v, z3.BoolVal(False))


@dataclass(frozen=True)
class SymUnion:
    """A tagged union: the tag (an integer, the variant's index) and one payload structure per
    variant. Only the tag's payload means anything; the others are unconstrained in fresh states
    and are ignored by ``equal``, ``wf`` and ``evaluate``."""

    tag: z3.ArithRef
    payloads: tuple[Sym, ...]


@dataclass(frozen=True)
class SymOption:
    """⊥ or a value: ``present`` false is ⊥, and then ``payload`` means nothing (as for a union)."""

    present: z3.BoolRef
    payload: Sym


def _conj(cs: list[z3.BoolRef]) -> z3.BoolRef:
    return z3.And(cs) if cs else z3.BoolVal(True)


# -- constants, fresh variables, well-formedness, evaluation -----------------------------------


def _int_val(v: int) -> Any:
    """``z3.IntVal(v)``; for an int of thousands of digits (a folded product of literals) too:
    Z3 takes the decimal text, which Python refuses to write over 4,300 digits unless asked."""
    if v.bit_length() <= 13_000:  # under 4,000 digits
        return z3.IntVal(v)
    import sys

    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return z3.IntVal(v)
    finally:
        sys.set_int_max_str_digits(before)


def from_const(t: Type, v: Any) -> Sym:
    """The symbolic structure of a concrete value."""
    if isinstance(t, BoolT):
        return z3.BoolVal(bool(v))
    if isinstance(t, IntT | EnumT):
        return _int_val(v)
    if isinstance(t, RecordT):
        return tuple(from_const(ft, x) for (_, ft), x in zip(t.fields, v))
    if isinstance(t, SeqT):
        return SymSeq(z3.IntVal(len(v)), tuple(from_const(t.elem, x) for x in v), from_const(t.elem, t.elem.default()))
    if isinstance(t, SetT):
        if not t.elem.finite:
            raise _no_universe(t, "a constant")
        return SymSet({u: z3.BoolVal(u in v) for u in t.universe()})
    if isinstance(t, BagT):
        return tuple(z3.IntVal(c) for c in v)
    if isinstance(t, MapT):
        return tuple(from_const(t.val, x) for x in v)
    if isinstance(t, UnionT):
        return SymUnion(
            z3.IntVal(v[0]),
            tuple(from_const(vt, v[1] if j == v[0] else vt.default()) for j, (_, vt) in enumerate(t.variants)),
        )
    if isinstance(t, OptionT):
        return SymOption(z3.BoolVal(v is not None), from_const(t.elem, t.elem.default() if v is None else v))
    raise TypeError(f"no symbolic encoding for {t}")


def fresh(t: Type, name: str) -> tuple[Sym, list[z3.BoolRef]]:
    """A fresh symbolic value of type ``t`` and the constraints making it well formed."""
    if isinstance(t, BoolT):
        return z3.Bool(name), []
    if isinstance(t, IntT):
        x = z3.Int(name)
        return x, [x >= t.lo, x <= t.hi]
    if isinstance(t, EnumT):
        x = z3.Int(name)
        return x, [x >= (BOT_INDEX if t.bottom else 0), x < len(t.domain)]
    if isinstance(t, RecordT):
        parts, cons = [], []
        for fname, ft in t.fields:
            p, c = fresh(ft, f"{name}.{fname}")
            parts.append(p)
            cons += c
        return tuple(parts), cons
    if isinstance(t, SeqT):
        n = z3.Int(f"{name}.len")
        default = from_const(t.elem, t.elem.default())
        elems, cons = [], [n >= 0, n <= t.maxlen]
        for j in range(t.maxlen):
            e, c = fresh(t.elem, f"{name}[{j + 1}]")
            elems.append(e)
            cons += [z3.Implies(n > j, z3.And(c) if c else z3.BoolVal(True)), z3.Implies(n <= j, equal(e, default))]
        return SymSeq(n, tuple(elems), default), cons
    if isinstance(t, SetT):
        if not t.elem.finite:
            raise _no_universe(t, f"the variable {name}")
        return SymSet({u: z3.Bool(f"{name}∋{t.elem.show(u)}") for u in t.universe()}), []
    if isinstance(t, BagT):
        counts = tuple(z3.Int(f"{name}#{t.elem.show(u)}") for u in t.universe())
        return counts, wf(t, counts)
    if isinstance(t, MapT):
        parts, cons = [], []
        for key in t.key_tuples():
            p, c = fresh(t.val, f"{name}[{t.key_name(key)}]")
            parts.append(p)
            cons += c
        return tuple(parts), cons
    if isinstance(t, UnionT):
        tag = z3.Int(f"{name}.tag")
        payloads, cons = [], [tag >= 0, tag < len(t.variants)]
        for j, (vn, vt) in enumerate(t.variants):
            p, c = fresh(vt, f"{name}.{vn}")
            payloads.append(p)
            if c:
                cons.append(z3.Implies(tag == j, _conj(c)))
        return SymUnion(tag, tuple(payloads)), cons
    if isinstance(t, OptionT):
        present = z3.Bool(f"{name}.some")
        p, c = fresh(t.elem, f"{name}.val")
        return SymOption(present, p), [z3.Implies(present, _conj(c))] if c else []
    raise TypeError(f"no symbolic encoding for {t}")


def wf(t: Type, x: Sym) -> list[z3.BoolRef]:
    """Constraints that ``x`` is a well-formed value of ``t`` (scope bounds included)."""
    if isinstance(t, BoolT):
        return []
    if isinstance(t, SetT):  # a value of a wider set type (set_add of an out-of-range element)
        universe = set(t.universe())
        return [z3.Not(b) for k, b in x.bits.items() if k not in universe]
    if isinstance(t, IntT):
        return [x >= t.lo, x <= t.hi]
    if isinstance(t, EnumT):
        return [x >= (BOT_INDEX if t.bottom else 0), x < len(t.domain)]
    if isinstance(t, RecordT):
        return [c for (_, ft), p in zip(t.fields, x) for c in wf(ft, p)]
    if isinstance(t, SeqT):
        out = [x.len >= 0, x.len <= t.maxlen]
        for j, e in enumerate(x.elems):
            ce = wf(t.elem, e)
            if ce:
                out.append(z3.Implies(x.len > j, z3.And(ce)))
        return out
    if isinstance(t, BagT):  # a count over the bound is a step the scope cuts off
        return [c for n in x for c in (n >= 0, n <= t.bound)]
    if isinstance(t, MapT):
        return [c for p in x for c in wf(t.val, p)]
    if isinstance(t, UnionT):  # the tag in range, and the tag's payload well formed
        out = [x.tag >= 0, x.tag < len(t.variants)]
        for j, ((_, vt), p) in enumerate(zip(t.variants, x.payloads)):
            c = wf(vt, p)
            if c:
                out.append(z3.Implies(x.tag == j, _conj(c)))
        return out
    if isinstance(t, OptionT):
        c = wf(t.elem, x.payload)
        return [z3.Implies(x.present, _conj(c))] if c else []
    raise TypeError(f"no symbolic encoding for {t}")


def fit(t: Type, x: Sym) -> Sym:
    """Trim a well-formed structure to the declared capacity of ``t`` (sequences grow on append)."""
    if isinstance(t, SeqT):
        elems = tuple(fit(t.elem, x.get(j)) for j in range(t.maxlen))
        return SymSeq(x.len, elems, x.default)
    if isinstance(t, RecordT):
        return tuple(fit(ft, p) for (_, ft), p in zip(t.fields, x))
    if isinstance(t, MapT):
        return tuple(fit(t.val, p) for p in x)
    if isinstance(t, SetT):
        return SymSet({u: x.has(u) for u in t.universe()})
    if isinstance(t, UnionT):
        return SymUnion(x.tag, tuple(fit(vt, p) for (_, vt), p in zip(t.variants, x.payloads)))
    if isinstance(t, OptionT):
        return SymOption(x.present, fit(t.elem, x.payload))
    return x


def evaluate(t: Type, model: z3.ModelRef, x: Sym) -> Any:
    """The concrete value of ``x`` in ``model`` (unconstrained parts take the type's default)."""

    def num(e: z3.ExprRef) -> int:
        return model.eval(e, model_completion=True).as_long()

    if isinstance(t, BoolT):
        return z3.is_true(model.eval(x, model_completion=True))
    if isinstance(t, IntT | EnumT):
        return num(x)
    if isinstance(t, RecordT):
        return tuple(evaluate(ft, model, p) for (_, ft), p in zip(t.fields, x))
    if isinstance(t, SeqT):
        n = num(x.len)
        return tuple(evaluate(t.elem, model, x.get(j)) for j in range(n))
    if isinstance(t, SetT):
        return frozenset(u for u in t.universe() if z3.is_true(model.eval(x.has(u), model_completion=True)))
    if isinstance(t, BagT):
        return tuple(num(n) for n in x)
    if isinstance(t, MapT):
        return tuple(evaluate(t.val, model, p) for p in x)
    if isinstance(t, UnionT):
        tag = num(x.tag)
        return (tag, evaluate(t.variants[tag][1], model, x.payloads[tag]))
    if isinstance(t, OptionT):
        if not z3.is_true(model.eval(x.present, model_completion=True)):
            return None
        return evaluate(t.elem, model, x.payload)
    raise TypeError(f"no symbolic encoding for {t}")


# -- structural operations ---------------------------------------------------------------------


def equal(a: Sym, b: Sym) -> z3.BoolRef:
    if isinstance(a, SymSeq):
        n = max(len(a.elems), len(b.elems))
        return z3.And(a.len == b.len, *(equal(a.get(j), b.get(j)) for j in range(n)))
    if isinstance(a, SymSet):
        keys = list(dict.fromkeys([*a.bits, *b.bits]))
        return z3.And(*(a.has(k) == b.has(k) for k in keys))
    if isinstance(a, tuple):
        return z3.And(*(equal(x, y) for x, y in zip(a, b)))
    if isinstance(a, SymUnion):  # equal tags, and equal payloads of that tag (the others: garbage)
        return z3.And(
            a.tag == b.tag,
            *(z3.Implies(a.tag == j, equal(p, q)) for j, (p, q) in enumerate(zip(a.payloads, b.payloads))),
        )
    if isinstance(a, SymOption):
        return z3.And(a.present == b.present, z3.Implies(a.present, equal(a.payload, b.payload)))
    return a == b


def select(c: z3.BoolRef, a: Sym, b: Sym) -> Sym:
    """``if c then a else b`` on structures."""
    if isinstance(a, SymSeq):
        n = max(len(a.elems), len(b.elems))
        return SymSeq(z3.If(c, a.len, b.len), tuple(select(c, a.get(j), b.get(j)) for j in range(n)), a.default)
    if isinstance(a, SymSet):
        keys = list(dict.fromkeys([*a.bits, *b.bits]))
        return SymSet({k: z3.If(c, a.has(k), b.has(k)) for k in keys})
    if isinstance(a, tuple):
        return tuple(select(c, x, y) for x, y in zip(a, b))
    if isinstance(a, SymUnion):
        return SymUnion(z3.If(c, a.tag, b.tag), tuple(select(c, x, y) for x, y in zip(a.payloads, b.payloads)))
    if isinstance(a, SymOption):
        return SymOption(z3.If(c, a.present, b.present), select(c, a.payload, b.payload))
    return z3.If(c, a, b)


def _index_chain(cases: Sequence[tuple[z3.BoolRef, Sym]], default: Sym) -> Sym:
    out = default
    for cond, v in reversed(cases):
        out = select(cond, v, out)
    return out


class Evaluator:
    """Interprets terms over a symbolic state (one structure per state variable)."""

    def __init__(self, state: Sequence[Sym]) -> None:
        self.state = list(state)
        self.memo: dict[int, Sym] = {}

    def __call__(self, root: Term) -> Sym:
        for t in subterms([root]):
            if id(t) not in self.memo:
                self.memo[id(t)] = self._eval(t, [self.memo[id(a)] for a in t.args])
        return self.memo[id(root)]

    def _eval(self, t: Term, a: list[Sym]) -> Sym:
        """The structure of ``t`` from its arguments' structures ``a``: the ``z3`` meaning of
        its op in ``ioakit.lang.ops`` (leaves: the constant, the state variable)."""
        op = t.op
        if op == "const":
            return from_const(t.type, t.data)
        if op == "var":
            return self.state[t.data[0]]
        entry = OPS.get(op)
        if entry is None:
            raise AssertionError(f"no symbolic semantics for op {op}")
        if isinstance(t.type, SetT) and not t.type.elem.finite:
            raise _no_universe(t.type, f"the term {op}(...)")
        return entry.z3(_THIS, t, a)


_THIS = sys.modules[__name__]
"""This module, handed to the ``z3`` meanings of the op table (``SymSeq``, ``select``, ...)."""


def _key_is(keys: Sequence[Sym], kt: Sequence[Any], mt: MapT | None = None) -> z3.BoolRef:
    """Whether the key structures ``keys`` are the key tuple ``kt`` (of map type ``mt``): an
    integer comparison for an enum key (its value is its index), structural equality for others."""
    if mt is None:
        return z3.And(*(k == v for k, v in zip(keys, kt)))
    return z3.And(
        *(k == v if isinstance(t, EnumT) else equal(k, from_const(t, v)) for k, v, t in zip(keys, kt, mt.keys))
    )


# -- machine-level helpers ---------------------------------------------------------------------


@dataclass
class SymState:
    """A symbolic state of a machine: one structure per variable plus its well-formedness."""

    vars: list[Sym]
    wf: list[z3.BoolRef]


def fresh_state(m: Any, prefix: str) -> SymState:
    """Fresh variables for every state variable of machine ``m`` (names ``prefix.var``)."""
    out, cons = [], []
    for n, t in m.variables:
        x, c = fresh(t, f"{prefix}.{n}")
        out.append(x)
        cons += c
    return SymState(out, cons)


def const_state(m: Any, s: Sequence[Any]) -> SymState:
    return SymState([from_const(t, v) for (_, t), v in zip(m.variables, s)], [])


def state_equal(m: Any, a: Sequence[Sym], b: Sequence[Sym]) -> z3.BoolRef:
    return z3.And(*(equal(x, y) for x, y in zip(a, b)))


def is_start(m: Any, st: SymState) -> z3.BoolRef:
    """The start-state predicate: the state equals one of ``m.start_states``."""
    return z3.Or(*(state_equal(m, st.vars, const_state(m, s0).vars) for s0 in m.start_states))


@dataclass
class SymStep:
    """One action instance applied to a symbolic state."""

    guard: z3.BoolRef
    in_bounds: z3.BoolRef
    post: list[Sym]


def step(m: Any, inst: Any, pre: Sequence[Sym], ev: Evaluator | None = None) -> SymStep:
    """Apply action instance ``inst`` symbolically. The step happens iff ``guard ∧ in_bounds``."""
    ev = ev or Evaluator(pre)
    guard = ev(inst.guard)
    post = list(pre)
    bounds: list[z3.BoolRef] = []
    for i, term in inst.writes:
        t = m.variables[i][1]
        v = ev(term)
        bounds += wf(t, v)
        post[i] = fit(t, v)
    return SymStep(guard, z3.And(*bounds) if bounds else z3.BoolVal(True), post)


def model_state(m: Any, model: z3.ModelRef, st: Sequence[Sym]) -> tuple[Any, ...]:
    """The concrete state that ``model`` assigns to the symbolic state ``st``."""
    return tuple(evaluate(t, model, x) for (_, t), x in zip(m.variables, st))


def predicate(term: Term, st: Sequence[Sym]) -> z3.BoolRef:
    """A boolean term (invariant, precondition) as a Z3 formula over the symbolic state ``st``."""
    return Evaluator(st)(term)
