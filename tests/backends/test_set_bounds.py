"""A set-valued variable never holds an element its declared type lacks: adding one (an integer
beyond the element range, ⊥ to a set of processors) is a step cut off by the scope's bounds in
BOTH semantics — before, the generated code stored the element while the Z3 encoding (one bit
per element of the declared type) silently dropped it, so the two semantics disagreed."""

from __future__ import annotations

import z3

from ioakit.backends import symbolic
from ioakit.backends.codegen import OUT_OF_BOUNDS
from ioakit.engines.explore import Explorer
from ioakit.lang.automaton import Decl, Scope, Spec, internal
from ioakit.lang.ir import BOT
from ioakit.lang.types import Domain, EnumT, IntT, MapT, SetT


class Grow(Spec):
    """``x`` counts 1..2; ``seen`` may only hold 1; ``who`` a set of processors, ``owner`` one or ⊥;
    ``per`` a map of sets written at a state-dependent key."""

    name = "grow"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", 2, "p"))
        d.var("x", IntT(1, 2), 1)
        d.var("seen", SetT(IntT(1, 1)))
        d.var("owner", EnumT(P, True), -1)
        d.var("who", SetT(EnumT(P)))
        d.var("per", MapT((EnumT(P),), SetT(IntT(1, 1))))
        return d

    @internal()
    def tick(self, s):
        s.require(s.x == 1)
        s.x = 2

    @internal()
    def record(self, s):
        s.seen = s.seen.add(s.x)  # x = 2 does not fit Set[Int 1..1]

    @internal()
    def claim(self, s):
        s.who = s.who.add(s.owner)  # owner = ⊥ does not fit Set[P]

    @internal(p="P")
    def note(self, s, p):
        s.per[p] = s.per[p].add(s.x)  # a map of sets, updated with a value that may not fit


def _agree(m, state, k):
    """The compiled step and the Z3 step agree on whether step ``k`` happens, and on its result."""
    post = m.compiled().steps[k](state)
    st = symbolic.step(m, m.actions[k], symbolic.const_state(m, state).vars)
    s = z3.Solver()
    s.add(st.guard, st.in_bounds)
    happens = s.check() == z3.sat
    assert happens == (post is not None and post is not OUT_OF_BOUNDS), (m.actions[k].label, state, post)
    if happens:
        assert symbolic.model_state(m, s.model(), st.post) == post
    return post


def test_an_out_of_range_element_is_a_cut_step_in_both_semantics() -> None:
    m = Grow().build({})
    labels = [a.label for a in m.actions]
    reach = Explorer(m).allow_bound_hits().reachable()
    for state in reach:
        for k in range(len(m.actions)):
            _agree(m, state, k)
    assert all(all(v == 1 for v in st[m.var_index("seen")]) for st in reach)
    assert all(-1 not in st[m.var_index("who")] for st in reach)
    r = Explorer(m).run()
    assert not r.complete and r.bound_hits > 0 and r.first_bound_hit is not None
    assert r.first_bound_hit.action in labels


def test_in_range_elements_are_stored_without_a_check() -> None:
    m = Grow().build({})
    start = m.start_states[0]
    post = _agree(m, start, [a.label for a in m.actions].index("record()"))
    assert post is not None and post[m.var_index("seen")] == frozenset({1})
    BOT  # noqa: B018  (⊥ is what `owner` starts as)
