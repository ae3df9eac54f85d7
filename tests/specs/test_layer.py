"""The generated breadth-first layer (``codegen.compile_layer``) against ``successors``.

The explorer's inner loop is generated separately from ``successors``: instances are regrouped
(dispatch on a key tested against constants, merged blocks, quantifier parts over a state set
iterated over its elements), so it must find exactly the steps ``successors`` lists — the same
post-states, the same numbers of transitions, bound hits and deadlocks — on every state.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioakit.specs import ir
from ioakit.specs.automaton import Decl, Machine, Scope, Spec, internal
from ioakit.specs.codegen import compile_layer, compile_scan
from ioakit.specs.explore import Explorer
from ioakit.specs.ir import And, Term, exists, forall
from ioakit.specs.machines import get_spec
from ioakit.specs.types import Domain, EnumT, IntT, MapT, RecordT, SeqT, SetT, TupleT

from ._strategies import values
from .test_codegen import _VARS, _copy, _pyeval, random_machines, term_pools


def assert_layer_agrees(m: Machine, layer: Any, s: tuple[Any, ...]) -> None:
    out = m.compiled().successors(s)
    seen: dict[Any, Any] = {}
    new: list[Any] = []
    nt, nb, nd, fb, done = layer([s], seen, new, 10**9)
    posts = [ns for _, ns in out if ns is not None]
    cut = [k for k, ns in out if ns is None]
    assert done == 1
    assert nt == len(posts), f"{s}: {nt} transitions, successors has {len(posts)}"
    assert nb == len(cut) and (fb in cut if cut else fb == -1)
    assert nd == (0 if out else 1)
    assert new == list(dict.fromkeys(new)) and set(new) == set(posts), f"{s}: {new} vs {posts}"
    assert all(seen[t] is s for t in new)


@st.composite
def dispatch_machines(draw: st.DrawFn) -> Machine:
    """``random_machines`` plus, in some instances, a conjunct ``key == c`` on one shared key
    (each instance with its own copy of it, as traced instances of a family have)."""
    m = draw(random_machines())
    keys = [(i, t) for i, (_, t) in enumerate(_VARS) if isinstance(t, EnumT | IntT)]
    i, kt = draw(st.sampled_from(keys), label="key variable")
    key = ir.Term("var", (), kt, (i, f"v{i}"))
    maps = [(j, t) for j, (_, t) in enumerate(_VARS) if isinstance(t, MapT) and isinstance(t.val, EnumT | IntT)]
    if maps and draw(st.booleans(), label="key is a map entry"):
        j, mt = draw(st.sampled_from(maps))
        at = tuple(ir.const(k, draw(st.sampled_from(list(k.values())))) for k in mt.keys)
        key = ir.map_get(ir.Term("var", (), mt, (j, f"v{j}")), at if len(at) > 1 else at[0])
        kt = key.type
    vals = list(kt.values())
    actions = []
    for a in m.actions:
        if draw(st.booleans(), label="test the key"):
            c = ir.const(kt, draw(st.sampled_from(vals)))
            conj = ir.eq(_copy(key, {}), c) if draw(st.booleans()) else ir.eq(c, _copy(key, {}))
            parts = list(a.guard.args) if a.guard.op == "and" else [a.guard]
            at = draw(st.integers(0, len(parts)), label="position")
            a = type(a)(a.family, a.args, ir.And(*parts[:at], conj, *parts[at:]), a.writes, a.label)
        actions.append(a)
    return Machine(m.name, m.scope, m.decl, m.variables, m.start_states, m.families, tuple(actions), m.derived)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=dispatch_machines(), data=st.data())
def test_the_layer_finds_the_steps_successors_lists(m: Machine, data: st.DataObject) -> None:
    layer = compile_layer(m)
    for _ in range(4):
        assert_layer_agrees(m, layer, tuple(data.draw(values(t), label=n) for n, t in _VARS))


class _Families(Spec):
    """Every regrouping the layer does, on a state space small enough to enumerate:

    * ``take(a, p, q)``: ``queue[next[q]] == ⟨a, p⟩`` with one effect for all ⟨a, p⟩ (merged,
      the constants cover the key's type, so the key is not even tested);
    * ``pick(a, p)``, ``a ≠ a3``: merged, but the constants do not cover the type (tested);
    * ``copy(a, q)``: the effect depends on ``a`` (a dispatch, not merged);
    * ``twice(a, q)``: two instances per value of the key (not merged);
    * ``join(v)``: ∀/∃ over the state set ``views`` (bare memberships and bodies).
    """

    name = "families"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        A = d.domain(Domain.numbered("A", 3, "a"))
        P = d.domain(Domain.numbered("P", 2, "p"))
        G = d.domain(Domain.numbered("G", 2, "g", start=0))
        d.type("views", RecordT("view", (("id", EnumT(G)), ("set", SetT(EnumT(P))))))
        d.var("queue", SeqT(TupleT(EnumT(A), EnumT(P)), 1))
        d.var("next", MapT((EnumT(P),), IntT(1, 2)), (1, 1))
        d.var("last", MapT((EnumT(P),), EnumT(A, bottom=True)), (-1, -1))
        d.var("views", SetT(d.types["views"]))
        return d

    @internal(a="A", p="P", q="P")
    def take(self, s, a, p, q):
        s.require(s.next[q] <= s.queue.length)
        s.require(s.queue.at(s.next[q]) == (a, p))
        s.next[q] = s.next[q] + 1

    @internal(a="A", p="P", where=lambda a, p: a.value != 2)
    def pick(self, s, a, p):
        s.require(s.queue.at(1) == (a, p))
        s.queue = s.queue.tail()

    @internal(a="A", q="P")
    def copy(self, s, a, q):
        s.require(s.last[q] == a)
        s.last[q] = ir.BOT

    @internal(a="A", q="P")
    def twice(self, s, a, q):
        s.require(s.queue.at(1)._1 == a)
        s.last[q] = a

    @internal(v="views")
    def join(self, s, v):
        s.require(forall(s.views, lambda w: v.id > w.id))
        s.require(
            exists(s.views, lambda w: And(w.set.subset(v.set), forall(w.set, lambda r: s.next[r] < 2)))
            | (s.views.card() == 0)
        )
        s.views = s.views.add(v)


def test_the_layer_agrees_on_every_state_of_the_family_patterns() -> None:
    m = _Families().build({})
    layer = m.compiled().layer
    src = layer.source  # type: ignore[attr-defined]
    assert "differ only in the value of a key" in src and "dispatch of" in src and "isdisjoint" in src
    queues = [()] + [(e,) for e in m.variables[0][1].elem.values()]  # sequences have no values()
    states = list(itertools.product(queues, *(t.values() for _, t in m.variables[1:])))
    assert len(states) > 10_000
    for s in states[::7]:
        assert_layer_agrees(m, layer, s)


def test_explorations_of_the_paper_machines_find_the_reference_counts() -> None:
    """The explorer (which runs the layer) against the layer-free reachable set by successors."""
    for name, scope in (("TO-machine", {"max_inputs": 2}), ("VS-machine", {}), ("WeakVS-machine", {"max_inputs": 1})):
        m = get_spec(name).build(scope)
        succ = m.compiled().successors
        seen = dict.fromkeys(m.start_states)
        frontier = list(seen)
        while frontier:
            new = []
            for s in frontier:
                for _, t in succ(s):
                    if t is not None and t not in seen:
                        seen[t] = s
                        new.append(t)
            frontier = new
        assert set(Explorer(m).reachable()) == set(seen)
        for s in list(seen)[::5]:
            assert_layer_agrees(m, m.compiled().layer, s)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool=term_pools(), data=st.data())
def test_a_scan_finds_the_first_state_violating_or_witnessing(pool: Any, data: st.DataObject) -> None:
    """``compile_scan`` inlines all predicates and computes their shared subterms once per
    state (memoised where met conditionally): it must still find the first violating state
    (``find=False``) and the first witnessing state (``find=True``) of the reference meaning."""
    bools = pool[0]["bool"]
    preds = data.draw(st.lists(st.sampled_from(bools), min_size=1, max_size=6), label="predicates")
    preds = [_copy(p, {}) for p in preds]  # separate objects, as separately traced properties are
    states = data.draw(st.lists(st.tuples(*(values(t) for _, t in _VARS)), min_size=1, max_size=6), label="states")
    start = data.draw(st.integers(0, len(states)), label="start")
    truth = [[bool(_pyeval(p, s)) for p in preds] for s in states]
    violating = next((i for i in range(start, len(states)) if not all(truth[i])), -1)
    witnessing = next((i for i in range(start, len(states)) if any(truth[i])), -1)
    m = SimpleNamespace(name="scan-test", variables=_VARS)
    assert compile_scan(m, preds, find=False)(states, start) == violating
    assert compile_scan(m, preds, find=True)(states, start) == witnessing


def test_a_scan_recomputes_memoised_subterms_for_every_state() -> None:
    """``p1 ∈ s`` is shared by two predicates and first met in a conditional position (after
    ``not b or``), so it is memoised; the memo must not carry over from one state to the next."""
    m = SimpleNamespace(name="scan-test", variables=_VARS)
    b = ir.Term("var", (), _VARS[0][1], (0, "b"))

    def member() -> Term:  # a separate object each time, as separately traced properties have
        return ir.Term("var", (), _VARS[4][1], (4, "s")).contains(ir.const(_VARS[4][1].elem, 0))

    preds = [ir.Implies(b, member()), ir.Or(b, member())]
    base = (True, 0, -1, (), frozenset(), ((), ()), (0, frozenset()), -1, (0, 0, 0, 0))
    assert all(t.check(v) for (_, t), v in zip(_VARS, base))
    states = [base[:4] + (frozenset({0}),) + base[5:], base]
    assert compile_scan(m, preds, find=False)(states, 0) == 1
