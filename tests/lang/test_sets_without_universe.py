"""Sets read off their terms (``ir.peel``), ``setof`` / ``union_all``, and sets whose element type
has no finite universe: concrete values, display, and the refusal of Z3 to encode them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import z3

from ioakit.backends import symbolic
from ioakit.backends.codegen import compile_terms
from ioakit.lang import ir
from ioakit.lang.ir import Term, TraceError
from ioakit.lang.types import BoolT, Domain, EnumT, IntT, SchemaError, SeqT, SetT, TupleT, Type

P = Domain.numbered("P", 3, "p")
EP = EnumT(P)
SEQ = SeqT(EP, 2)
SSEQ = SetT(SEQ)  # no finite universe
BIG = TupleT(IntT(0, 99), IntT(0, 99))  # 10,000 values: above ir.PEEL_ABOVE
_M = SimpleNamespace(name="sets-test")


def _var(i: int, t: Type) -> Term:
    return Term("var", (), t, (i, f"v{i}"))


def _both(term: Term, state: tuple[Any, ...], types: list[Type]) -> tuple[Any, Any]:
    """The value of a term in the compiled and in the Z3 semantics at a concrete state."""
    concrete = compile_terms(_M, [term])[0](state)
    sym = symbolic.Evaluator([symbolic.from_const(t, v) for t, v in zip(types, state)])(term)
    return concrete, symbolic.evaluate(term.type, _model(), sym)


def _model() -> z3.ModelRef:
    s = z3.Solver()
    s.check()
    return s.model()


def test_a_set_of_sequences_has_no_universe_but_concrete_values() -> None:
    assert not SSEQ.finite
    with pytest.raises(SchemaError, match="no finite enumeration"):
        SSEQ.universe()
    with pytest.raises(SchemaError, match="no finite enumeration"):
        next(SSEQ.values())
    v = frozenset({(1,), (), (0, 2)})
    assert SSEQ.check(v) and not SSEQ.check(frozenset({(0, 1, 2)}))
    assert SSEQ.show(v) == "{λ, ⟨p1, p3⟩, ⟨p2⟩}"
    assert SSEQ.from_json(SSEQ.to_json(v)) == v


def test_membership_and_quantifiers_read_elements_off_the_term() -> None:
    a, b = _var(0, SEQ), _var(1, SEQ)
    S = ir.set_lit(SSEQ, a).add(b)
    x = _var(2, SEQ)
    member = S.contains(x)
    assert all(t.op != "set_member" for t in ir.subterms([member]))
    types: list[Type] = [SEQ, SEQ, SEQ]
    for state, want in [(((0,), (1, 2), (1, 2)), True), (((0,), (1, 2), (2,)), False)]:
        assert _both(member, state, types) == (want, want)
    long = ir.exists(S, lambda s: s.length == 2)
    assert _both(long, ((0,), (1, 2), ()), types) == (True, True)


def test_sum_over_a_peeled_set_counts_each_value_once() -> None:
    a, b = _var(0, SEQ), _var(1, SEQ)
    S = ir.set_lit(SSEQ, a, b)
    pairs = ir.elements(S)  # distinct: b counts only when it differs from a
    total = ir.arith("add", *(ir.ite(g, 1, 0) if g is not None else ir.lift(1) for g, _ in pairs))
    assert _both(total, ((1,), (1,)), [SEQ, SEQ]) == (1, 1)
    assert _both(total, ((1,), (2,)), [SEQ, SEQ]) == (2, 2)


def test_z3_refuses_other_set_operations_without_a_universe() -> None:
    a = _var(0, SEQ)
    card = ir.set_lit(SSEQ, a).card()
    assert compile_terms(_M, [card])[0](((1,),)) == 1  # concrete: fine
    with pytest.raises(symbolic.NoSymbolicEncoding, match="no finite enumeration"):
        symbolic.Evaluator([symbolic.from_const(SEQ, (1,))])(card)
    with pytest.raises(symbolic.NoSymbolicEncoding):
        symbolic.fresh(SSEQ, "x")
    held = _var(0, SSEQ)  # a state variable: not read off a term
    assert held.contains(a).op == "set_member"
    with pytest.raises(TraceError, match="no finite enumeration"):
        ir.forall(held, lambda s: s.length > 0)


def test_large_finite_universes_are_peeled_small_ones_are_not() -> None:
    x, y = _var(0, BIG), _var(1, BIG)
    big = ir.set_lit(SetT(BIG), x).contains(y)
    assert all(t.op != "set_member" for t in ir.subterms([big]))
    assert _both(big, ((3, 4), (3, 4)), [BIG, BIG]) == (True, True)
    small = ir.set_lit(SetT(EP), _var(0, EP)).contains(_var(1, EP))
    assert small.op == "set_member"


def test_setof_and_union_all() -> None:
    s = _var(0, SEQ)
    evens = ir.setof(s, lambda e: e, where=lambda e: e != ir.const(EP, 1))
    assert evens.type == SetT(EP)
    assert _both(evens, ((0, 1),), [SEQ]) == (frozenset({0}), frozenset({0}))
    pairs = ir.setof(P, lambda p: ir.record(TupleT(EP, BoolT()), p, s.contains(p)))
    assert _both(pairs, ((2,),), [SEQ])[0] == frozenset({(0, False), (1, False), (2, True)})
    sets = ir.union_all(P, lambda p: ir.ite(s.contains(p), ir.set_lit(SetT(EP), p), ir.const(SetT(EP), frozenset())))
    assert _both(sets, ((2, 0),), [SEQ]) == (frozenset({0, 2}), frozenset({0, 2}))
    seqs = ir.setof(P, lambda p: ir.seq_lit(SEQ, p))  # no universe: built, and read off the term
    assert not seqs.type.finite and seqs.contains(s).op == "or"
    nothing = _var(1, SeqT(EP, 0))
    with pytest.raises(TraceError, match="typ="):
        ir.setof(nothing, lambda e: e)
    assert ir.setof(nothing, lambda e: e, typ=SetT(EP)).value == frozenset()


def test_guards_of_a_conditional_chain_stay_linear() -> None:
    """``S ← ite(c_i, S ∪ {x_i}, S)`` forty times (the shape of a derived set built from a state,
    like FLS's allstate): each element's guard is built once and reused, so the guards' size as a
    *tree* stays small and the membership test compiles at once (it used to double per level:
    ``(c ∧ g) ∨ (¬c ∧ g)``; forty levels did not compile)."""
    n = 40
    types: list[Type] = [BoolT()] * n + [SEQ] * n
    cs = [_var(i, BoolT()) for i in range(n)]
    xs = [_var(n + i, SEQ) for i in range(n)]
    S = ir.set_lit(SSEQ)
    for c, x in zip(cs, xs):
        S = ir.ite(c, S.add(x), S)
    pairs = ir.peel(S)
    assert pairs is not None and len(pairs) == n
    tree: dict[int, int] = {}
    for t in ir.subterms([g for g, _ in pairs if g is not None]):
        tree[id(t)] = 1 + sum(tree[id(a)] for a in t.args)
    assert max(tree.values()) < 10 * n
    member = ir.contains(S, xs[0])
    state = (True,) * n + tuple((p,) for p in [0] * n)
    assert compile_terms(_M, [member])[0](state) is True
    assert _both(ir.exists(S, lambda e: e.length == 1), state, types) == (True, True)
