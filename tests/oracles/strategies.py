"""Hypothesis strategies built from ioakit's value types.

``values(t)`` draws any well-formed concrete value of a type (⊥ included where the type has it,
sequences of every length up to the scope bound, empty and full sets), so the prover's
*arbitrary* states can be sampled, not only reachable ones. ``types()`` draws random types for
the schema round-trip tests.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ioakit.lang.types import (
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
)


def values(t: Type) -> st.SearchStrategy[Any]:
    """Every well-formed concrete value of ``t`` (scope bounds respected)."""
    if isinstance(t, BoolT):
        return st.booleans()
    if isinstance(t, IntT):
        return st.integers(t.lo, t.hi)
    if isinstance(t, EnumT):
        return st.sampled_from(list(t.values()))
    if isinstance(t, RecordT):
        return st.tuples(*(values(ft) for _, ft in t.fields))
    if isinstance(t, SeqT):
        return st.lists(values(t.elem), max_size=t.maxlen).map(tuple)
    if isinstance(t, SetT):
        return (
            st.lists(st.sampled_from(t.universe()), unique=True).map(frozenset)
            if t.universe()
            else st.just(frozenset())
        )
    if isinstance(t, MapT):
        return st.tuples(*([values(t.val)] * t.size))
    if isinstance(t, UnionT):  # any variant, with any payload of its type
        return st.one_of(*(values(vt).map(lambda v, i=i: (i, v)) for i, (_, vt) in enumerate(t.variants)))
    if isinstance(t, OptionT):
        return st.one_of(st.none(), values(t.elem))
    if isinstance(t, BagT):
        return st.tuples(*([st.integers(0, t.bound)] * len(t.universe())))
    raise TypeError(f"no strategy for {t}")


def state_values(machine: Any) -> st.SearchStrategy[tuple[Any, ...]]:
    """Well-formed (possibly unreachable) states of a machine, built from its variable types."""
    return st.tuples(*(values(t) for _, t in machine.variables))


_DOMAINS = [Domain.numbered("P", 2, "p"), Domain.numbered("G", 3, "g", start=0), Domain.numbered("M", 1, "m")]


def _leaf_types() -> st.SearchStrategy[Type]:
    return st.one_of(
        st.just(BoolT()),
        st.tuples(st.integers(-3, 3), st.integers(0, 4)).map(lambda ab: IntT(ab[0], ab[0] + ab[1])),
        st.builds(EnumT, st.sampled_from(_DOMAINS), st.booleans()),
    )


def _card(t: Type) -> float:
    """Number of values of a finite type, computed without enumerating them (inf if infinite)."""
    if isinstance(t, BoolT):
        return 2
    if isinstance(t, IntT | EnumT):
        return len(list(t.values()))
    if isinstance(t, RecordT):
        n = 1.0
        for _, ft in t.fields:
            n *= _card(ft)
        return n
    if isinstance(t, SetT):
        return 2.0 ** _card(t.elem)
    if isinstance(t, MapT):
        return _card(t.val) ** t.size
    if isinstance(t, UnionT):
        return sum(_card(vt) for _, vt in t.variants)
    if isinstance(t, OptionT):
        return 1 + _card(t.elem)
    return float("inf")


def _small(t: Type) -> bool:
    """Small enough finite types to be set elements (sets are encoded one bit per element)."""
    return _card(t) <= 16


def _key_type(t: Type) -> bool:
    """Whether ``t`` may key a map (finite, no ⊥ at the top) and is small enough to."""
    return _card(t) <= 8 and not isinstance(t, OptionT | SeqT) and not (isinstance(t, EnumT) and t.bottom)


def _optionable(t: Type) -> bool:
    """Whether ``t`` may be an option's element (it has no ⊥ of its own)."""
    return not isinstance(t, OptionT) and not (isinstance(t, EnumT) and t.bottom)


def types() -> st.SearchStrategy[Type]:
    """Random value types: leaves, records, sequences, sets (of small finite types), maps (keyed by
    domains or by small finite types), tagged unions and options."""

    def extend(inner: st.SearchStrategy[Type]) -> st.SearchStrategy[Type]:
        names = st.sampled_from(["id", "set", "val", "x"])
        return st.one_of(
            st.lists(st.tuples(names, inner), min_size=1, max_size=3, unique_by=lambda f: f[0]).map(
                lambda fs: RecordT("r", tuple(fs))
            ),
            st.lists(inner, min_size=1, max_size=3).map(lambda ts: TupleT(*ts)),  # anonymous: JSON arrays
            st.builds(SeqT, inner, st.integers(0, 3)),
            inner.filter(_small).map(SetT),
            st.builds(
                MapT,
                st.lists(st.sampled_from(_DOMAINS).map(EnumT), min_size=1, max_size=2).map(tuple),
                inner,
            ),
            # maps keyed by small finite non-enum types (records, Bool, integer ranges)
            st.builds(MapT, st.tuples(inner.filter(_key_type)), inner),
            st.lists(
                st.tuples(st.sampled_from(["msg", "summary", "none"]), inner),
                min_size=1,
                max_size=3,
                unique_by=lambda v: v[0],
            ).map(lambda vs: UnionT("U", tuple(vs))),
            inner.filter(_optionable).map(OptionT),
        )

    return st.recursive(_leaf_types(), extend, max_leaves=4)


def typed_values() -> st.SearchStrategy[tuple[Type, Any]]:
    return types().flatmap(lambda t: st.tuples(st.just(t), values(t)))
