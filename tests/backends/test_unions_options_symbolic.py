"""The Z3 encoding of tagged unions and options: the payloads of inactive variants (and of ⊥)
are unconstrained and take no part in equality, well-formedness or the model's value."""

from __future__ import annotations

import z3

from ioakit.backends import symbolic
from ioakit.lang.types import Domain, EnumT, IntT, OptionT, SeqT, TupleT, UnionT

P = Domain.numbered("P", 2, "p")
U = UnionT("M", (("msg", TupleT(IntT(0, 1), EnumT(P))), ("queue", SeqT(EnumT(P), 2))))
O = OptionT(SeqT(IntT(0, 2), 2))


def _solver(*cs: z3.BoolRef) -> z3.Solver:
    s = z3.Solver()
    s.add(*cs)
    return s


def test_equal_unions_may_differ_in_inactive_payloads() -> None:
    a, wa = symbolic.fresh(U, "a")
    b, wb = symbolic.fresh(U, "b")
    same_active = z3.And(a.tag == 0, symbolic.equal(a, b))
    garbage_differs = z3.Not(symbolic.equal(a.payloads[1], b.payloads[1]))
    assert _solver(*wa, *wb, same_active, garbage_differs).check() == z3.sat
    # and an equal tag with equal active payloads is equality, whatever the rest holds
    premise = z3.And(a.tag == 0, b.tag == 0, symbolic.equal(a.payloads[0], b.payloads[0]))
    assert _solver(*wa, *wb, premise, z3.Not(symbolic.equal(a, b))).check() == z3.unsat


def test_wf_constrains_the_tag_and_only_the_active_payload() -> None:
    a, wa = symbolic.fresh(U, "a")
    assert _solver(*wa, a.tag == 2).check() == z3.unsat
    assert _solver(*symbolic.wf(U, a), a.tag == -1).check() == z3.unsat
    # an out-of-range integer in the inactive variant is allowed, in the active one it is not
    assert _solver(*wa, a.tag == 1, a.payloads[0][0] == 7).check() == z3.sat
    assert _solver(*wa, a.tag == 0, a.payloads[0][0] == 7).check() == z3.unsat
    s = _solver(*wa, a.tag == 1, a.payloads[1].len == 1, a.payloads[0][0] == 7)
    assert s.check() == z3.sat
    v = symbolic.evaluate(U, s.model(), a)
    assert v[0] == 1 and len(v[1]) == 1 and U.check(v)


def test_options_compare_payloads_only_when_present() -> None:
    a, wa = symbolic.fresh(O, "a")
    b, wb = symbolic.fresh(O, "b")
    both_bot = z3.And(z3.Not(a.present), z3.Not(b.present), a.payload.len != b.payload.len)
    assert _solver(*wa, *wb, both_bot, z3.Not(symbolic.equal(a, b))).check() == z3.unsat
    s = _solver(*wa, z3.Not(a.present), a.payload.len == 9)  # garbage: no bound applies
    assert s.check() == z3.sat and symbolic.evaluate(O, s.model(), a) is None
    assert _solver(*wa, a.present, a.payload.len == 3).check() == z3.unsat
    assert _solver(*symbolic.wf(O, a), a.present, a.payload.len == 3).check() == z3.unsat


def test_constants_round_trip_through_the_encoding() -> None:
    m = z3.Solver()
    assert m.check() == z3.sat
    for t, v in ((U, (1, (0, 1))), (U, (0, (1, 0))), (O, None), (O, (2, 0))):
        assert symbolic.evaluate(t, m.model(), symbolic.from_const(t, v)) == v
