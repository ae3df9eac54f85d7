"""Declared systems (``ioakit.lang.system``): indexed components, parameters taken from the state,
matching by roles, hiding, derived variables kept, and the exact reachable states of a small
system checked against a hand-written search."""

from __future__ import annotations

from typing import Any

import pytest

from ioakit.engines.explore import Explorer
from ioakit.lang.automaton import Decl, Kind, Scope, ScopeParam, Spec, derived, from_state, input, internal, output
from ioakit.lang.ir import BOT
from ioakit.lang.system import Component, CompositionError, System
from ioakit.lang.types import BoolT, Domain, EnumT, IntT, MapT


class Counter(Spec):
    """One counter per processor: ``tick_p`` adds one (up to ``max_count``); ``report(n)_p``
    outputs the count taken from the state, once per tick."""

    name = "Counter"
    index = ("p", "P")
    parameters = (ScopeParam("processors", 2, "|P|", min=1), ScopeParam("max_count", 2, "ticks per counter"))

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.domain(Domain.numbered("P", sc["processors"], "p"))
        d.var("count", IntT(0, sc["max_count"]), lambda p: 0)
        d.var("fresh", BoolT(), lambda p: p == 0)  # p1 starts with something to report
        return d

    @internal()
    def tick(self, s, p):
        s.require(s.count < 2)
        s.count = s.count + 1
        s.fresh = True

    @output(n=from_state("N"))
    def report(self, s, p):
        s.require(s.fresh)
        s.bind(n=s.count)
        s.fresh = False

    @derived
    def busy(self, s):
        return s.fresh


class CounterLog(System):
    name = "CounterLog"
    parameters = Counter.parameters
    hide = ()

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.type("N", IntT(0, sc["max_count"]))
        return d

    def components(self, sc: Scope, d: Decl) -> list[Component]:
        return [Component(Counter()), Component(SimpleLog())]


class SimpleLog(Spec):
    name = "SimpleLog"
    parameters = Counter.parameters

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", sc["processors"], "p"))
        d.type("N", IntT(0, sc["max_count"]))
        d.var("last", MapT((EnumT(P),), IntT(-1, sc["max_count"])), None)
        d.start["last"] = tuple(-1 for _ in range(sc["processors"]))
        d.var("reports", IntT(0, 2 * sc["processors"] * (sc["max_count"] + 1)))
        return d

    @input(value="N", who="P", roles={"value": "n", "who": "p"}, at="who")
    def report(self, s, value, who):
        s.last[who] = value
        s.reports = s.reports + 1


def _oracle(processors: int, max_count: int) -> set[Any]:
    """Hand-written search of CounterLog: state = (counts, fresh, last, reports)."""
    start = ((0,) * processors, tuple(p == 0 for p in range(processors)), (-1,) * processors, 0)
    seen, todo = {start}, [start]
    while todo:
        c, f, last, n = todo.pop()
        nxt = []
        for p in range(processors):
            if c[p] < 2:
                nxt.append((c[:p] + (c[p] + 1,) + c[p + 1 :], f[:p] + (True,) + f[p + 1 :], last, n))
            if f[p]:
                nxt.append((c, f[:p] + (False,) + f[p + 1 :], last[:p] + (c[p],) + last[p + 1 :], n + 1))
        for s in nxt:
            if s not in seen:
                seen.add(s)
                todo.append(s)
    return seen


@pytest.mark.parametrize("processors", [1, 2, 3])
def test_a_system_explores_exactly_the_composed_states(processors: int) -> None:
    m = CounterLog().build({"processors": processors, "max_count": 2})
    assert [n for n, _ in m.variables] == ["count", "fresh", "last", "reports"]
    r = Explorer(m).run()
    assert r.complete
    expected = _oracle(processors, 2)
    assert r.states == len(expected)
    # instances grow with processors, not with the values a report can carry
    assert len(m.actions) == 2 * processors


def test_the_label_carries_the_value_taken_from_the_state_and_the_roles() -> None:
    m = CounterLog().build({"processors": 2, "max_count": 2})
    fams = {f.name: f for f in m.families}
    assert [n for n, _ in fams["report"].params] == ["n", "p"]
    assert fams["report"].kind is Kind.OUTPUT and fams["report"].location == "p"
    assert fams["tick"].kind is Kind.INTERNAL
    k = next(i for i, a in enumerate(m.actions) if a.name == "report" and a.args[1] == 0)
    start = m.start_states[0]
    assert m.actions[k].label == "report(n=·,p=p1)"
    assert m.label_of(k, start) == "report(n=0,p=p1)"
    assert m.args_json_of(k, start) == {"n": 0, "p": "p1"}
    post = m.compiled().steps[k](start)
    assert m.state_json(post)["last"] == {"p1": 0, "p2": -1}


def test_derived_variables_of_an_indexed_component_become_maps() -> None:
    m = CounterLog().build({"processors": 2, "max_count": 2})
    t = m.predicate(lambda s: s.busy["p1"] & ~s.busy["p2"])
    from ioakit.backends.codegen import compile_predicates

    assert compile_predicates(m, [t])[0](m.start_states[0])


def test_hiding_and_incompatible_compositions_are_reported() -> None:
    class Hidden(CounterLog):
        hide = ("report",)

    m = Hidden().build({"processors": 1})
    assert {f.name: f.kind for f in m.families}["report"] is Kind.INTERNAL

    class Typo(CounterLog):
        hide = ("reprot",)

    with pytest.raises(CompositionError, match="hide names no output"):
        Typo().build({"processors": 1})

    class BadRoles(Spec):
        name = "BadRoles"
        parameters = Counter.parameters

        def declare(self, sc: Scope) -> Decl:
            d = Decl()
            d.domain(Domain.numbered("P", sc["processors"], "p"))
            d.type("N", IntT(0, sc["max_count"]))
            d.var("x", IntT(0, 1))
            return d

        @input(value="N")
        def report(self, s, value):
            s.x = 1

    class Broken(CounterLog):
        def components(self, sc: Scope, d: Decl) -> list[Component]:
            return [Component(Counter()), Component(BadRoles())]

    with pytest.raises(CompositionError, match="role value"):
        Broken().build({"processors": 1})


def test_choose_in_an_effect_gives_one_instance_per_choice() -> None:
    class Pick(Spec):
        name = "Pick"
        parameters = (ScopeParam("processors", 3, "|P|", min=1),)

        def declare(self, sc: Scope) -> Decl:
            d = Decl()
            P = d.domain(Domain.numbered("P", sc["processors"], "p"))
            d.var("leader", EnumT(P, bottom=True), -1)
            return d

        @internal()
        def elect(self, s):
            s.require(s.leader == BOT)
            s.leader = s.choose("q", s.leader.type.without_bottom().domain)

    m = Pick().build({})
    assert [a.label for a in m.actions] == ["elect()[q=p1]", "elect()[q=p2]", "elect()[q=p3]"]
    assert Explorer(m).run().states == 4
