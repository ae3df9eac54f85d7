"""The invariant language's `let`, `sorted`, set comprehensions, big unions and record order, on
the summaries machine (``tests/backends/summary_machine.py``: FLS-style labels, summaries and
``allstate``, a set without a finite universe): the compiled invariants hold on every reachable
state, agree with their Z3 meaning on arbitrary states, and each new mistake is a located error.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
import z3
from backends.summary_machine import Summaries
from backends.test_differential import assert_properties_agree, state_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioakit.backends import codegen, symbolic
from ioakit.engines.explore import Explorer
from ioakit.invariants import InvariantError, load_invariants
from ioakit.lang.automaton import Machine

GOOD = """machine summaries

def known(x) = {e.1 | e in x.con}
def everything = union(x in allstate: x.con)

invariant ord_in_labels: forall x in allstate: forall l in x.ord: l in labels
invariant con_in_labels: forall x in allstate: forall e in x.con: e.1 in labels
invariant ord_is_sorted: forall x in allstate: prefix(x.ord, sorted(known(x)))
invariant ord_increases: forall x in allstate: len(x.ord) == 2 implies x.ord[1] < x.ord[2]
invariant learned_known: learned subset everything
invariant own_labels:
  forall p in P: let s = summ[p] in {e.1 | e in s.con where e.1.3 == p} == known(s)
invariant labels_counted: sum(x in allstate: |known(x)|) == |labels|
invariant high_is_last: forall p in P: let o = summ[p].ord in len(o) > 0 implies (o[len(o)].1, 0) <= (summ[p].high, 1)
invariant tuples_ordered: forall l in labels: (l.1, l.2) <= (l.1, 1) and not ((l.1, l.2, l.3) < l)
invariant some_sorted: exists x in allstate: len(x.ord) <= len(sorted(labels))
"""


@functools.cache
def machine() -> Machine:
    return Summaries().build({})


@functools.cache
def invariants() -> Any:
    return load_invariants(GOOD, machine(), filename="summaries.inv")


def test_the_invariants_hold_on_every_reachable_state() -> None:
    m = machine()
    props = invariants().properties
    fns = codegen.compile_predicates(m, [p.term for p in props])
    states = Explorer(m).reachable()
    assert len(states) == 253
    for s in states:
        for p, fn in zip(props, fns):
            assert fn(s), f"{p.name} is false at {m.show_state(s)}"


def test_a_false_invariant_over_allstate_is_found() -> None:
    """Not vacuous: the same constructs state something false, and exploration says so."""
    m = machine()
    bad = load_invariants(
        "machine summaries\ninvariant never_sorted: forall x in allstate: len(x.ord) == 0\n"
        "invariant few: sum(x in allstate: |{e.1 | e in x.con}|) < 2\n",
        m,
    )
    fns = codegen.compile_predicates(m, [p.term for p in bad.properties])
    states = Explorer(m).reachable()
    for fn in fns:
        assert not all(fn(s) for s in states)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_and_z3_invariants_agree_on_arbitrary_states(data: st.DataObject) -> None:
    m = machine()
    assert_properties_agree(m, invariants().properties, data.draw(state_values(m), label="state"))


@pytest.mark.parametrize(
    ("names", "inductive"),
    [(("ord_in_labels", "con_in_labels"), True), (("learned_known",), True), (("ord_in_labels",), False)],
    ids=str,
)
def test_z3_reasons_about_allstate_in_induction(names: tuple[str, ...], inductive: bool) -> None:
    """Quantifiers over allstate, and the big union of its summaries, in a proof: the
    conjunction is preserved by every step (or, alone, ``ord_in_labels`` is not: ``summarize``
    takes labels from the pairs, which it says nothing about)."""
    m = machine()
    props = [p for p in invariants().properties if p.name in names]
    pre = symbolic.fresh_state(m, "s")
    results = []
    for inst in m.actions:
        step = symbolic.step(m, inst, pre.vars)
        solver = z3.Solver()
        solver.add(*pre.wf, *(symbolic.predicate(p.term, pre.vars) for p in props), step.guard, step.in_bounds)
        solver.add(z3.Not(z3.And(*(symbolic.predicate(p.term, step.post) for p in props))))
        results.append(solver.check())
    assert all(r == z3.unsat for r in results) == inductive, results


def test_let_is_shared_and_scoped() -> None:
    m = machine()
    invs = load_invariants("machine summaries\ninvariant a: let n = |labels| in n <= 2 and n >= 0\n", m)
    assert len(invs.properties) == 1


ERRORS = [
    ("len(sorted(allstate)) == 0", "sorted needs a set of ordered values, but field con of summary", "allstate"),
    ("forall p in P: summ[p] < summ[p]", "cannot order a summary value: field con of summary", "<"),
    ("{e.1 | e in labels where e.2} == labels", "the condition (after `where`) of a set comprehension must be", "e.2"),
    ("union(x in allstate: len(x.ord)) == {}", "the body of `union` must be a set", "len(x.ord)"),
    ("let labels = 1 in true", "`labels` is a state variable", "labels"),
    ("union(x in allstate x.con) == {}", "expected `:` after the bindings of `union`", "x"),
    ("let n = |labels| n == 1", "unexpected name `n`", "n"),
]


@pytest.mark.parametrize(("formula", "message", "at"), ERRORS, ids=[m for _, m, _ in ERRORS])
def test_each_new_mistake_is_a_located_error(formula: str, message: str, at: str) -> None:
    text = f"machine summaries\ninvariant bad:\n  {formula}\n"
    with pytest.raises(InvariantError) as info:
        load_invariants(text, machine(), filename="bad.inv")
    out = str(info.value)
    assert message in out
    col = 3 + formula.rindex(at)
    assert out.startswith(f"bad.inv:3:{col}: error:"), out
    assert "\n   3 |   " + formula in out and "^" in out


def test_quantifying_over_a_state_set_without_a_universe_is_a_located_error() -> None:
    from ioakit.lang.automaton import Decl, Scope, Spec, internal
    from ioakit.lang.types import Domain, EnumT, SeqT, SetT

    class Bags(Spec):
        name = "seqsets"
        parameters = ()

        def declare(self, sc: Scope) -> Decl:
            d = Decl()
            P = d.domain(Domain.numbered("P", 2, "p"))
            d.var("seen", SetT(SeqT(EnumT(P), 2)))
            return d

        @internal(p="P")
        def see(self, s: Any, p: Any) -> None:
            s.seen = s.seen.add(s.seen.type.elem.default() + ())  # the empty sequence

    m = Bags().build({})
    assert Explorer(m).reachable()  # concrete: fine
    with pytest.raises(InvariantError) as info:
        load_invariants("machine seqsets\ninvariant a: forall q in seen: len(q) <= 2\n", m, filename="s.inv")
    assert "s.inv:2:14: error:" in str(info.value) and "no finite enumeration" in str(info.value)
