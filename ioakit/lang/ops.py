"""One table of the term language's operators: each op's type rule and its three meanings.

Every non-leaf op of ``ioakit.lang.ir`` (``ir.OPS`` minus ``const`` and ``var``) has one ``Op``
entry in ``OPS`` holding, side by side,

* ``type_rule``: the result type from the argument types (and the op's static datum), raising
  ``ir.TraceError`` with a message saying what was expected; the term constructors of ``ir``
  and the invariant DSL's checker read it;
* ``fold``: the concrete meaning on concrete values, ``fold(data, *values)`` — constant folding at
  trace time (``ir.mk``) and the reference the other two meanings are tested against;
* ``emit``: the Python source text the code generator (``ioakit.backends.codegen``) writes for a
  term, ``emit(emitter, term)``, the arguments' code coming from ``emitter.expr`` (shared
  subterms, conditional positions) — the fast concrete semantics the explorer runs;
* ``z3``: the meaning over Z3 structures, ``z3(Z, term, args)`` where ``Z`` is the
  ``ioakit.backends.symbolic`` module (its ``SymSeq``, ``SymSet``, ``select``, ``equal``, ...) and
  ``args`` the arguments' structures — what the prover reasons about.

Keeping the four in one entry is what keeps them from drifting apart: adding an op or a type is
one entry here, and ``tests/lang/test_ops.py`` checks, for every entry, that the fold, the
compiled emission and the Z3 meaning agree on random constant arguments.

The backends are passed in rather than imported (``emitter``, ``Z``) so that this module, like the
rest of ``ioakit.lang``, does not depend on them; and it does not import ``ir`` at load time
(``ir`` builds its fold table from this one), only where an error is raised.

Bags (``BagT``, finite multisets) are concretely a tuple of counts, one per element of the
element type's universe (``BagT.universe``), and symbolically a tuple of Z3 integers in the same
order. ``bag_remove`` of an absent element changes nothing (as ``set_remove``), in both meanings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .types import (
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
    contained,
    join,
    same_shape,
    universe_size,
    unordered_part,
)

BOOL = BoolT()

SMALL_MAP = 8
"""Maps with at most this many entries are updated at a constant key by spelling out the new
tuple (``(m[0], v, m[2])``) rather than slicing and concatenating."""


def fail(msg: str) -> None:
    """Raise ``ir.TraceError`` at the user's line (as every term constructor does)."""
    from . import ir

    raise ir.TraceError(f"{ir._user_location()}\n  {msg}")


def need(cond: bool, msg: str) -> None:
    if not cond:
        fail(msg)


TypeRule = Callable[[tuple[Type, ...], Any, "Type | None"], Type]
"""``rule(arg_types, data, declared) -> result type``; ``declared`` is the type a literal is built
at (``record``, ``seq_lit``, ``set_lit``, ``bag_lit``), ``None`` for the other ops."""


@dataclass(frozen=True)
class Op:
    """One operator: its type rule and its concrete, generated-Python and Z3 meanings."""

    name: str
    type_rule: TypeRule
    fold: Callable[..., Any]
    """``fold(data, *arg_values) -> value``."""
    emit: Callable[[Any, Any], str]
    """``emit(emitter, term) -> Python expression text``."""
    z3: Callable[[Any, Any, list[Any]], Any]
    """``z3(symbolic_module, term, arg_structures) -> structure``."""
    helpers: tuple[tuple[str, Callable[..., Any]], ...] = ()
    """Functions the emitted code calls by name (put in the generated code's namespace)."""


# -- small helpers for the type rules --------------------------------------------------------------


def _bag(t: Type, what: str) -> BagT:
    need(isinstance(t, BagT), f"{what} needs a bag, got {t}")
    return t  # type: ignore[return-value]


def _seq(t: Type) -> SeqT:
    need(isinstance(t, SeqT), f"expected a sequence, got {t}")
    return t  # type: ignore[return-value]


def _set(t: Type, what: str) -> SetT:
    need(isinstance(t, SetT), f"{what} needs a set, got {t}")
    return t  # type: ignore[return-value]


def _bools(op: str) -> TypeRule:
    def rule(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
        for t in ts:
            need(isinstance(t, BoolT), f"{op} of a non-boolean {t}")
        return BOOL

    return rule


def _ite_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    c, a, b = ts
    need(isinstance(c, BoolT), f"ite condition must be boolean, got {c}")
    need(same_shape(a, b), f"ite branches have different types {a} and {b}")
    return join(a, b)


def _eq_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    a, b = ts
    need(same_shape(a, b), f"cannot compare a {a} value with a {b} value")
    return BOOL


def _order_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    a, b = ts
    ok = (isinstance(a, IntT) and isinstance(b, IntT)) or (
        isinstance(a, EnumT) and isinstance(b, EnumT) and a.domain == b.domain
    )
    if isinstance(a, RecordT) or isinstance(b, RecordT):  # lexicographic: see "ordered records" below
        return _record_order_type(a, b)
    need(ok, f"cannot order {a} and {b} (only integers and elements of one domain are ordered)")
    return BOOL


def _arith(op: str) -> TypeRule:
    def rule(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
        a, b = ts
        need(isinstance(a, IntT) and isinstance(b, IntT), f"arithmetic needs integers, got {a} and {b}")
        la, ha, lb, hb = a.lo, a.hi, b.lo, b.hi  # type: ignore[attr-defined]
        if op == "add":
            return IntT(la + lb, ha + hb)
        if op == "sub":
            return IntT(la - hb, ha - lb)
        cs = [la * lb, la * hb, ha * lb, ha * hb]
        return IntT(min(cs), max(cs))

    return rule


def _field_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    (r,) = ts
    need(isinstance(r, RecordT) and 0 <= data < len(r.fields), f"no field {data} in {r}")
    return r.fields[data][1]  # type: ignore[attr-defined, no-any-return]


def _record_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    need(isinstance(declared, RecordT), f"a record literal needs a record type, got {declared}")
    rt: RecordT = declared  # type: ignore[assignment]
    need(len(ts) == len(rt.fields), f"{len(ts)}-tuple given where {rt} is expected")
    for (n, t), a in zip(rt.fields, ts):
        need(same_shape(t, a), f"field {n} of {rt.name} expects {t}, got {a}")
    return rt


def _seq_lit_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    st = _seq(declared)  # type: ignore[arg-type]
    for a in ts:
        need(same_shape(st.elem, a), f"a sequence of {st.elem} cannot hold a {a}")
    return SeqT(st.elem, max(st.maxlen, len(ts)))


def _seq_len_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    return IntT(0, _seq(ts[0]).maxlen)


def _seq_at_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    st = _seq(ts[0])
    need(isinstance(ts[1], IntT), f"sequence index must be an integer, got {ts[1]}")
    return st.elem


def _seq_append_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    st = _seq(ts[0])
    need(same_shape(st.elem, ts[1]), f"cannot append a {ts[1]} to a sequence of {st.elem}")
    return SeqT(join(st.elem, ts[1]), st.maxlen)


def _seq_tail_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    return _seq(ts[0])


def _seq_remove_at_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    need(isinstance(ts[1], IntT), f"sequence index must be an integer, got {ts[1]}")
    return _seq(ts[0])


def _seq_concat_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    a, b = _seq(ts[0]), _seq(ts[1])
    need(same_shape(a.elem, b.elem), f"cannot concatenate {a} and {b}")
    return SeqT(join(a.elem, b.elem), max(a.maxlen, b.maxlen))


def _seq_prefix_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    _seq(ts[0])
    _seq(ts[1])
    need(same_shape(ts[0], ts[1]), f"prefix of different sequence types {ts[0]} and {ts[1]}")
    return BOOL


def _seq_contains_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    st = _seq(ts[0])
    need(same_shape(st.elem, ts[1]), f"membership of a {ts[1]} in {st}")
    return BOOL


def _seq_elems_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    st = _seq(ts[0])
    need(st.elem.finite, f"range() of a sequence of {st.elem} (not a finite type)")
    return SetT(st.elem)


def _set_lit_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    """A literal's type is the declared set type, widened by elements of a wider type (an integer
    beyond its range, ⊥): the value may then hold elements the declared type does not, and a
    state variable it is stored in is bound-checked (a cut step), in both semantics."""
    st = _set(declared, "a set literal")  # type: ignore[arg-type]
    elem = st.elem
    for a in ts:
        need(same_shape(st.elem, a), f"a set of {st.elem} cannot hold a {a}")
        elem = elem if contained(a, elem) else join(elem, a)
    return st if elem == st.elem else SetT(elem)


def _set_member_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    x, s = ts
    st = _set(s, "membership")
    need(same_shape(st.elem, x), f"membership of a {x} in {st}")
    return BOOL


def _set_elem_op(op: str) -> TypeRule:
    def rule(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
        st = _set(ts[0], op[4:])
        need(same_shape(st.elem, ts[1]), f"{op[4:]} of a {ts[1]} to {st}")
        if op == "set_add" and not contained(ts[1], st.elem):  # see _set_lit_type
            return SetT(join(st.elem, ts[1]))
        return st

    return rule


def _set_set_op(op: str) -> TypeRule:
    def rule(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
        a = _set(ts[0], op[4:])
        need(same_shape(a, ts[1]), f"{op[4:]} of {a} and {ts[1]}")
        return BOOL if op == "set_subset" else join(a, ts[1])

    return rule


def _set_card_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    need(isinstance(ts[0], SetT), f"cardinality of a non-set {ts[0]}")
    return IntT(0, ts[0].max_card())  # type: ignore[attr-defined]


def _map_keys_ok(mt: MapT, ks: tuple[Type, ...]) -> None:
    need(len(ks) == len(mt.keys), f"{mt} takes {len(mt.keys)} key(s), got {len(ks)}")
    for k, kt in zip(ks, mt.keys):
        if isinstance(kt, EnumT):
            need(
                isinstance(k, EnumT) and k.domain == kt.domain,
                f"map key must be an element of {kt.domain.name}, got {k}",
            )
        else:  # any finite key type: a value of the same shape (one outside it names no entry)
            need(same_shape(k, kt), f"map key must be a {kt} value, got {k}")


def _map_get_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    mt = ts[0]
    need(isinstance(mt, MapT), f"indexing a non-map {mt} with keys")
    _map_keys_ok(mt, ts[1:])  # type: ignore[arg-type]
    return mt.val  # type: ignore[attr-defined, no-any-return]


def _map_put_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    mt = ts[0]
    need(isinstance(mt, MapT), f"storing into a non-map {mt}")
    _map_keys_ok(mt, ts[2:])  # type: ignore[arg-type]
    need(same_shape(mt.val, ts[1]), f"{mt} holds {mt.val}, cannot store a {ts[1]}")  # type: ignore[attr-defined]
    return mt


def _bag_lit_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    bt = _bag(declared, "a bag literal")  # type: ignore[arg-type]
    for a in ts:
        need(same_shape(bt.elem, a), f"a bag of {bt.elem} cannot hold a {a}")
    return bt


def _bag_elem_type(op: str, result: Callable[[BagT], Type]) -> TypeRule:
    def rule(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
        b, x = (ts[1], ts[0]) if op == "bag_member" else (ts[0], ts[1])
        bt = _bag(b, op[4:])
        need(same_shape(bt.elem, x), f"{op[4:]} of a {x} with {bt}")
        return result(bt)

    return rule


def _bag_size_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    bt = _bag(ts[0], "size")
    return IntT(0, bt.bound * len(bt.universe()))


# -- concrete (fold) meanings ----------------------------------------------------------------------


def _py_seq_at(data: Any, s: tuple[Any, ...], i: int) -> Any:
    return s[i - 1] if 1 <= i <= len(s) else data


def _py_map_get(data: Any, m: tuple[Any, ...], *key: int) -> Any:
    mt, default = data
    i = mt.flat_index(key)
    return m[i] if i >= 0 else default


def _py_map_put(data: Any, m: tuple[Any, ...], v: Any, *key: int) -> tuple[Any, ...]:
    i = data.flat_index(key)
    return m if i < 0 else m[:i] + (v,) + m[i + 1 :]


def _prefix(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) <= len(b) and b[: len(a)] == a


def _put(m: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    return m if i < 0 else m[:i] + (v,) + m[i + 1 :]


def _sort_key(x: Any) -> Any:
    """A total order on concrete values that also ranks ⊥ of an option (``None``) first."""
    if x is None:
        return (0,)
    if isinstance(x, tuple):
        return (1, tuple(_sort_key(y) for y in x))
    if isinstance(x, frozenset):
        return (1, tuple(sorted(_sort_key(y) for y in x)))
    return (1, x)


def _insort(s: tuple[Any, ...], x: Any) -> tuple[Any, ...]:
    """``x`` inserted after the entries ≤ x, counted: for an ascending ``s`` that is after its
    equals, so an ascending sequence used as a multiset keeps its one canonical order (and the
    meaning is total, the same as Z3's, on any sequence)."""
    try:
        i = sum(1 for y in s if y <= x)
    except TypeError:  # values holding ⊥ of an option (None) or sets: compare by a total key
        kx = _sort_key(x)
        i = sum(1 for y in s if _sort_key(y) <= kx)
    return s[:i] + (x,) + s[i:]


def _remove_at(s: tuple[Any, ...], i: int) -> tuple[Any, ...]:
    """``s`` without its ``i``-th entry (1-based); no change outside ``1..len(s)``."""
    return s[: i - 1] + s[i:] if 1 <= i <= len(s) else s


def _bag_add(b: tuple[int, ...], i: int) -> tuple[int, ...]:
    """One more copy of the element at universe index ``i`` (``-1``: not an element, no change)."""
    return b if i < 0 else b[:i] + (b[i] + 1,) + b[i + 1 :]


def _bag_remove(b: tuple[int, ...], i: int) -> tuple[int, ...]:
    """One copy fewer of the element at universe index ``i``; none there (or ``-1``): no change."""
    return b if i < 0 or b[i] == 0 else b[:i] + (b[i] - 1,) + b[i + 1 :]


def _bag_count(b: tuple[int, ...], i: int) -> int:
    return b[i] if i >= 0 else 0


def _py_bag_lit(data: BagT, *xs: Any) -> tuple[int, ...]:
    counts = [0] * len(data.universe())
    for x in xs:
        i = data.index(x)
        if i >= 0:
            counts[i] += 1
    return tuple(counts)


# -- Python emission -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """Emission by a format string over the arguments' code: ``Template("({0} + {1})")``.

    The arguments are emitted in the order ``order`` (default: argument order; the order matters,
    as the first emission of a shared subterm is where it is bound), those in ``cond`` in a
    conditional position. The code generator applies templates inline (``_Emitter._expr``): one
    Python frame less per term level than a call, which keeps deep terms within the recursion
    limit as before the table existed."""

    text: str
    order: tuple[int, ...] = ()
    cond: frozenset[int] = frozenset()

    def __call__(self, em: Any, t: Any) -> str:
        args = t.args
        codes: list[str] = [""] * len(args)
        for i in self.order or range(len(args)):
            codes[i] = em.expr(args[i], i in self.cond)
        return self.text.format(*codes)


_fmt = Template


def _emit_nary(op: str) -> Callable[[Any, Any], str]:
    def emit(em: Any, t: Any) -> str:
        return "(" + f" {op} ".join(em.expr(a, n > 0) for n, a in enumerate(t.args)) + ")"

    return emit


def _emit_tuple(em: Any, t: Any) -> str:
    return "(" + "".join(em.expr(x) + ", " for x in t.args) + ")"


def _emit_seq_at(em: Any, t: Any) -> str:
    a = t.args
    default = em.const(type(t)("const", (), t.type, t.data))
    if a[1].op == "const":
        k = a[1].data
        if k < 1:
            return default  # type: ignore[no-any-return]
        setup, use = em.atom(a[0], False)
        return f"({use}[{k - 1}] if len({setup}) >= {k} else {default})"
    s_setup, s_use = em.atom(a[0], False)
    i_setup, i_use = em.atom(a[1], False)
    return f"({s_use}[{i_use} - 1] if 1 <= {i_setup} <= len({s_setup}) else {default})"


def _emit_set_lit(em: Any, t: Any) -> str:
    return "frozenset((" + "".join(em.expr(x) + ", " for x in t.args) + "))"


def _emit_map_get(em: Any, t: Any) -> str:
    a = t.args
    mt, default = t.data
    dflt = em.const(type(t)("const", (), mt.val, default))
    idx, guard = em.key_index(mt, a[1:])
    if guard is None:
        return f"{em.expr(a[0])}[{idx}]"
    if guard == "False":  # a constant ⊥ key: the default, the map is not evaluated
        return dflt  # type: ignore[no-any-return]
    # the map is evaluated only when the key is valid: a conditional position, which must
    # not bind shared temporaries (later uses would find them unassigned)
    return f"({em.expr(a[0], True)}[{idx}] if {guard} else {dflt})"


def _emit_map_put(em: Any, t: Any) -> str:
    a = t.args
    mt = t.data
    if all(k.op == "const" for k in a[2:]):
        idx, guard = em.key_index(mt, a[2:])
        if guard is not None:  # a constant ⊥ key: the write changes nothing (value not evaluated)
            return em.expr(a[0])  # type: ignore[no-any-return]
        i = int(idx)
        if mt.size == 1:
            return f"({em.expr(a[1])},)"
        m_setup, m_use = em.atom(a[0], False)
        v = em.expr(a[1])
        if mt.size <= SMALL_MAP:  # spelt out: one tuple built, no slices
            slots = [v if j == i else None for j in range(mt.size)]
            first = next(j for j in range(mt.size) if j != i)
            for j in range(mt.size):
                if j != i:
                    slots[j] = f"{m_setup if j == first else m_use}[{j}]"
            return "(" + "".join(f"{x}, " for x in slots) + ")"
        return f"({m_setup}[:{i}] + ({v},) + {m_use}[{i + 1}:])"
    m = em.expr(a[0])
    idx, guard = em.key_index(mt, a[2:])
    index = idx if guard is None else f"({idx} if {guard} else -1)"
    return f"_put({m}, {index}, {em.expr(a[1], True)})"


def _bag_index_code(em: Any, bt: BagT, x: Any) -> str:
    """Code for the universe index of the element ``x``: a literal for a constant element, else a
    lookup in the bag type's index table (one name per bag type in the generated code)."""
    if x.op == "const":
        return str(bt.index(x.data))
    key = ("bag index", bt)
    name = em.consts.get(key)
    if name is None:
        name = f"_c{len(em.ns)}"
        em.ns[name] = bt.index_table()
        em.consts[key] = name
    return f"{name}.get({em.expr(x, True)}, -1)"


def _emit_bag_lit(em: Any, t: Any) -> str:
    empty = em.const(type(t)("const", (), t.type, (0,) * len(t.data.universe())))
    code = empty
    for x in t.args:
        code = f"_bag_add({code}, {_bag_index_code(em, t.data, x)})"
    return code  # type: ignore[no-any-return]


def _emit_bag_update(helper: str) -> Callable[[Any, Any], str]:
    def emit(em: Any, t: Any) -> str:
        b = em.expr(t.args[0])
        return f"{helper}({b}, {_bag_index_code(em, t.data, t.args[1])})"

    return emit


def _emit_bag_count(em: Any, t: Any) -> str:
    b, x = t.args
    if x.op == "const":
        i = t.data.index(x.data)
        return f"{em.expr(b)}[{i}]" if i >= 0 else "0"
    return f"_bag_count({em.expr(b)}, {_bag_index_code(em, t.data, x)})"


def _emit_bag_member(em: Any, t: Any) -> str:
    x, b = t.args
    if x.op == "const":
        i = t.data.index(x.data)
        return f"({em.expr(b)}[{i}] > 0)" if i >= 0 else "False"
    return f"(_bag_count({em.expr(b)}, {_bag_index_code(em, t.data, x)}) > 0)"


# -- Z3 meanings -----------------------------------------------------------------------------------


def _z3_seq_lit(Z: Any, t: Any, a: list[Any]) -> Any:
    st = t.type
    return Z.SymSeq(Z.z3.IntVal(len(a)), tuple(a), Z.from_const(st.elem, st.elem.default()))


def _z3_seq_at(Z: Any, t: Any, a: list[Any]) -> Any:
    s, i = a
    idx = t.args[1]
    if idx.op == "const":
        return s.get(idx.data - 1)
    return Z._index_chain([(i == j + 1, s.get(j)) for j in range(len(s.elems))], s.default)


def _z3_seq_append(Z: Any, t: Any, a: list[Any]) -> Any:
    s, x = a
    cap = len(s.elems)
    elems = [Z.select(s.len == j, x, s.get(j)) for j in range(cap + 1)]
    return Z.SymSeq(s.len + 1, tuple(elems), s.default)


def _z3_seq_tail(Z: Any, t: Any, a: list[Any]) -> Any:
    s = a[0]
    cap = len(s.elems)
    return Z.SymSeq(Z.z3.If(s.len > 0, s.len - 1, 0), tuple(s.get(j + 1) for j in range(cap)), s.default)


def _z3_seq_insort(Z: Any, t: Any, a: list[Any]) -> Any:
    """Position = how many entries are ≤ x (the fold's count); later entries shift by one."""
    elem = t.args[0].type.elem
    if unordered_part(elem) is not None:
        raise Z.NoSymbolicEncoding(
            f"insert_sorted of {elem} values (a network's canonical multiset of in-flight messages) has no Z3 "
            "encoding yet (Z3 orders only ints, enums, booleans and records of them): models on the "
            "message-passing substrate run in the concrete semantics (exploration, simulation)"
        )
    z3 = Z.z3
    s, x = a
    cap = len(s.elems)
    pos = z3.Sum(*[z3.If(z3.And(j < s.len, _z3_lex(Z, elem, s.get(j), x, False)), 1, 0) for j in range(cap)])
    if not cap:
        pos = z3.IntVal(0)
    elems = []
    for i in range(cap + 1):
        before = s.get(i) if i < cap else s.default
        after = s.get(i - 1) if i > 0 else s.default
        elems.append(Z.select(i < pos, before, Z.select(pos == i, x, after)))
    return Z.SymSeq(s.len + 1, tuple(elems), s.default)


def _z3_seq_remove_at(Z: Any, t: Any, a: list[Any]) -> Any:
    s, i = a
    cap = len(s.elems)
    inside = Z.z3.And(i >= 1, i <= s.len)
    elems = tuple(Z.select(Z.z3.And(inside, i <= j + 1), s.get(j + 1), s.get(j)) for j in range(cap))
    return Z.SymSeq(Z.z3.If(inside, s.len - 1, s.len), elems, s.default)


def _z3_seq_concat(Z: Any, t: Any, a: list[Any]) -> Any:
    x, y = a
    elems = []
    for j in range(len(x.elems) + len(y.elems)):
        from_y = Z._index_chain([(j - x.len == k, y.get(k)) for k in range(len(y.elems))], y.default)
        elems.append(Z.select(x.len > j, x.get(j), from_y))
    return Z.SymSeq(x.len + y.len, tuple(elems), x.default)


def _z3_seq_prefix(Z: Any, t: Any, a: list[Any]) -> Any:
    x, y = a
    z3 = Z.z3
    return z3.And(x.len <= y.len, *(z3.Implies(x.len > j, Z.equal(x.get(j), y.get(j))) for j in range(len(x.elems))))


def _z3_seq_contains(Z: Any, t: Any, a: list[Any]) -> Any:
    s, x = a
    z3 = Z.z3
    return z3.Or(*(z3.And(s.len > j, Z.equal(s.get(j), x)) for j in range(len(s.elems))))


def _z3_seq_elems(Z: Any, t: Any, a: list[Any]) -> Any:
    s = a[0]
    st = t.type
    z3 = Z.z3
    return Z.SymSet(
        {
            u: z3.Or(*(z3.And(s.len > j, Z.equal(s.get(j), Z.from_const(st.elem, u))) for j in range(len(s.elems))))
            for u in st.universe()
        }
    )


def _z3_set_lit(Z: Any, t: Any, a: list[Any]) -> Any:
    st = t.type
    return Z.SymSet({u: Z.z3.Or(*(Z.equal(x, Z.from_const(st.elem, u)) for x in a)) for u in st.universe()})


def _z3_set_member(Z: Any, t: Any, a: list[Any]) -> Any:
    x, s = a
    et = t.args[1].type.elem
    if t.args[0].op == "const":
        return s.has(t.args[0].data)
    return Z.z3.Or(*(Z.z3.And(b, Z.equal(x, Z.from_const(et, u))) for u, b in s.bits.items()))


def _z3_set_add(Z: Any, t: Any, a: list[Any]) -> Any:
    s, x = a
    et = t.type.elem  # the result's universe: wider than the set's when x may lie outside it
    return Z.SymSet({u: Z.z3.Or(s.has(u), Z.equal(x, Z.from_const(et, u))) for u in t.type.universe()})


def _z3_set_remove(Z: Any, t: Any, a: list[Any]) -> Any:
    s, x = a
    et = t.args[0].type.elem
    return Z.SymSet({u: Z.z3.And(b, Z.z3.Not(Z.equal(x, Z.from_const(et, u)))) for u, b in s.bits.items()})


def _z3_set_set(op: str) -> Callable[[Any, Any, list[Any]], Any]:
    def meaning(Z: Any, t: Any, a: list[Any]) -> Any:
        x, y = a
        z3 = Z.z3
        keys = list(dict.fromkeys([*x.bits, *y.bits]))
        if op == "set_union":
            return Z.SymSet({k: z3.Or(x.has(k), y.has(k)) for k in keys})
        if op == "set_inter":
            return Z.SymSet({k: z3.And(x.has(k), y.has(k)) for k in keys})
        if op == "set_diff":
            return Z.SymSet({k: z3.And(x.has(k), z3.Not(y.has(k))) for k in keys})
        return z3.And(*(z3.Implies(x.has(k), y.has(k)) for k in keys))

    return meaning


def _z3_set_card(Z: Any, t: Any, a: list[Any]) -> Any:
    z3 = Z.z3
    return z3.Sum(*(z3.If(b, 1, 0) for b in a[0].bits.values())) if a[0].bits else z3.IntVal(0)


# == ordered records and sorted sets ==================================================================
# Records and tuples are ordered lexicographically by field order when every field is ordered
# (integers, enums with ⊥ least, Bool with false < true, ordered records): the FLS labels
# ``L = G × N × P``. ``lt``/``le`` keep one entry each: the concrete meaning is Python's tuple
# comparison, which is exactly that order on the concrete values (ints, enum indices with ⊥ =
# -1, bools, nested tuples); the Z3 meaning expands it field by field. ``set_sorted`` lists a set
# of an ordered element type in ascending order, as a sequence of at most ``data`` entries (the
# first ``data`` elements when the set is larger).


def _record_order_type(a: Type, b: Type) -> Type:
    """The type rule of ``lt``/``le`` on records: same shape, every field ordered."""
    need(
        isinstance(a, RecordT) and isinstance(b, RecordT) and same_shape(a, b),
        f"cannot order {a} and {b} (a record is ordered only against a record of the same shape)",
    )
    bad = unordered_part(a)
    need(
        bad is None,
        f"cannot order {a} values: {bad} is not ordered (records and tuples are ordered "
        f"lexicographically when every field is an integer, an enum, a Bool or an ordered record)",
    )
    return BOOL


def _z3_lex(Z: Any, t: Type, x: Any, y: Any, strict: bool) -> Any:
    """``x < y`` (``strict``) or ``x <= y`` on the Z3 structures of values of the ordered type ``t``."""
    z3 = Z.z3
    if isinstance(t, RecordT):
        out = z3.BoolVal(not strict)
        for (_, ft), xf, yf in reversed(list(zip(t.fields, x, y))):
            out = z3.Or(_z3_lex(Z, ft, xf, yf, True), z3.And(Z.equal(xf, yf), out))
        return out
    if isinstance(t, BoolT):
        return z3.And(z3.Not(x), y) if strict else z3.Or(z3.Not(x), y)
    return x < y if strict else x <= y


def _z3_order(strict: bool) -> Callable[[Any, Any, list[Any]], Any]:
    def meaning(Z: Any, t: Any, a: list[Any]) -> Any:
        return _z3_lex(Z, t.args[0].type, a[0], a[1], strict)

    return meaning


def _set_sorted_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    st = _set(ts[0], "sorted")
    bad = unordered_part(st.elem)
    need(bad is None, f"sorted needs a set of ordered elements, but {bad} is not ordered")
    need(isinstance(data, int) and data >= 0, f"sorted needs a non-negative maximal length, got {data!r}")
    return SeqT(st.elem, data)


def _py_set_sorted(n: int, s: frozenset[Any]) -> tuple[Any, ...]:
    return tuple(sorted(s)[:n])


def _emit_set_sorted(em: Any, t: Any) -> str:
    code = em.expr(t.args[0])
    if t.data >= universe_size(t.args[0].type.elem, t.data + 1):  # never longer than maxlen
        return f"tuple(sorted({code}))"
    return f"tuple(sorted({code})[:{t.data}])"


def _z3_set_sorted(Z: Any, t: Any, a: list[Any]) -> Any:
    """Position ``i`` holds the universe element that is a member and has exactly ``i`` members
    before it in the order; the length is the cardinality, capped at the maximal length."""
    z3 = Z.z3
    s = a[0]
    elem = t.type.elem
    universe = sorted(set(t.args[0].type.universe()) | set(s.bits))
    bits = [s.has(u) for u in universe]
    before: list[Any] = []  # before[j]: the number of members among universe[:j]
    count: Any = z3.IntVal(0)
    for b in bits:
        before.append(count)
        count = count + z3.If(b, 1, 0)
    n = t.data
    default = Z.from_const(elem, elem.default())
    elems = tuple(
        Z._index_chain(
            [(z3.And(bits[j], before[j] == i), Z.from_const(elem, universe[j])) for j in range(i, len(universe))],
            default,
        )
        for i in range(n)
    )
    return Z.SymSeq(z3.If(count > n, n, count), elems, default)


# == (end of ordered records and sorted sets) =========================================================


def _z3_map_get(Z: Any, t: Any, a: list[Any]) -> Any:
    mt, default = t.data
    m, keys, kterms = a[0], a[1:], t.args[1:]
    if all(k.op == "const" for k in kterms):
        i = mt.flat_index([k.data for k in kterms])
        return m[i] if i >= 0 else Z.from_const(mt.val, default)
    cases = [(Z._key_is(keys, kt, mt), m[i]) for i, kt in enumerate(mt.key_tuples())]
    return Z._index_chain(cases, Z.from_const(mt.val, default))


def _z3_map_put(Z: Any, t: Any, a: list[Any]) -> Any:
    mt = t.data
    m, v, keys, kterms = a[0], a[1], a[2:], t.args[2:]
    if all(k.op == "const" for k in kterms):
        i = mt.flat_index([k.data for k in kterms])
        return m if i < 0 else tuple(v if j == i else m[j] for j in range(len(m)))
    return tuple(Z.select(Z._key_is(keys, kt, mt), v, m[i]) for i, kt in enumerate(mt.key_tuples()))


def _z3_is_elem(Z: Any, bt: BagT, x: Any, xterm: Any, u: Any) -> Any:
    """Whether the element ``x`` (term ``xterm``) is the universe element ``u``."""
    if xterm.op == "const":
        return Z.z3.BoolVal(xterm.data == u)
    return Z.equal(x, Z.from_const(bt.elem, u))


def _z3_bag_lit(Z: Any, t: Any, a: list[Any]) -> Any:
    bt: BagT = t.data
    z3 = Z.z3
    return tuple(
        z3.Sum(*(z3.If(_z3_is_elem(Z, bt, x, xt, u), 1, 0) for x, xt in zip(a, t.args))) if a else z3.IntVal(0)
        for u in bt.universe()
    )


def _z3_bag_add(Z: Any, t: Any, a: list[Any]) -> Any:
    b, x = a
    bt: BagT = t.data
    z3 = Z.z3
    return tuple(z3.If(_z3_is_elem(Z, bt, x, t.args[1], u), c + 1, c) for u, c in zip(bt.universe(), b))


def _z3_bag_remove(Z: Any, t: Any, a: list[Any]) -> Any:
    b, x = a
    bt: BagT = t.data
    z3 = Z.z3
    return tuple(z3.If(z3.And(_z3_is_elem(Z, bt, x, t.args[1], u), c > 0), c - 1, c) for u, c in zip(bt.universe(), b))


def _z3_bag_count_of(Z: Any, bt: BagT, b: Any, x: Any, xterm: Any) -> Any:
    if xterm.op == "const":
        i = bt.index(xterm.data)
        return b[i] if i >= 0 else Z.z3.IntVal(0)
    return Z._index_chain([(Z.equal(x, Z.from_const(bt.elem, u)), c) for u, c in zip(bt.universe(), b)], Z.z3.IntVal(0))


def _z3_bag_count(Z: Any, t: Any, a: list[Any]) -> Any:
    return _z3_bag_count_of(Z, t.data, a[0], a[1], t.args[1])


def _z3_bag_member(Z: Any, t: Any, a: list[Any]) -> Any:
    return _z3_bag_count_of(Z, t.data, a[1], a[0], t.args[0]) > 0


def _z3_bag_size(Z: Any, t: Any, a: list[Any]) -> Any:
    return Z.z3.Sum(*a[0]) if a[0] else Z.z3.IntVal(0)


# -- the table -------------------------------------------------------------------------------------


def _op(
    name: str,
    type_rule: TypeRule,
    fold: Callable[..., Any],
    emit: Callable[[Any, Any], str],
    z3: Callable[[Any, Any, list[Any]], Any],
    helpers: tuple[tuple[str, Callable[..., Any]], ...] = (),
) -> tuple[str, Op]:
    return name, Op(name, type_rule, fold, emit, z3, helpers)


def _z(fn: Callable[..., Any]) -> Callable[[Any, Any, list[Any]], Any]:
    """A Z3 meaning that needs only the arguments' structures (and the ``z3`` module)."""
    return lambda Z, t, a: fn(Z.z3, *a)


_BAG_HELPERS = (("_bag_add", _bag_add), ("_bag_remove", _bag_remove), ("_bag_count", _bag_count))

OPS: dict[str, Op] = dict(
    [
        _op("not", _bools("not"), lambda _, a: not a, _fmt("(not {0})"), _z(lambda z3, a: z3.Not(a))),
        _op("and", _bools("and"), lambda _, *a: all(a), _emit_nary("and"), _z(lambda z3, *a: z3.And(*a))),
        _op("or", _bools("or"), lambda _, *a: any(a), _emit_nary("or"), _z(lambda z3, *a: z3.Or(*a))),
        _op(
            "ite",
            _ite_type,
            lambda _, c, a, b: a if c else b,
            _fmt("({1} if {0} else {2})", cond=frozenset({1, 2})),
            lambda Z, t, a: Z.select(*a),
        ),
        _op("eq", _eq_type, lambda _, a, b: a == b, _fmt("({0} == {1})"), lambda Z, t, a: Z.equal(*a)),
        _op("lt", _order_type, lambda _, a, b: a < b, _fmt("({0} < {1})"), _z3_order(strict=True)),
        _op("le", _order_type, lambda _, a, b: a <= b, _fmt("({0} <= {1})"), _z3_order(strict=False)),
        _op("add", _arith("add"), lambda _, a, b: a + b, _fmt("({0} + {1})"), _z(lambda z3, a, b: a + b)),
        _op("sub", _arith("sub"), lambda _, a, b: a - b, _fmt("({0} - {1})"), _z(lambda z3, a, b: a - b)),
        _op("mul", _arith("mul"), lambda _, a, b: a * b, _fmt("({0} * {1})"), _z(lambda z3, a, b: a * b)),
        _op(
            "field",
            _field_type,
            lambda i, r: r[i],
            lambda em, t: f"{em.expr(t.args[0])}[{t.data}]",  # the datum: not a template
            lambda Z, t, a: a[0][t.data],
        ),
        _op("record", _record_type, lambda _, *xs: tuple(xs), _emit_tuple, lambda Z, t, a: tuple(a)),
        _op("seq_lit", _seq_lit_type, lambda _, *xs: tuple(xs), _emit_tuple, _z3_seq_lit),
        _op("seq_len", _seq_len_type, lambda _, s: len(s), _fmt("len({0})"), lambda Z, t, a: a[0].len),
        _op("seq_at", _seq_at_type, _py_seq_at, _emit_seq_at, _z3_seq_at),
        _op("seq_append", _seq_append_type, lambda _, s, x: (*s, x), _fmt("({0} + ({1},))"), _z3_seq_append),
        _op("seq_tail", _seq_tail_type, lambda _, s: s[1:], _fmt("{0}[1:]"), _z3_seq_tail),
        _op(
            "seq_insort",
            _seq_append_type,
            lambda _, s, x: _insort(s, x),
            _fmt("_insort({0}, {1})"),
            _z3_seq_insort,
            (("_insort", _insort),),
        ),
        _op(
            "seq_remove_at",
            _seq_remove_at_type,
            lambda _, s, i: _remove_at(s, i),
            _fmt("_remove_at({0}, {1})"),
            _z3_seq_remove_at,
            (("_remove_at", _remove_at),),
        ),
        _op("seq_concat", _seq_concat_type, lambda _, a, b: a + b, _fmt("({0} + {1})"), _z3_seq_concat),
        _op(
            "seq_prefix",
            _seq_prefix_type,
            lambda _, a, b: _prefix(a, b),
            _fmt("_prefix({0}, {1})"),
            _z3_seq_prefix,
            (("_prefix", _prefix),),
        ),
        _op(
            "seq_contains",
            _seq_contains_type,
            lambda _, s, x: x in s,
            _fmt("({1} in {0})", order=(1, 0)),
            _z3_seq_contains,
        ),
        _op("seq_elems", _seq_elems_type, lambda _, s: frozenset(s), _fmt("frozenset({0})"), _z3_seq_elems),
        _op("set_lit", _set_lit_type, lambda _, *xs: frozenset(xs), _emit_set_lit, _z3_set_lit),
        _op("set_member", _set_member_type, lambda _, x, s: x in s, _fmt("({0} in {1})"), _z3_set_member),
        _op("set_add", _set_elem_op("set_add"), lambda _, s, x: s | {x}, _fmt("({0} | {{{1}}})"), _z3_set_add),
        _op("set_remove", _set_elem_op("set_remove"), lambda _, s, x: s - {x}, _fmt("({0} - {{{1}}})"), _z3_set_remove),
        _op(
            "set_union", _set_set_op("set_union"), lambda _, a, b: a | b, _fmt("({0} | {1})"), _z3_set_set("set_union")
        ),
        _op(
            "set_inter", _set_set_op("set_inter"), lambda _, a, b: a & b, _fmt("({0} & {1})"), _z3_set_set("set_inter")
        ),
        _op("set_diff", _set_set_op("set_diff"), lambda _, a, b: a - b, _fmt("({0} - {1})"), _z3_set_set("set_diff")),
        _op(
            "set_subset",
            _set_set_op("set_subset"),
            lambda _, a, b: a <= b,
            _fmt("({0} <= {1})"),
            _z3_set_set("set_subset"),
        ),
        _op("set_card", _set_card_type, lambda _, s: len(s), _fmt("len({0})"), _z3_set_card),
        _op("set_sorted", _set_sorted_type, _py_set_sorted, _emit_set_sorted, _z3_set_sorted),  # ordered records
        _op("map_get", _map_get_type, _py_map_get, _emit_map_get, _z3_map_get),
        _op("map_put", _map_put_type, _py_map_put, _emit_map_put, _z3_map_put, (("_put", _put),)),
        _op("bag_lit", _bag_lit_type, _py_bag_lit, _emit_bag_lit, _z3_bag_lit, _BAG_HELPERS),
        _op(
            "bag_add",
            _bag_elem_type("bag_add", lambda bt: bt),
            lambda bt, b, x: _bag_add(b, bt.index(x)),
            _emit_bag_update("_bag_add"),
            _z3_bag_add,
            _BAG_HELPERS,
        ),
        _op(
            "bag_remove",
            _bag_elem_type("bag_remove", lambda bt: bt),
            lambda bt, b, x: _bag_remove(b, bt.index(x)),
            _emit_bag_update("_bag_remove"),
            _z3_bag_remove,
            _BAG_HELPERS,
        ),
        _op(
            "bag_count",
            _bag_elem_type("bag_count", lambda bt: IntT(0, bt.bound)),
            lambda bt, b, x: _bag_count(b, bt.index(x)),
            _emit_bag_count,
            _z3_bag_count,
            _BAG_HELPERS,
        ),
        _op(
            "bag_member",
            _bag_elem_type("bag_member", lambda bt: BOOL),
            lambda bt, x, b: _bag_count(b, bt.index(x)) > 0,
            _emit_bag_member,
            _z3_bag_member,
            _BAG_HELPERS,
        ),
        _op("bag_size", _bag_size_type, lambda _, b: sum(b), _fmt("sum({0})"), _z3_bag_size),
    ]
)
"""op name -> ``Op``, for every op of the term language except the leaves ``const`` and ``var``."""


# ==================================================================================================
# Tagged unions (``UnionT``) and options (``OptionT``)
#
# A union value is concretely ``(tag_index, payload)`` and symbolically a ``SymUnion``: a tag
# integer and one payload structure per variant, of which only the tag's is meaningful (the
# others are unconstrained in fresh states and take no part in equality). An option is
# concretely ``None`` (⊥) or the element's value, symbolically a ``SymOption`` (a presence bit
# and a payload, meaningful when present). ``union_as`` / ``opt_get`` of the wrong variant / of ⊥
# give the payload type's default, in all three meanings. Partial maps' domains (``ir.dom``) are
# built from ``map_get``, ``opt_is_some``, ``ite`` and ``set_union``: no op of their own.
# ==================================================================================================


def _union(t: Type, what: str) -> UnionT:
    need(isinstance(t, UnionT), f"{what} needs a tagged union, got {t}")
    return t  # type: ignore[return-value]


def _option(t: Type, what: str) -> OptionT:
    need(isinstance(t, OptionT), f"{what} needs an option (a value or ⊥), got {t}")
    return t  # type: ignore[return-value]


def _tag_ok(ut: UnionT, i: Any) -> None:
    need(isinstance(i, int) and 0 <= i < len(ut.variants), f"{ut} has no variant number {i}")


def _union_inj_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    """``inj(U, tag, x)``: the union type, widened in the tag's variant when ``x``'s type is wider
    (an integer beyond the range: a stored value is then bound-checked, as for sets)."""
    ut = _union(declared, "a variant constructor")  # type: ignore[arg-type]
    _tag_ok(ut, data)
    tag, vt = ut.variants[data]
    (x,) = ts
    need(same_shape(vt, x), f"variant {tag} of {ut} holds {vt}, got {x}")
    if contained(x, vt):
        return ut
    return UnionT(ut.name, tuple((n, join(t, x) if j == data else t) for j, (n, t) in enumerate(ut.variants)))


def _union_is_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    _tag_ok(_union(ts[0], "a tag test"), data)
    return BOOL


def _union_as_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    ut = _union(ts[0], "a variant's payload")
    _tag_ok(ut, data[0])
    return ut.variants[data[0]][1]


def _opt_some_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    (x,) = ts
    need(
        not isinstance(x, OptionT) and not (isinstance(x, EnumT) and x.bottom),
        f"some() of a value that may already be ⊥ ({x})",
    )
    if declared is None:
        return OptionT(x)
    ot = _option(declared, "some()")
    need(same_shape(ot.elem, x), f"{ot} holds {ot.elem} values, got {x}")
    return ot if contained(x, ot.elem) else OptionT(join(ot.elem, x))


def _opt_is_some_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    _option(ts[0], "is_some()")
    return BOOL


def _opt_get_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    return _option(ts[0], "get()").elem


def _py_union_as(data: Any, u: tuple[int, Any]) -> Any:
    i, default = data
    return u[1] if u[0] == i else default


def _emit_union_as(em: Any, t: Any) -> str:
    i, default = t.data
    dflt = em.const(type(t)("const", (), t.type, default))
    setup, use = em.atom(t.args[0], False)
    return f"({use}[1] if {setup}[0] == {i} else {dflt})"


def _emit_opt_is_some(em: Any, t: Any) -> str:
    o = t.args[0]
    if o.op == "const":  # not ``1 is not None`` (a SyntaxWarning): traced terms fold this anyway
        return repr(o.data is not None)
    return f"({em.expr(o)} is not None)"


def _emit_opt_get(em: Any, t: Any) -> str:
    dflt = em.const(type(t)("const", (), t.type, t.data))
    if t.args[0].op == "const":
        return em.const(t.args[0]) if t.args[0].data is not None else dflt  # type: ignore[no-any-return]
    setup, use = em.atom(t.args[0], False)
    return f"({dflt} if {setup} is None else {use})"


def _z3_union_inj(Z: Any, t: Any, a: list[Any]) -> Any:
    i = t.data
    payloads = tuple(a[0] if j == i else Z.from_const(vt, vt.default()) for j, (_, vt) in enumerate(t.type.variants))
    return Z.SymUnion(Z.z3.IntVal(i), payloads)


def _z3_union_as(Z: Any, t: Any, a: list[Any]) -> Any:
    i, default = t.data
    u = a[0]
    return Z.select(u.tag == i, u.payloads[i], Z.from_const(t.type, default))


def _z3_opt_get(Z: Any, t: Any, a: list[Any]) -> Any:
    o = a[0]
    return Z.select(o.present, o.payload, Z.from_const(t.type, t.data))


OPS.update(
    [
        _op(
            "union_inj",
            _union_inj_type,
            lambda i, x: (i, x),
            lambda em, t: f"({t.data}, {em.expr(t.args[0])})",
            _z3_union_inj,
        ),
        _op(
            "union_is",
            _union_is_type,
            lambda i, u: u[0] == i,
            lambda em, t: f"({em.expr(t.args[0])}[0] == {t.data})",
            lambda Z, t, a: a[0].tag == t.data,
        ),
        _op("union_as", _union_as_type, _py_union_as, _emit_union_as, _z3_union_as),
        _op(
            "opt_some",
            _opt_some_type,
            lambda _, x: x,  # the element's own value: ⊥ is None, never a value of the element type
            lambda em, t: em.expr(t.args[0]),
            lambda Z, t, a: Z.SymOption(Z.z3.BoolVal(True), a[0]),
        ),
        _op(
            "opt_is_some",
            _opt_is_some_type,
            lambda _, o: o is not None,
            _emit_opt_is_some,
            lambda Z, t, a: a[0].present,
        ),
        _op("opt_get", _opt_get_type, lambda d, o: d if o is None else o, _emit_opt_get, _z3_opt_get),
    ]
)

# ==================================================================================================
# end of tagged unions and options
# ==================================================================================================

# -- oracles: a boolean decided by a Python function of one value -----------------------------------


@dataclass(frozen=True, eq=False)
class Oracle:
    """A named, deterministic Python predicate on values of one type, for a property that the term
    language cannot state but a trusted checker decides: DynaStore's ``linearizable`` judges the
    history a state carries with the same linearizability checker that judges recorded traces. It
    must be a pure function of its argument (the explorer evaluates it once per new state, in any
    process). It has no Z3 meaning: a proof that reaches one says so."""

    name: str
    decide: Callable[[Any], bool]

    def __call__(self, x: Any) -> bool:
        return bool(self.decide(x))


def _oracle_type(ts: tuple[Type, ...], data: Any, declared: Type | None) -> Type:
    need(isinstance(data, Oracle), f"oracle needs an Oracle, got {data!r}")
    need(len(ts) == 1, f"oracle {data.name} takes one argument, got {len(ts)}")
    return BOOL


def _emit_oracle(em: Any, t: Any) -> str:
    from types import SimpleNamespace

    name = em.const(SimpleNamespace(type=BOOL, data=t.data))  # the oracle, by name in the namespace
    return f"{name}({em.expr(t.args[0])})"


def _z3_oracle(Z: Any, t: Any, a: list[Any]) -> Any:
    from .types import SchemaError

    raise SchemaError(
        f"{t.data.name} is decided by a Python checker (an oracle) and has no Z3 meaning: check it by "
        f"exploration or simulation"
    )


OPS.update([_op("oracle", _oracle_type, lambda fn, x: fn(x), _emit_oracle, _z3_oracle)])

LEAVES = frozenset({"const", "var"})


def result_type(op: str, arg_types: tuple[Type, ...], data: Any = None, declared: Type | None = None) -> Type:
    """The type of ``op`` applied to arguments of ``arg_types`` (``ir.TraceError`` if ill-typed)."""
    return OPS[op].type_rule(arg_types, data, declared)


def helpers() -> dict[str, Callable[..., Any]]:
    """Every function emitted code may call by name, for the generated code's namespace."""
    return {name: fn for op in OPS.values() for name, fn in op.helpers}
