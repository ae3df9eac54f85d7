"""Tagged unions (``UnionT``), options (``OptionT``) and maps keyed by any finite type: the types'
concrete values, JSON and errors, and the term API (``inj``, ``is_``, ``as_``, ``some``, ``BOT``,
``get``, ``is_some``, ``dom``), folded on constants."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from oracles.strategies import values

from ioakit.lang import ir
from ioakit.lang.ir import BOT, Term, TraceError
from ioakit.lang.types import (
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
    contained,
    join,
    same_shape,
)

P = Domain.numbered("P", 2, "p")
G = Domain.numbered("G", 2, "g", start=0)
VIEW = RecordT("views", (("id", EnumT(G)), ("set", SetT(EnumT(P)))))
MSG = TupleT(IntT(0, 1), EnumT(P))
M = UnionT("M", (("msg", MSG), ("summary", VIEW)))
OPT = OptionT(VIEW)
F = MapT((VIEW,), IntT(0, 2))
PARTIAL = MapT((EnumT(P), EnumT(P)), OptionT(IntT(0, 3)))


def _via_json(t: Type, v: Any) -> Any:
    return t.from_json(json.loads(json.dumps(t.to_json(v))))


def _var(t: Type, i: int = 0) -> Term:
    return Term("var", (), t, (i, f"v{i}"))


# -- the types ---------------------------------------------------------------------------------


def test_a_union_value_is_a_tag_index_and_a_payload() -> None:
    assert M.default() == (0, (0, 0))
    assert M.tag_index("summary") == 1 and M.variant_type("msg") == MSG
    v = (1, (0, frozenset({1})))
    assert M.check(v) and not M.check((2, 0)) and not M.check((1, (0, 0))) and not M.check((True, (0, 0)))
    assert M.show(v) == "summary(⟨g0, {p2}⟩)"
    assert M.to_json(v) == {"summary": {"id": "g0", "set": ["p2"]}}
    assert _via_json(M, v) == v
    assert M.finite and M.cardinality() == 4 + 8 == len(list(M.values()))
    assert list(M.values())[:2] == [(0, (0, 0)), (0, (0, 1))] and list(M.values())[-1] == (1, (1, frozenset({0, 1})))
    assert not UnionT("U", (("a", BoolT()), ("b", SeqT(BoolT(), 2)))).finite


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"sumary": {"id": "g0", "set": []}}, "no variant 'sumary' \\(variants: msg, summary\\)"),
        ({"msg": [0, "p1"], "summary": {"id": "g0", "set": []}}, "exactly one of the keys msg, summary"),
        ("msg", "exactly one of the keys"),
        ({"msg": [5, "p1"]}, "outside 0..1"),
    ],
)
def test_a_union_from_bad_json_is_a_clear_schema_error(bad: Any, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        M.from_json(bad)


def test_union_declaration_errors_name_the_variants() -> None:
    with pytest.raises(SchemaError, match="no variant 'ack' \\(variants: msg, summary\\)"):
        M.variant_type("ack")
    with pytest.raises(SchemaError, match="twice"):
        UnionT("U", (("a", BoolT()), ("a", BoolT())))
    with pytest.raises(SchemaError, match="at least one"):
        UnionT("U", ())


def test_an_option_is_none_or_the_elements_value() -> None:
    assert OPT.default() is None and OPT.check(None) and OPT.check((0, frozenset())) and not OPT.check(0)
    assert OPT.show(None) == "⊥" and OPT.show((1, frozenset())) == "⟨g1, {}⟩"
    assert OPT.to_json(None) is None and _via_json(OPT, (1, frozenset({0}))) == (1, frozenset({0}))
    assert next(iter(OPT.values())) is None and OPT.cardinality() == 9 and OPT.finite
    assert not OptionT(SeqT(BoolT(), 1)).finite
    for bad in (OptionT(IntT(0, 1)), EnumT(G, bottom=True)):  # two ⊥s
        with pytest.raises(SchemaError, match="two ⊥s"):
            OptionT(bad)


def test_shapes_joins_and_containment() -> None:
    wide = UnionT("M", (("msg", TupleT(IntT(0, 3), EnumT(P))), ("summary", VIEW)))
    assert same_shape(M, wide) and contained(M, wide) and not contained(wide, M)
    assert contained(wide, join(M, wide)) and contained(M, join(M, wide))
    assert not same_shape(M, UnionT("M", (("summary", VIEW), ("msg", MSG))))  # tags in another order
    assert same_shape(OptionT(IntT(0, 1)), OptionT(IntT(0, 5))) and not same_shape(OPT, VIEW)
    assert join(OptionT(IntT(0, 1)), OptionT(IntT(2, 5))) == OptionT(IntT(0, 5))


def test_maps_take_any_finite_key_type_without_bottom() -> None:
    assert F.size == 8 and F.key_tuples()[1] == ((0, frozenset({0})),)
    assert F.flat_index([(1, frozenset({0, 1}))]) == 7 and F.flat_index([(1, frozenset({2}))]) == -1
    v = tuple(range(3)) * 2 + (0, 1)
    assert F.show(v).startswith("[⟨g0, {}⟩↦0, ⟨g0, {p1}⟩↦1") and _via_json(F, v) == v
    b = MapT((BoolT(), IntT(2, 3)), EnumT(P))
    assert b.size == 4 and b.flat_index([True, 2]) == 2 and b.flat_index([True, 4]) == -1
    assert b.to_json((0, 1, 1, 0)) == {"false,2": "p1", "false,3": "p2", "true,2": "p2", "true,3": "p1"}
    for bad in (EnumT(G, bottom=True), OptionT(EnumT(P)), SeqT(BoolT(), 1)):
        with pytest.raises(SchemaError, match="finite types without ⊥"):
            MapT((bad,), BoolT())


@settings(max_examples=200, deadline=None)
@given(values(UnionT("U", (("m", F), ("o", OptionT(M)), ("p", PARTIAL)))))
def test_json_round_trip_of_nested_unions_options_and_maps(v: Any) -> None:
    t = UnionT("U", (("m", F), ("o", OptionT(M)), ("p", PARTIAL)))
    assert t.check(v) and _via_json(t, v) == v


# -- the term API --------------------------------------------------------------------------------


def test_union_terms_fold_on_constants() -> None:
    s = ir.inj(M, "summary", ir.const(VIEW, (1, frozenset({0}))))
    assert s.is_const and s.value == (1, (1, frozenset({0}))) and s.type == M
    assert s.is_("summary").value is True and s.is_("msg").value is False
    assert s.as_("summary").value == (1, frozenset({0}))
    assert s.as_("msg").value == MSG.default()  # the wrong tag: the variant type's default
    assert (s == ir.inj(M, "msg", ir.const(MSG, (0, 0)))).value is False


def test_union_terms_on_the_state() -> None:
    u = _var(M)
    assert u.is_("msg").op == "union_is" and u.as_("summary").type == VIEW
    assert ir.inj(M, "msg", (u.as_("msg")[0], u.as_("msg")[1])).type == M
    n = UnionT("N", (("n", IntT(0, 1)), ("b", BoolT())))
    wider = ir.inj(n, "n", _var(IntT(0, 1), 2) + 2).type  # a wider payload widens its variant
    assert wider == UnionT("N", (("n", IntT(0, 3)), ("b", BoolT())))
    # reading a constructor back needs no op
    x = _var(VIEW, 1)
    assert ir.inj(M, "summary", x).as_("summary") is x
    assert ir.inj(M, "summary", x).as_("msg").value == MSG.default()


def test_union_mistakes_are_trace_errors_naming_the_variants() -> None:
    with pytest.raises(TraceError, match="no variant 'ack' \\(variants: msg, summary\\)"):
        _var(M).is_("ack")
    with pytest.raises(TraceError, match="no variant 'ack'"):
        ir.inj(M, "ack", True)
    with pytest.raises(TraceError, match="tagged union"):
        _var(VIEW).as_("msg")
    with pytest.raises(TraceError, match="variant summary of M holds views"):
        ir.inj(M, "summary", ir.const(MSG, (0, 0)))


def test_options_bot_some_get() -> None:
    o = _var(OPT)
    assert (o == BOT).op == "eq" and (o != BOT).op == "not"
    assert ir.lift(BOT, OPT).value is None and ir.const(OPT, None).value is None
    assert o.is_some().op == "opt_is_some" and o.get().type == VIEW
    assert ir.some(_var(VIEW, 1)).type == OPT
    assert ir.const(OPT, None).get().value == VIEW.default()  # get of ⊥: the default
    assert ir.some(ir.const(VIEW, (1, frozenset()))).is_some().value is True
    assert ir.lift(3, OptionT(IntT(0, 5))).value == 3  # a Python value where an option is expected
    assert (ir.some(ir.const(IntT(0, 5), 2)) == BOT).value is False
    with pytest.raises(TraceError, match="get\\(\\) needs an option"):
        _var(VIEW).get()
    with pytest.raises(TraceError, match="may already be ⊥"):
        ir.some(_var(EnumT(G, bottom=True)))
    with pytest.raises(TraceError, match="some\\(BOT\\)"):
        ir.some(BOT, OPT)


def test_maps_with_record_keys_and_dom_of_a_partial_map() -> None:
    m = _var(F)
    k = _var(VIEW, 1)
    assert m[k].type == IntT(0, 2) and m.put(k, 1).type == F
    with pytest.raises(TraceError, match="map key must be a views value"):
        m[ir.const(EnumT(P), 0)]
    full = ir.const(PARTIAL, (None, 1, 2, None))
    d = ir.dom(full)
    assert d.type == SetT(TupleT(EnumT(P), EnumT(P))) and d.value == frozenset({(0, 1), (1, 0)})
    assert ir.dom(ir.const(MapT((EnumT(P),), OptionT(BoolT())), (False, None))).value == frozenset({0})
    t = _var(PARTIAL).dom()
    assert t.type == SetT(TupleT(EnumT(P), EnumT(P))) and not t.is_const
    with pytest.raises(TraceError, match="dom\\(\\) needs a partial map"):
        ir.dom(m)
