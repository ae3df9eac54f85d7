"""A derived variable read after an effect wrote what it depends on sees the written value, in
both semantics (the paper's effects are sequential: FLS Fig. 9's ``gprcv(x)`` reads ``primary``
after assigning ``current``)."""

from __future__ import annotations

import z3

from ioakit.backends import symbolic
from ioakit.engines.explore import Explorer
from ioakit.lang.automaton import Decl, Scope, Spec, derived, internal
from ioakit.lang.types import IntT


class Twice(Spec):
    """``x ← 1; y ← twice`` where ``twice = 2·x``: y must be 2, not 2·(old x) = 0."""

    name = "twice"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.var("x", IntT(0, 1))
        d.var("y", IntT(0, 2))
        return d

    @derived
    def twice(self, s):
        return s.x * 2

    @internal()
    def step(self, s):
        s.require(s.x == 0)
        _ = s.twice  # read (and cache) the derived value before the write
        s.x = 1
        s.y = s.twice


def test_derived_value_follows_an_earlier_write_concretely() -> None:
    m = Twice().build({})
    assert set(Explorer(m).reachable()) == {(0, 0), (1, 2)}


def test_derived_value_follows_an_earlier_write_in_z3() -> None:
    m = Twice().build({})
    pre = symbolic.const_state(m, m.start_states[0])
    st = symbolic.step(m, m.actions[0], pre.vars)
    s = z3.Solver()
    s.add(st.guard, st.in_bounds, st.post[1] != 2)
    assert s.check() == z3.unsat
