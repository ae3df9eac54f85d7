"""The generated concrete code (ioakit.specs.codegen) means what the fold table ``ir.PY`` means.

Constant folding at trace time uses ``ir.PY``; the code generator re-implements every op as
inline Python text, with special cases for constant indices and keys, ⊥ keys and shared
subterms. For random concrete arguments, the compiled code of each op applied to *variable*
arguments (and to every mix of variable and constant arguments) must equal the folded constant;
random term DAGs with shared subterms under short-circuiting operators must compile to code
that agrees with a bottom-up evaluation by ``ir.PY``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioakit.specs import ir
from ioakit.specs.codegen import compile_terms
from ioakit.specs.ir import Term
from ioakit.specs.types import BoolT, Domain, EnumT, IntT, MapT, RecordT, SeqT, SetT, TupleT, Type

from ._strategies import values

P = Domain.numbered("P", 2, "p")
G = Domain.numbered("G", 2, "g", start=0)
B = BoolT()
I = IntT(-2, 3)
IDX = IntT(-1, 5)  # sequence indices, out of range on both sides included
EP, EPb, EG, EGb = EnumT(P), EnumT(P, True), EnumT(G), EnumT(G, True)
SEQ = SeqT(EP, 3)
VIEW = RecordT("view", (("id", EG), ("set", SetT(EP))))
SETP = SetT(EP)
SETV = SetT(VIEW)
MAP1 = MapT((EP,), SeqT(EP, 2))
MAP2 = MapT((EP, EG), IntT(0, 2))
_FAKE_MACHINE = SimpleNamespace(name="codegen-test")


@dataclass(frozen=True)
class Case:
    """One op at argument types: ``build`` makes the term from argument terms."""

    op: str
    arg_types: tuple[Type, ...]
    build: Callable[..., Term]

    def __str__(self) -> str:
        return f"{self.op}({', '.join(map(str, self.arg_types))})"


CASES: list[Case] = [
    Case("not", (B,), ir.Not),
    Case("and", (B, B, B), ir.And),
    Case("or", (B, B, B), ir.Or),
    *(Case("ite", (B, t, t), ir.ite) for t in (I, SEQ, EGb, SETP, VIEW, MAP1)),
    *(Case("eq", (t, u), ir.eq) for t, u in ((I, I), (SEQ, SEQ), (EGb, EG), (SETP, SETP), (VIEW, VIEW), (MAP2, MAP2),
                                              (B, B))),
    *(Case("lt", (t, t), lambda a, b: a < b) for t in (I, EGb)),
    *(Case("le", (t, t), lambda a, b: a <= b) for t in (I, EPb)),
    Case("add", (I, I), lambda a, b: a + b),
    Case("sub", (I, I), lambda a, b: a - b),
    Case("mul", (I, I), lambda a, b: a * b),
    Case("field", (VIEW,), lambda r: r.id),
    Case("field", (VIEW,), lambda r: r.set),
    Case("record", (EG, SETP), lambda g, s: ir.record(VIEW, g, s)),
    Case("seq_lit", (EP, EP), lambda a, b: ir.seq_lit(SEQ, a, b)),
    Case("seq_len", (SEQ,), lambda s: s.length),
    Case("seq_at", (SEQ, IDX), lambda s, i: s.at(i)),
    Case("seq_at", (SeqT(VIEW, 2), IDX), lambda s, i: s.at(i)),
    Case("seq_append", (SEQ, EP), lambda s, x: s.append(x)),
    Case("seq_tail", (SEQ,), lambda s: s.tail()),
    Case("seq_concat", (SEQ, SEQ), lambda a, b: a.concat(b)),
    Case("seq_prefix", (SEQ, SEQ), ir.prefix),
    Case("seq_contains", (SEQ, EP), lambda s, x: s.contains(x)),
    Case("seq_elems", (SEQ,), lambda s: s.elems()),
    Case("set_lit", (EP, EP), lambda a, b: ir.set_lit(SETP, a, b)),
    Case("set_member", (SETP, EP), lambda s, x: s.contains(x)),
    Case("set_member", (SETV, VIEW), lambda s, x: s.contains(x)),
    Case("set_add", (SETP, EP), lambda s, x: s.add(x)),
    Case("set_add", (SETV, VIEW), lambda s, x: s.add(x)),
    Case("set_remove", (SETP, EP), lambda s, x: s.remove(x)),
    Case("set_union", (SETP, SETP), lambda a, b: a.union(b)),
    Case("set_inter", (SETP, SETP), lambda a, b: a.inter(b)),
    Case("set_diff", (SETP, SETP), lambda a, b: a.minus(b)),
    Case("set_subset", (SETP, SETP), lambda a, b: a.subset(b)),
    Case("set_card", (SETV,), lambda s: s.card()),
    Case("map_get", (MAP1, EP), lambda m, k: m[k]),
    Case("map_get", (MAP1, EPb), lambda m, k: m[k]),  # ⊥ key: the value type's default
    Case("map_get", (MAP2, EPb, EGb), lambda m, k1, k2: m[k1, k2]),
    Case("map_put", (MAP1, SeqT(EP, 2), EP), lambda m, v, k: m.put(k, v)),
    Case("map_put", (MAP1, SeqT(EP, 2), EPb), lambda m, v, k: m.put(k, v)),  # ⊥ key: no change
    Case("map_put", (MAP2, IntT(0, 2), EPb, EGb), lambda m, v, k1, k2: m.put((k1, k2), v)),
]


def test_the_cases_cover_every_op_of_the_fold_table() -> None:
    assert {c.op for c in CASES} == set(ir.PY)


def _var(i: int, t: Type) -> Term:
    return Term("var", (), t, (i, f"v{i}"))


def _compile(term: Term) -> Callable[[tuple[Any, ...]], Any]:
    return compile_terms(_FAKE_MACHINE, [term])[0]


@pytest.mark.parametrize("case", CASES, ids=str)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_op_on_variables_equals_the_folded_constant(case: Case, data: st.DataObject) -> None:
    args = [data.draw(values(t), label=f"arg{i}") for i, t in enumerate(case.arg_types)]
    folded = case.build(*(ir.const(t, v) for t, v in zip(case.arg_types, args)))
    assert folded.is_const, f"{case}: constant arguments did not fold"
    # every mix of variable and constant arguments (codegen special-cases constant indices and keys)
    is_var = data.draw(st.lists(st.booleans(), min_size=len(args), max_size=len(args)), label="variable args")
    for mask in {tuple(True for _ in args), tuple(is_var)}:
        terms = [_var(i, t) if var else ir.const(t, v) for i, (t, v, var) in enumerate(zip(case.arg_types, args, mask))]
        term = case.build(*terms)
        if all(mask):
            assert term.op == case.op, f"{case}: the constructor built {term.op}, not the op under test"
        # (with some constant arguments a constructor may simplify, e.g. And(x, True) is x)
        state = tuple(args)
        assert _compile(term)(state) == folded.value, f"{case} at {args} with variables {mask}"


# -- random term DAGs: sharing, short circuits, conditional positions ---------------------------

_VARS: list[tuple[str, Type]] = [
    ("b", B), ("i", IntT(0, 3)), ("g", EGb), ("q", SEQ), ("s", SETP), ("m", MAP1), ("r", VIEW),
]
_P_ELEMS = [ir.const(EP, 0), ir.const(EP, 1)]


def _pyeval(t: Term, env: tuple[Any, ...]) -> Any:
    """Bottom-up evaluation with the fold table: the reference meaning of a term."""
    if t.op == "const":
        return t.data
    if t.op == "var":
        return env[t.data[0]]
    return ir.PY[t.op](t.data, *(_pyeval(a, env) for a in t.args))


def _kind(t: Term) -> str:
    typ = t.type
    if isinstance(typ, EnumT):
        return "P" if typ.domain == P else "G"
    return {BoolT: "bool", IntT: "int", SeqT: "seq", SetT: "set", MapT: "map", RecordT: "rec"}[type(typ)]


_BUILDERS: dict[str, list[tuple[tuple[str, ...], Callable[..., Term]]]] = {
    "bool": [
        (("bool", "bool"), ir.And), (("bool", "bool"), ir.Or), (("bool",), ir.Not),
        (("int", "int"), lambda a, b: a < b), (("int", "int"), ir.eq), (("G", "G"), lambda a, b: a <= b),
        (("seq", "P"), lambda q, x: q.contains(x)), (("set", "P"), lambda s, x: s.contains(x)),
        (("seq", "seq"), ir.prefix), (("set", "set"), lambda a, b: a.subset(b)), (("seq", "seq"), ir.eq),
        (("bool", "bool", "bool"), ir.ite),
    ],
    "int": [
        (("int", "int"), lambda a, b: a + b), (("int", "int"), lambda a, b: a - b), (("seq",), lambda q: q.length),
        (("set",), lambda s: s.card()), (("bool", "int", "int"), ir.ite),
    ],
    "P": [(("seq", "int"), lambda q, i: q.at(i)), (("seq",), lambda q: q.head()), (("seq",), lambda q: q.last()),
          (("bool", "P", "P"), ir.ite)],
    "G": [(("rec",), lambda r: r.id), (("bool", "G", "G"), ir.ite)],
    "seq": [
        (("seq",), lambda q: q.tail()), (("seq", "P"), lambda q, x: q.append(x)),
        (("seq", "seq"), lambda a, b: a.concat(b)), (("map", "P"), lambda m, k: m[k]),
        (("bool", "seq", "seq"), ir.ite),
    ],
    "set": [
        (("set", "P"), lambda s, x: s.add(x)), (("set", "set"), lambda a, b: a.union(b)),
        (("set", "set"), lambda a, b: a.minus(b)), (("seq",), lambda q: q.elems()), (("rec",), lambda r: r.set),
        (("bool", "set", "set"), ir.ite),
    ],
    "map": [(("map", "P", "seq"), lambda m, k, v: m.put(k, v)), (("bool", "map", "map"), ir.ite)],
    "rec": [(("G", "set"), lambda g, s: ir.record(VIEW, g, s)), (("bool", "rec", "rec"), ir.ite)],
}


@st.composite
def term_dags(draw: st.DrawFn) -> list[Term]:
    """A pool of terms built step by step from earlier ones, so subterms are shared (a DAG)."""
    pool: dict[str, list[Term]] = {k: [] for k in _BUILDERS}
    for i, (_, t) in enumerate(_VARS):
        v = _var(i, t)
        pool[_kind(v)].append(v)
    pool["P"] += _P_ELEMS
    pool["int"].append(ir.const(IntT(1, 1), 1))
    built: list[Term] = []
    for _ in range(draw(st.integers(1, 14), label="size")):
        kind = draw(st.sampled_from(sorted(_BUILDERS)), label="kind")
        arg_kinds, fn = draw(st.sampled_from(_BUILDERS[kind]), label="op")
        args = [draw(st.sampled_from(pool[k])) for k in arg_kinds]
        try:
            t = fn(*args)
        except ir.TraceError:  # e.g. ite over two maps of one shape but different bounds
            continue
        if _kind(t) == "int" and isinstance(t.type, IntT) and (t.type.hi - t.type.lo) > 50:
            continue  # keep integers small
        pool[_kind(t)].append(t)
        built.append(t)
    return built


@settings(max_examples=250, deadline=None)
@given(dag=term_dags(), data=st.data())
def test_compiled_term_dags_agree_with_the_fold_table(dag: list[Term], data: st.DataObject) -> None:
    env = tuple(data.draw(values(t), label=n) for n, t in _VARS)
    roots = dag[-3:]
    # one function per root, and one function computing all roots together (shared temporaries)
    fns = compile_terms(_FAKE_MACHINE, roots)
    together = ir.record(TupleT(*(r.type for r in roots)), *roots) if len(roots) > 1 else roots[0]
    expected = [_pyeval(r, env) for r in roots]
    assert [f(env) for f in fns] == expected
    assert _compile(together)(env) == (tuple(expected) if len(roots) > 1 else expected[0])
