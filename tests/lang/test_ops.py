"""The op table (``ioakit.lang.ops``): every op has all four parts, and its three meanings agree.

For every op of the term language, on random constant arguments, the fold (``Op.fold``), the
emitted Python (``Op.emit``, compiled and run by the code generator) and the Z3 meaning
(``Op.z3``, simplified by Z3, which must give a constant) give the same value; the emitted code
is also run with the arguments as state variables, as action code reads them. The type rule
gives the type the constructor gave the term, and rejects an ill-typed argument with a
``TraceError``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles.op_cases import (
    BAGP,
    CASES,
    EG,
    EP,
    LABEL,
    MAP1,
    SEQ,
    SETP,
    VIEW,
    B,
    Case,
    I,
    values,
)

from ioakit.backends import symbolic
from ioakit.backends.codegen import compile_terms
from ioakit.lang import ir, ops
from ioakit.lang.ir import Term, TraceError
from ioakit.lang.types import BagT, BoolT, EnumT, IntT, MapT, OptionT, RecordT, SchemaError, SeqT, SetT, Type, UnionT

_MACHINE = SimpleNamespace(name="op-table-test")


def _var(i: int, t: Type) -> Term:
    return Term("var", (), t, (i, f"v{i}"))


def _typed_term(case: Case) -> Term:
    """The constructor's term on variable arguments (so it is not folded and has the op)."""
    t = case.build(*(_var(i, ty) for i, ty in enumerate(case.arg_types)))
    assert t.op == case.op, f"{case}: the constructor built {t.op}"
    return t


# -- every op has all four parts --------------------------------------------------------------------


def test_the_table_has_one_entry_per_non_leaf_op_of_the_language() -> None:
    assert set(ops.OPS) == set(ir.OPS) - ops.LEAVES
    assert set(ir.PY) == set(ops.OPS)


@pytest.mark.parametrize("name", sorted(ops.OPS))
def test_every_op_has_a_type_rule_a_fold_an_emission_and_a_z3_meaning(name: str) -> None:
    entry = ops.OPS[name]
    assert entry.name == name
    for part in ("type_rule", "fold", "emit", "z3"):
        assert callable(getattr(entry, part)), f"{name} has no {part}"
    assert ir.PY[name] is entry.fold, "ir.PY is not the table's fold"
    assert any(c.op == name for c in CASES), f"{name} has no case in this test"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_type_rule_gives_the_constructors_type(case: Case) -> None:
    t = _typed_term(case)
    assert ops.result_type(t.op, tuple(a.type for a in t.args), t.data, t.type) == t.type


_ILL_TYPED = [
    ("not", (I,)),
    ("add", (B, I)),
    ("lt", (SETP, SETP)),
    ("seq_len", (SETP,)),
    ("seq_append", (SEQ, EG)),
    ("set_add", (SETP, EG)),
    ("set_union", (SETP, SetT(EG))),
    ("map_get", (MAP1, EG)),
    ("bag_add", (BAGP, EG)),
    ("bag_count", (SETP, EP)),
    ("bag_size", (SEQ,)),
    ("lt", (VIEW, VIEW)),  # a set field: not ordered
    ("le", (SeqT(EP, 2), SeqT(EP, 2))),
    ("lt", (B, B)),  # Bool is ordered only as a field
    ("le", (LABEL, VIEW)),
    ("set_sorted", (SetT(VIEW),)),
    ("set_sorted", (SEQ,)),
]


@pytest.mark.parametrize(("op", "arg_types"), _ILL_TYPED, ids=lambda x: str(x))
def test_the_type_rule_rejects_ill_typed_arguments(op: str, arg_types: tuple[Type, ...]) -> None:
    data = (MAP1, MAP1.val.default()) if op == "map_get" else 3 if op == "set_sorted" else None
    with pytest.raises(TraceError):
        ops.result_type(op, arg_types, data)


def test_the_bag_methods_reject_a_non_bag() -> None:
    with pytest.raises(TraceError, match="expected a bag"):
        _var(0, SETP).count(ir.const(EP, 0))


# -- the three meanings agree ------------------------------------------------------------------------


def _z3_constant(t: Type, x: Any) -> Any:
    """The concrete value of the Z3 structure ``x``, asserting every leaf simplifies to a constant."""
    if isinstance(t, BoolT):
        v = z3.simplify(x)
        assert z3.is_true(v) or z3.is_false(v), f"{x} does not simplify to a boolean constant: {v}"
        return z3.is_true(v)
    if isinstance(t, IntT | EnumT):
        v = z3.simplify(x)
        assert z3.is_int_value(v), f"{x} does not simplify to an integer constant: {v}"
        return v.as_long()
    if isinstance(t, RecordT):
        return tuple(_z3_constant(ft, p) for (_, ft), p in zip(t.fields, x))
    if isinstance(t, SeqT):
        n = _z3_constant(IntT(0, 0), x.len)
        return tuple(_z3_constant(t.elem, x.get(j)) for j in range(n))
    if isinstance(t, SetT):
        return frozenset(u for u in t.universe() if _z3_constant(B, x.has(u)))
    if isinstance(t, MapT):
        return tuple(_z3_constant(t.val, p) for p in x)
    if isinstance(t, BagT):
        return tuple(_z3_constant(IntT(0, 0), c) for c in x)
    if isinstance(t, UnionT):  # the tag's payload only: the others mean nothing
        tag = _z3_constant(IntT(0, 0), x.tag)
        return tag, _z3_constant(t.variants[tag][1], x.payloads[tag])
    if isinstance(t, OptionT):
        return _z3_constant(t.elem, x.payload) if _z3_constant(B, x.present) else None
    raise TypeError(t)


@pytest.mark.parametrize("case", CASES, ids=str)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fold_emitted_python_and_z3_agree_on_constant_arguments(case: Case, data: st.DataObject) -> None:
    shape = _typed_term(case)
    args = [data.draw(values(t), label=f"arg{i}") for i, t in enumerate(case.arg_types)]
    consts = tuple(ir.const(t, v) for t, v in zip(case.arg_types, args))
    # the op's arguments are the builder's variables, maybe in another order (``x ∈ s``)
    assert all(a.op == "var" for a in shape.args)
    op_args = [args[a.data[0]] for a in shape.args]
    entry = ops.OPS[case.op]
    folded = entry.fold(shape.data, *op_args)
    # the op on constant arguments, unfolded: the emission and the Z3 meaning see constants
    on_consts = Term(case.op, tuple(consts[a.data[0]] for a in shape.args), shape.type, shape.data)
    emitted = compile_terms(_MACHINE, [on_consts])[0](())
    assert emitted == folded, f"{case} at {args}: emitted Python gives {emitted!r}, the fold {folded!r}"
    if case.op == "oracle":  # a Python predicate has no Z3 meaning, and Z3 says so
        with pytest.raises(SchemaError, match="no Z3 meaning"):
            symbolic.Evaluator([])(on_consts)
    else:
        sym = symbolic.Evaluator([])(on_consts)
        assert _z3_constant(shape.type, sym) == folded, f"{case} at {args}: Z3 disagrees with the fold {folded!r}"
    # and on variable arguments (state slots), as action code reads them
    on_vars = compile_terms(_MACHINE, [shape])[0](tuple(args))
    assert on_vars == folded, f"{case} at {args} (variables): emitted Python gives {on_vars!r}, the fold {folded!r}"
    if case.op != "oracle":
        state = [symbolic.from_const(t, v) for t, v in zip(case.arg_types, args)]
        assert _z3_constant(shape.type, symbolic.Evaluator(state)(shape)) == folded
    # and the constructor on constants folds to the same value
    built = case.build(*consts)
    assert built.is_const and built.value == folded


def test_a_broken_meaning_is_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agreement check is not vacuous: an emission that adds a copy to the wrong element fails."""
    from dataclasses import replace

    broken = replace(ops.OPS["bag_add"], emit=lambda em, t: f"_bag_add({em.expr(t.args[0])}, 0)")
    monkeypatch.setitem(ops.OPS, "bag_add", broken)
    case = next(c for c in CASES if c.op == "bag_add" and c.arg_types[0] == BAGP)
    with pytest.raises(AssertionError, match="emitted Python"):
        test_fold_emitted_python_and_z3_agree_on_constant_arguments.hypothesis.inner_test(  # type: ignore[attr-defined]
            case=case, data=_FixedData([(0, 0), 1])
        )


class _FixedData:
    """Stands in for ``st.DataObject``: draws return the given values in order."""

    def __init__(self, xs: list[Any]) -> None:
        self.xs = list(xs)

    def draw(self, strategy: Any, label: str | None = None) -> Any:
        return self.xs.pop(0)


def test_the_record_order_error_names_the_unordered_field() -> None:
    with pytest.raises(TraceError, match=r"field set of view: Set\[P\] is not ordered"):
        _ = _var(0, VIEW) < _var(1, VIEW)


def test_python_tuple_comparison_is_the_lexicographic_order_of_the_values() -> None:
    """The concrete meaning of ``<`` on records is Python's tuple comparison: on every pair of
    labels (⊥ = -1 least, bools, nested tuples) it is the field-by-field order."""
    from oracles.op_cases import FLAGGED

    def lex(t: Type, a: Any, b: Any) -> int:
        if isinstance(t, RecordT):
            for (_, ft), x, y in zip(t.fields, a, b):
                c = lex(ft, x, y)
                if c:
                    return c
            return 0
        return (a > b) - (a < b)

    for t in (LABEL, FLAGGED):
        vs = list(t.values())
        for a in vs:
            for b in vs:
                assert (a < b) == (lex(t, a, b) < 0) and (a <= b) == (lex(t, a, b) <= 0)


def test_sorted_with_a_small_maxlen_keeps_the_least_elements() -> None:
    s = ir.const(SetT(LABEL), frozenset({(1, 0, 0), (-1, 2, 1), (0, 0, 1)}))
    assert s.sorted(2).value == ((-1, 2, 1), (0, 0, 1))
    assert s.sorted().type == SeqT(LABEL, 3 * 3 * 2)
