"""Every operator of the term language at concrete argument types: the cases the code-generator
tests (``tests/backends/test_codegen.py``) and the operator-table tests (``tests/lang/test_ops.py``)
both run, kept once so that a new operator is added to both by one line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ioakit.lang import ir
from ioakit.lang.ir import Term
from ioakit.lang.ops import Oracle
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

from .strategies import values as _values

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
BAGP = BagT(EP, 2)
BAGV = BagT(VIEW, 1)
# tagged unions, options, maps keyed by records / tuples / integer ranges, partial maps
MSG = TupleT(IntT(0, 1), EP)
UNION = UnionT("M", (("msg", MSG), ("summary", VIEW), ("ack", B)))
OPTV = OptionT(VIEW)
OPTS = OptionT(SEQ)
MAPV = MapT((VIEW,), OptionT(EP))  # a partial map keyed by views
MAPR = MapT((TupleT(EG, B), IntT(0, 1)), IntT(0, 2))  # two non-enum keys
LABEL = TupleT(EGb, IntT(0, 2), EP)  # FLS labels G × N × P (⊥ included: least)
FLAGGED = RecordT("flagged", (("ok", B), ("at", LABEL)))  # Bool and a nested record as fields
SETL = SetT(LABEL)


SORTED = Oracle("sorted", lambda s: list(s) == sorted(s))
"""An oracle (a Python predicate: ``ir.oracle``) for the ``oracle`` case: no Z3 meaning."""


def values(t: Type) -> st.SearchStrategy[Any]:
    """``oracles.strategies.values`` with bags (counts up to the bound, one per universe element)."""
    return _values(t)


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
    *(
        Case("eq", (t, u), ir.eq)
        for t, u in ((I, I), (SEQ, SEQ), (EGb, EG), (SETP, SETP), (VIEW, VIEW), (MAP2, MAP2), (B, B))
    ),
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
    Case("oracle", (SEQ,), lambda s: ir.oracle(SORTED, s)),
    Case("seq_tail", (SEQ,), lambda s: s.tail()),
    Case("seq_insort", (SEQ, EP), lambda s, x: s.insert_sorted(x)),
    Case("seq_insort", (SeqT(LABEL, 2), LABEL), lambda s, x: s.insert_sorted(x)),  # records: lexicographic
    Case("seq_remove_at", (SEQ, IDX), lambda s, i: s.remove_at(i)),
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
    Case("bag_lit", (EP, EP, EP), lambda a, b, c: ir.bag_lit(BAGP, a, b, c)),
    Case("bag_add", (BAGP, EP), lambda b, x: b.add(x)),
    Case("bag_add", (BAGV, VIEW), lambda b, x: b.add(x)),
    Case("bag_remove", (BAGP, EP), lambda b, x: b.remove(x)),
    Case("bag_remove", (BAGP, EPb), lambda b, x: b.remove(x)),  # ⊥ is in no bag: no change
    Case("bag_count", (BAGP, EP), lambda b, x: b.count(x)),
    Case("bag_count", (BAGV, VIEW), lambda b, x: b.count(x)),
    Case("bag_member", (BAGP, EPb), lambda b, x: b.contains(x)),
    Case("bag_size", (BAGV,), lambda b: b.size()),
    Case("or", (B, B), ir.Or),
    *(Case("ite", (B, t, t), ir.ite) for t in (I, SEQ, EGb, SETP, VIEW, MAP1, BAGP)),
    *(Case("eq", (t, u), ir.eq) for t, u in ((I, I), (SEQ, SEQ), (EGb, EG), (SETP, SETP), (VIEW, VIEW), (BAGP, BAGP))),
    Case("le", (I, I), lambda a, b: a <= b),
    Case("map_get", (MAP1, EPb), lambda m, k: m[k]),
    Case("map_put", (MAP1, SeqT(EP, 2), EPb), lambda m, v, k: m.put(k, v)),
    Case("map_put", (MAP2, IntT(0, 2), EP, EG), lambda m, v, k1, k2: m.put((k1, k2), v)),
    Case("bag_lit", (VIEW,), lambda a: ir.bag_lit(BAGV, a)),
    Case("bag_add", (BAGP, EPb), lambda b, x: b.add(x)),
    Case("bag_remove", (BAGV, VIEW), lambda b, x: b.remove(x)),
    Case("bag_count", (BAGP, EPb), lambda b, x: b.count(x)),
    Case("bag_member", (BAGP, EP), lambda b, x: b.contains(x)),
    Case("bag_member", (BAGV, VIEW), lambda b, x: b.contains(x)),
    Case("bag_size", (BAGP,), lambda b: b.size()),
    # -- tagged unions and options --------------------------------------------------------------
    Case("union_inj", (MSG,), lambda x: ir.inj(UNION, "msg", x)),
    Case("union_inj", (VIEW,), lambda x: ir.inj(UNION, "summary", x)),
    Case("union_inj", (TupleT(IntT(0, 3), EP),), lambda x: ir.inj(UNION, "msg", x)),  # widened variant
    Case("union_is", (UNION,), lambda u: u.is_("summary")),
    Case("union_is", (UNION,), lambda u: u.is_("msg")),
    Case("union_as", (UNION,), lambda u: u.as_("msg")),
    Case("union_as", (UNION,), lambda u: u.as_("summary")),
    Case("eq", (UNION, UNION), ir.eq),
    Case("ite", (B, UNION, UNION), ir.ite),
    Case("opt_some", (VIEW,), lambda x: ir.some(x)),
    Case("opt_some", (IntT(0, 3),), lambda x: ir.some(x, OptionT(IntT(0, 1)))),  # widened
    Case("opt_is_some", (OPTV,), lambda o: o.is_some()),
    Case("opt_get", (OPTV,), lambda o: o.get()),
    Case("opt_get", (OPTS,), lambda o: o.get()),
    Case("eq", (OPTV, OPTV), ir.eq),
    Case("eq", (OPTS, OPTS), ir.eq),
    Case("ite", (B, OPTS, OPTS), ir.ite),
    Case("set_member", (SetT(UNION), UNION), lambda s, x: s.contains(x)),
    Case("set_member", (SetT(OptionT(EP)), OptionT(EP)), lambda s, x: s.contains(x)),
    # -- maps keyed by any finite type ----------------------------------------------------------
    Case("map_get", (MAPV, VIEW), lambda m, k: m[k]),
    Case("map_get", (MAPR, TupleT(EG, B), IntT(0, 1)), lambda m, k1, k2: m[k1, k2]),
    Case("map_get", (MAPR, TupleT(EGb, B), IntT(-1, 2)), lambda m, k1, k2: m[k1, k2]),  # maybe no key
    Case("map_put", (MAPV, OptionT(EP), VIEW), lambda m, v, k: m.put(k, v)),
    Case("map_put", (MAPR, IntT(0, 2), TupleT(EG, B), IntT(0, 1)), lambda m, v, k1, k2: m.put((k1, k2), v)),
    Case("map_put", (MAPR, IntT(0, 2), TupleT(EGb, B), IntT(-1, 2)), lambda m, v, k1, k2: m.put((k1, k2), v)),
    Case("map_get", (MapT((B, EP), OptionT(UNION)), B, EPb), lambda m, k1, k2: m[k1, k2]),
    # ordered records and sorted sets
    *(Case("lt", (t, t), lambda a, b: a < b) for t in (LABEL, FLAGGED)),
    *(Case("le", (t, t), lambda a, b: a <= b) for t in (LABEL, FLAGGED)),
    Case("lt", (LABEL, LABEL), lambda a, b: a > b),
    Case("le", (FLAGGED, FLAGGED), lambda a, b: a >= b),
    Case("set_sorted", (SETL,), lambda s: s.sorted()),
    Case("set_sorted", (SETL,), lambda s: s.sorted(2)),  # the two least elements of a larger set
    Case("set_sorted", (SetT(EPb),), lambda s: s.sorted()),
    Case("set_sorted", (SetT(IntT(-1, 3)),), lambda s: s.sorted(0)),
    Case("set_sorted", (SetT(FLAGGED),), lambda s: s.sorted(3)),
]
