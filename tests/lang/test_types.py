"""Value types (ioakit.lang.types): JSON round trip, bounds checking, readable schema errors."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from oracles.strategies import typed_values

from ioakit.engines.explore import Explorer
from ioakit.lang.types import (
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
    TupleT,
    Type,
)
from ioakit.registry import get_spec

P = Domain.numbered("P", 2, "p")
G = Domain.numbered("G", 2, "g", start=0)
M = Domain.numbered("M", 1, "m")
VIEW = RecordT("view", (("id", EnumT(G)), ("set", SetT(EnumT(P)))))
MSG = TupleT(EnumT(M), EnumT(P))


def _via_json(t: Type, v: Any) -> Any:
    """Encode, serialise to text, parse and decode: what a trace file does to a value."""
    return t.from_json(json.loads(json.dumps(t.to_json(v))))


# -- round trip -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(typed_values())
def test_json_round_trip_of_random_types_and_values(tv: tuple[Type, Any]) -> None:
    t, v = tv
    assert t.check(v), f"the strategy drew an ill-formed {t} value {v!r}"
    back = _via_json(t, v)
    assert back == v
    assert t.check(back)


@pytest.mark.parametrize(
    ("typ", "value", "expected_json"),
    [
        (BoolT(), True, True),
        (IntT(1, 4), 3, 3),
        (EnumT(G, bottom=True), BOT_INDEX, None),
        (EnumT(G, bottom=True), 1, "g1"),
        (VIEW, (1, frozenset({1, 0})), {"id": "g1", "set": ["p1", "p2"]}),
        (SetT(EnumT(P)), frozenset(), []),
        (
            SetT(VIEW),
            frozenset({(1, frozenset()), (0, frozenset({1}))}),
            [{"id": "g0", "set": ["p2"]}, {"id": "g1", "set": []}],
        ),
        (SeqT(MSG, 3), ((0, 1), (0, 0)), [["m1", "p2"], ["m1", "p1"]]),  # tuples (M × P) are arrays
        (SeqT(EnumT(M), 2), (), []),
        (MapT((EnumT(P), EnumT(G)), IntT(1, 3)), (1, 2, 3, 1), {"p1,g0": 1, "p1,g1": 2, "p2,g0": 3, "p2,g1": 1}),
        (MapT((EnumT(P),), EnumT(G, bottom=True)), (BOT_INDEX, 0), {"p1": None, "p2": "g0"}),
    ],
    ids=lambda x: str(x)[:30],
)
def test_json_encoding_is_the_documented_one(typ: Type, value: Any, expected_json: Any) -> None:
    """⊥ is null, enum elements by name, records as objects, sets in domain order, map keys "p1,g0"."""
    assert typ.to_json(value) == expected_json
    assert typ.from_json(expected_json) == value


def test_records_also_decode_from_positional_lists() -> None:
    assert VIEW.from_json(["g1", ["p2"]]) == (1, frozenset({1}))


@pytest.mark.parametrize("name", ["TO-machine", "VS-machine", "WeakVS-machine"])
def test_every_reachable_state_round_trips_through_json(name: str) -> None:
    m = get_spec(name).build({})
    for s in Explorer(m).reachable():
        assert m.state_from_json(json.loads(json.dumps(m.state_json(s)))) == s


def test_state_snapshot_missing_a_variable_is_a_schema_error() -> None:
    m = get_spec("TO-machine").build({})
    j = m.state_json(m.start_states[0])
    del j["queue"]
    with pytest.raises(SchemaError, match=r"lacks variables \['queue'\]"):
        m.state_from_json(j)


# -- bounds ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typ", "good", "bad"),
    [
        (BoolT(), False, 0),
        (IntT(1, 3), 1, 4),
        (IntT(1, 3), 3, 0),
        (IntT(0, 1), 1, True),  # a bool is not an integer of the schema
        (EnumT(G), 1, 2),
        (EnumT(G), 0, BOT_INDEX),  # ⊥ only where declared
        (EnumT(G, bottom=True), BOT_INDEX, -2),
        (SeqT(EnumT(M), 2), (0, 0), (0, 0, 0)),  # longer than the scope bound
        (SeqT(EnumT(M), 2), (0,), (1,)),  # element outside M
        (SeqT(EnumT(M), 2), (), [0]),  # a list is not a sequence value
        (SetT(EnumT(P)), frozenset({0, 1}), frozenset({2})),
        (SetT(EnumT(P)), frozenset(), {0}),  # a mutable set is not hashable into states
        (VIEW, (0, frozenset()), (0, frozenset(), 1)),
        (VIEW, (1, frozenset({1})), (2, frozenset({1}))),
        (MapT((EnumT(P),), IntT(1, 2)), (1, 2), (1, 3)),
        (MapT((EnumT(P),), IntT(1, 2)), (1, 2), (1, 2, 1)),  # wrong number of keys
        (MapT((EnumT(P), EnumT(G)), SeqT(EnumT(M), 1)), ((), (0,), (), ()), ((), (0, 0), (), ())),
    ],
    ids=lambda x: str(x)[:24],
)
def test_check_accepts_in_bound_and_rejects_out_of_bound_values(typ: Type, good: Any, bad: Any) -> None:
    assert typ.check(good)
    assert not typ.check(bad)


def test_finite_types_enumerate_exactly_their_well_formed_values() -> None:
    for t, n in [(EnumT(G, bottom=True), 3), (VIEW, 8), (SetT(EnumT(P)), 4), (MapT((EnumT(P),), BoolT()), 4)]:
        vals = list(t.values())
        assert len(vals) == len(set(vals)) == n == t.cardinality()
        assert all(t.check(v) for v in vals)
    with pytest.raises(SchemaError, match="no finite enumeration"):
        list(SeqT(EnumT(M), 1).values())


# -- readable errors on bad JSON ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typ", "j", "message"),
    [
        (BoolT(), 1, re.escape("expected true/false, got 1")),
        (IntT(1, 3), "2", re.escape("expected an integer, got '2'")),
        (IntT(1, 3), True, re.escape("expected an integer, got True")),
        (IntT(1, 3), 7, re.escape("7 is outside 1..3")),
        (EnumT(G), None, re.escape("⊥ (null) is not a value of G")),
        (EnumT(G), "g7", re.escape("'g7' is not an element of G = {g0, g1}")),
        (EnumT(G), 0, re.escape("expected an element name of G, got 0")),
        (SeqT(EnumT(M), 1), ["m1", "m1"], re.escape("sequence of length 2 exceeds the scope bound 1")),
        (SeqT(EnumT(M), 1), "m1", re.escape("expected a list")),
        (SetT(EnumT(P)), ["p3"], re.escape("'p3' is not an element of P = {p1, p2}")),
        (VIEW, {"id": "g0"}, re.escape("expected a view object with fields id, set")),
        (VIEW, {"id": "g0", "set": ["p1"], "extra": 1}, re.escape("expected a view object with fields id, set")),
        (MapT((EnumT(P),), IntT(1, 2)), {"p1": 1}, r"map keys do not match .*missing \['p2'\], unexpected \[\]"),
        (MapT((EnumT(P),), IntT(1, 2)), {"p1": 1, "p2": 1, "p9": 1}, r"unexpected \['p9'\]"),
        (MapT((EnumT(P),), IntT(1, 2)), [1, 1], re.escape("expected an object")),
    ],
    ids=lambda x: str(x)[:24],
)
def test_bad_json_values_raise_schema_error_saying_what_is_wrong(typ: Type, j: Any, message: str) -> None:
    with pytest.raises(SchemaError) as info:
        typ.from_json(j)
    assert re.search(message, str(info.value)), str(info.value)


def test_schema_error_is_a_value_error() -> None:
    """Callers that catch ValueError (e.g. CLI input handling) also catch schema errors."""
    assert issubclass(SchemaError, ValueError)
