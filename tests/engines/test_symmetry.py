"""Symmetry reduction (``ioakit.engines.symmetry``, ``Explorer.symmetry``).

Against the exploration without reduction, on the shipped machines that declare a symmetry: the
representatives' orbits are exactly the reachable states, the verdicts are the same, and a
violation has a counterexample of the same length that is a real execution of the machine (each
step one ``successors`` gives, from a start state, to a violating state). Declarations the
machine does not respect are refused, and an invariant that is not symmetric is checked on whole
orbits, so its violations are found."""

from __future__ import annotations

import pytest

from ioakit.backends.codegen import compile_predicates
from ioakit.engines.explore import Explorer, ExploreReport, Property
from ioakit.engines.symmetry import SymmetryError, check_symmetry
from ioakit.lang.automaton import Decl, Machine, Scope, ScopeParam, Spec, internal
from ioakit.lang.ir import BOT, const
from ioakit.lang.steps import StepProperty
from ioakit.lang.types import Domain, EnumT, SchemaError, SeqT, SetT
from ioakit.registry import default_properties
from ioakit.results import Verdict
from ioakit.specs.fls.to_machine import TOMachine
from ioakit.specs.fls.vs_machine import VSMachine, WeakVSMachine

SCOPES = [
    (TOMachine, {"processors": 2, "values": 2, "max_inputs": 3}),
    (TOMachine, {"processors": 3, "values": 2, "max_inputs": 2}),
    (VSMachine, {"processors": 3, "initial_members": 2, "view_ids": 2, "messages": 1, "max_inputs": 2}),
    (VSMachine, {"processors": 3, "initial_members": 1, "view_ids": 2, "messages": 2, "max_inputs": 1}),
    (VSMachine, {"processors": 2, "initial_members": 0, "view_ids": 2, "messages": 1, "max_inputs": 2}),
    (WeakVSMachine, {"processors": 3, "initial_members": 1, "view_ids": 2, "messages": 2, "max_inputs": 1}),
]


def _reduced_states(m: Machine) -> list[tuple]:
    """The representatives a reduced search reaches, through the explorer's own layer hook."""
    sym = check_symmetry(m)
    layer = m.compiled().canonical_layer(sym.canon)
    seen = {sym.canon(s): None for s in m.start_states}
    frontier = list(seen)
    while frontier:
        new: list[tuple] = []
        layer(frontier, seen, new, 10**9)
        frontier = new
    return list(seen)


@pytest.mark.parametrize(("cls", "scope"), SCOPES, ids=lambda x: getattr(x, "name", None) or str(x))
def test_orbits_of_the_representatives_are_exactly_the_reachable_states(cls, scope):
    m = cls().build(scope)
    sym = check_symmetry(m)
    full = set(Explorer(m).reachable())
    reps = _reduced_states(m)
    assert len(reps) == len(set(reps))
    assert {x for r in reps for x in sym.orbit(r)} == full
    assert all(sym.canon(r) == r for r in reps)  # one representative per orbit
    assert len(reps) == len({sym.canon(s) for s in full})
    assert len(reps) < len(full)  # the declaration reduces something at these scopes


@pytest.mark.parametrize(("cls", "scope"), SCOPES, ids=lambda x: getattr(x, "name", None) or str(x))
def test_same_verdicts_as_without_symmetry(cls, scope):
    m = cls().build(scope)
    props = default_properties(m)
    plain = Explorer(m).check(props).run()
    reduced = Explorer(m).check(props).symmetry().run()
    assert plain.verdict is Verdict.OK
    assert reduced.verdict is plain.verdict and reduced.complete
    assert [r.verdict for r in reduced.results] == [r.verdict for r in plain.results]
    assert [r.vacuous for r in reduced.results] == [r.vacuous for r in plain.results]
    assert reduced.depth == plain.depth and reduced.states < plain.states
    assert reduced.symmetry is not None and plain.symmetry is None


def _replays(m: Machine, ex, pred) -> None:
    """``ex`` is a real execution of ``m`` ending in a state violating ``pred``."""
    succ = m.compiled().successors
    assert ex.start in m.start_states
    pre = ex.start
    for k, post in ex.steps:
        assert (k, post) in succ(pre)
        pre = post
    assert not compile_predicates(m, [pred])[0](ex.final)


def _violations(m: Machine, props: list[Property]) -> ExploreReport:
    plain = Explorer(m).check(props).run()
    reduced = Explorer(m).check(props).symmetry().run()
    for p, a, b in zip(props, plain.results, reduced.results, strict=True):
        assert a.verdict is b.verdict is Verdict.VIOLATED, p.name
        assert len(a.counterexample) == len(b.counterexample), p.name
        _replays(m, b.counterexample, p.term)
    return reduced


def test_to_machine_violations_found_with_shortest_real_counterexamples():
    m = TOMachine().build({"processors": 3, "values": 2, "max_inputs": 3})
    sym_prop = Property("queue_short", m.predicate(lambda s: s.queue.length <= 1))
    # not symmetric (names p2, a2): checked on whole orbits, so still found
    p2 = const(m.decl.types["P"], 1)
    a2 = const(m.decl.types["A"], 1)
    asym = Property("p2_never_sends_a2", m.predicate(lambda s: ~s.queue.contains((a2, p2))))
    reduced = _violations(m, [sym_prop, asym])
    assert reduced.orbit_checked == ("p2_never_sends_a2",)
    # the counterexample ends in the very state named, not only one of its orbit
    assert (1, 1) in reduced.results[1].counterexample.final[0]


def test_vs_machine_violations_with_partial_symmetry():
    m = VSMachine().build({"processors": 3, "initial_members": 2, "view_ids": 2, "messages": 1, "max_inputs": 1})
    one_view = Property("one_view", m.predicate(lambda s: s.created.card() <= 1))
    p3 = const(m.decl.types["P"], 2)
    # p3 is alone outside P0 = {p1, p2}: fixed by the group, so naming it is symmetric
    p3_viewless = Property("p3_viewless", m.predicate(lambda s: s.current_viewid[p3] == BOT))
    # p2 is in P0 with p1: naming it is not
    p2 = const(m.decl.types["P"], 1)
    p2_in_g0 = Property("p2_in_g0", m.predicate(lambda s: s.current_viewid[p2] == const(m.decl.types["G"], 0)))
    reduced = _violations(m, [one_view, p3_viewless, p2_in_g0])
    assert reduced.orbit_checked == ("p2_in_g0",)


# -- declarations the machine does not respect are refused -------------------------------------------


class Grabs(Spec):
    """Processes grab once each, in an order the log keeps: symmetric in P."""

    name = "Grabs"
    parameters = (ScopeParam("procs", 3, "|P|", min=1),)

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", sc["procs"], "p"))
        d.var("holds", SetT(EnumT(P)), self.start_holds())
        d.var("log", SeqT(EnumT(P), 2))
        d.symmetric(P)
        return d

    def start_holds(self) -> frozenset[int]:
        return frozenset()

    @internal(p="P")
    def grab(self, s, p):
        s.require(~s.holds.contains(p))
        s.require(s.log.length < 2)
        s.holds = s.holds.add(p)
        s.log = s.log.append(p)


class ConstantElement(Grabs):
    name = "ConstantElement"

    @internal(p="P")
    def grab(self, s, p):
        s.require(~s.holds.contains(p))
        s.require(s.log.length < 2)
        s.require(s.holds.contains(const(s.log.type.elem, 0)) | (p == const(s.log.type.elem, 0)))
        s.holds = s.holds.add(p)
        s.log = s.log.append(p)


class OrderOnState(Grabs):
    name = "OrderOnState"

    @internal(p="P")
    def grab(self, s, p):
        s.require(~s.holds.contains(p))
        s.require((s.log.length == 0) | ((s.log.length < 2) & (s.log.last() < p)))
        s.holds = s.holds.add(p)
        s.log = s.log.append(p)


class FoldedOrder(Grabs):
    name = "FoldedOrder"

    @internal(p="P", q="P")
    def pair(self, s, p, q):
        s.require(p < q)  # folded at tracing: pair(p2, p1) is disabled, pair(p1, p2) is not
        s.require(s.log.length == 0)
        s.log = s.log.append(p).append(q)


class AsymmetricStart(Grabs):
    name = "AsymmetricStart"

    def start_holds(self) -> frozenset[int]:
        return frozenset({0})


class UnguardedHead(Grabs):
    name = "UnguardedHead"

    @internal(p="P")
    def copy(self, s, p):
        s.holds = s.holds.add(s.log.head())  # on an empty log: the default, p1


class GuardedHead(Grabs):
    name = "GuardedHead"

    @internal(p="P")
    def copy(self, s, p):
        s.require(s.log.length > 0)
        s.holds = s.holds.add(s.log.head())


class NoDeclaration(Grabs):
    name = "NoDeclaration"

    def declare(self, sc: Scope) -> Decl:
        d = super().declare(sc)
        d.symmetries.clear()
        return d


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (ConstantElement, "is not the instance"),
        (OrderOnState, "order comparison"),
        (FoldedOrder, "is not the instance"),
        (AsymmetricStart, "start states are not symmetric"),
        (UnguardedHead, "is not the instance"),
        (NoDeclaration, "declares no symmetric domain"),
    ],
)
def test_a_machine_that_is_not_symmetric_is_refused(cls, message):
    m = cls().build()
    with pytest.raises(SymmetryError, match=message):
        Explorer(m).symmetry().run()
    assert Explorer(m).run().verdict is Verdict.OK  # the machine itself is fine


def test_a_guarded_read_is_accepted_and_reduces():
    m = GuardedHead().build()
    assert Explorer(m).symmetry().run().states == len({check_symmetry(m).canon(s) for s in Explorer(m).reachable()})
    assert Grabs().build().decl.symmetries == {"P": ((0, 1, 2),)}
    assert Explorer(Grabs().build()).symmetry().run().states == 3  # logs of length 0, 1, 2


def test_step_properties_are_refused():
    m = Grabs().build()
    sp = StepProperty.trace(m, "grows", lambda pre, post, act: post.log.length >= pre.log.length)
    with pytest.raises(SymmetryError, match="step properties"):
        Explorer(m).check_steps([sp]).symmetry().run()


def test_blocks_are_validated():
    d = Decl()
    P = d.domain(Domain.numbered("P", 3, "p"))
    with pytest.raises(SchemaError, match="two blocks"):
        d.symmetric(P, ["p1", "p2"], ["p2", "p3"])
    with pytest.raises(SchemaError, match="no domain Q"):
        d.symmetric("Q")
    d.symmetric(P, ["p3"], [0, 1])
    assert d.symmetries == {"P": ((0, 1),)}


def test_every_operator_is_reviewed_for_permutations():
    """An operator added to the term language later is refused on symmetric values until it is
    reviewed: the list of commuting operators names every operator but the four order-based ones
    and ``oracle`` (an opaque Python predicate)."""
    from ioakit.engines.symmetry import _COMMUTING
    from ioakit.lang.ops import OPS

    assert set(OPS) - _COMMUTING == {"lt", "le", "seq_insort", "set_sorted", "oracle"}
    assert _COMMUTING - set(OPS) == {"var"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("cls", "scope"),
    [
        (TOMachine, {"processors": 3, "values": 2, "max_inputs": 3}),
        (TOMachine, {"processors": 4, "values": 1, "max_inputs": 3}),
        (VSMachine, {"processors": 3, "initial_members": 3, "view_ids": 2, "messages": 1, "max_inputs": 2}),
        (VSMachine, {"processors": 4, "initial_members": 2, "view_ids": 2, "messages": 1, "max_inputs": 1}),
        (WeakVSMachine, {"processors": 3, "initial_members": 2, "view_ids": 3, "messages": 1, "max_inputs": 1}),
    ],
    ids=lambda x: getattr(x, "name", None) or str(x),
)
def test_orbits_and_verdicts_at_larger_scopes(cls, scope):
    test_orbits_of_the_representatives_are_exactly_the_reachable_states(cls, scope)
    test_same_verdicts_as_without_symmetry(cls, scope)


def test_limits_and_interruptions_stay_incomplete():
    m = TOMachine().build({"processors": 3, "values": 2, "max_inputs": 3})
    r = Explorer(m).check(default_properties(m)).symmetry().max_states(100).run()
    assert r.verdict is Verdict.INCOMPLETE and r.states == 100 and "max-states" in r.reason
    r = Explorer(m).symmetry().max_depth(3).run()
    assert r.verdict is Verdict.INCOMPLETE and r.depth == 3
