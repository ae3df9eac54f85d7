"""Bags (``BagT``, finite multisets) in a machine: the lossy, unordered channel of
``backends/bag_channel.py``. The scope bounds how many copies of one message may be in flight:
a ``send`` past that bound is cut off and counted in ``bound_hits``, as a sequence growing past
its bound is. The explorer's numbers are compared with an independent breadth-first search
written here in plain Python.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import pytest
import z3
from backends.bag_channel import LossyChannel

from ioakit.backends import symbolic
from ioakit.backends.codegen import OUT_OF_BOUNDS
from ioakit.engines.explore import Explorer, Property
from ioakit.lang import ir
from ioakit.lang.types import BagT, Domain, EnumT, SchemaError


def hand_written_search(messages: int, copies: int) -> tuple[set[Any], int, int]:
    """(reachable states, transitions, bound hits) by a plain breadth-first search of the channel
    above, states ``(counts, received)`` with ``counts[m]`` the copies of ``m`` in flight."""
    start = ((0,) * messages, frozenset())
    seen = {start}
    todo = deque([start])
    transitions = hits = 0
    while todo:
        counts, got = todo.popleft()
        nexts = []
        for m in range(messages):
            if counts[m] == copies:
                hits += 1  # send(m) would exceed the bound
            else:
                nexts.append((counts[:m] + (counts[m] + 1,) + counts[m + 1 :], got))
            if counts[m] > 0:
                fewer = counts[:m] + (counts[m] - 1,) + counts[m + 1 :]
                nexts.append((fewer, got | {m}))  # deliver
                nexts.append((fewer, got))  # lose
        if sum(counts) > 0 and all(m in got for m in range(messages) if counts[m] > 0):
            nexts.append(((0,) * messages, got))  # flush
        for t in nexts:
            transitions += 1
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return seen, transitions, hits


@pytest.mark.parametrize(("messages", "copies"), [(1, 1), (2, 2), (3, 2), (2, 3)])
def test_the_explorer_agrees_with_a_hand_written_search(messages: int, copies: int) -> None:
    m = LossyChannel().build({"messages": messages, "copies": copies})
    states, transitions, hits = hand_written_search(messages, copies)
    assert set(Explorer(m).reachable()) == states
    r = Explorer(m).run()
    assert (r.states, r.transitions, r.bound_hits) == (len(states), transitions, hits)
    assert hits > 0 and r.first_bound_hit is not None and r.first_bound_hit.action == "send(m=m1)"
    assert r.first_bound_hit.variable == "net" and not r.complete  # a cut step is never silent
    accepted = Explorer(m).allow_bound_hits().run()
    assert accepted.verdict.value == "OK" and accepted.bound_hits_allowed and accepted.states == len(states)
    # every count vector with every set of received messages: (copies + 1)^|M| · 2^|M|
    assert r.states == (copies + 1) ** messages * 2**messages


def test_a_send_over_the_bound_is_cut_off_in_both_semantics() -> None:
    m = LossyChannel().build({"messages": 2, "copies": 2})
    full = ((2, 0), frozenset())
    k = next(i for i, a in enumerate(m.actions) if a.label == "send(m=m1)")
    assert m.compiled().steps[k](full) is OUT_OF_BOUNDS
    assert (k, None) in m.compiled().successors(full)
    sym = symbolic.step(m, m.actions[k], symbolic.const_state(m, full).vars)
    assert z3.is_true(z3.simplify(sym.guard)) and z3.is_false(z3.simplify(sym.in_bounds))
    below = ((1, 0), frozenset())
    assert m.compiled().steps[k](below) == ((2, 0), frozenset())


def test_bag_properties_and_counterexamples() -> None:
    m = LossyChannel().build({"messages": 2, "copies": 2})
    # received messages were once in flight: nothing says so, so this fails at the start
    p = Property("in flight before received", m.predicate(lambda s: ir.exists(s.net, lambda x: s.got.contains(x))))
    ok = Property(
        "at most copies of each", m.predicate(lambda s: ir.forall(m.decl.domains["M"], lambda x: s.net.count(x) <= 2))
    )
    r = Explorer(m).check([p, ok]).run()
    assert r.results[0].counterexample is not None and r.results[1].counterexample is None


def test_bag_values_show_and_round_trip_through_json() -> None:
    M = Domain.numbered("M", 3, "m")
    t = BagT(EnumT(M), 2)
    v = t.of([2, 0, 2])
    assert v == (1, 0, 2) and t.check(v) and not t.check((3, 0, 0))
    assert t.show(v) == "⦃m1, m3, m3⦄"
    assert t.to_json(v) == ["m1", "m3", "m3"] and t.from_json(t.to_json(v)) == v
    with pytest.raises(SchemaError):
        t.from_json(["m1", "m1", "m1"])
    assert len(list(t.values())) == 27 and t.default() == (0, 0, 0)


def test_invariant_files_read_bags() -> None:
    """The invariant DSL quantifies over a bag's distinct elements, tests membership and takes
    ``|b|`` (with repetitions); each invariant means what the Python predicate says on every
    reachable state."""
    from ioakit.backends.codegen import compile_predicates
    from ioakit.invariants import load_invariants

    m = LossyChannel().build({"messages": 2, "copies": 2})
    text = (
        "machine lossy-channel\n"
        "invariant flying: forall x in net: x in M\n"
        "invariant some: exists x in net: x in got\n"
        "invariant size: |net| <= 2\n"
        "invariant member: m1 in net implies |net| >= 1\n"
    )
    invs = load_invariants(text, m)
    preds = compile_predicates(m, [p.term for p in invs.properties])
    expected = [
        lambda net, got: True,
        lambda net, got: any(c and i in got for i, c in enumerate(net)),
        lambda net, got: sum(net) <= 2,
        lambda net, got: net[0] == 0 or sum(net) >= 1,
    ]
    states = Explorer(m).reachable()
    for s in states:
        assert [bool(p(s)) for p in preds] == [f(*s) for f in expected], s
    assert {bool(preds[2](s)) for s in states} == {True, False}  # the size invariant is not trivial


def test_the_prover_reasons_about_bags() -> None:
    """Z3 over bag counts: a bound that holds by the scope is inductive, one that a step can
    break has a counterexample to induction, and BMC finds the shortest way to receive m1."""
    from ioakit.engines.prove import Outcome, Prover

    m = LossyChannel().build({"messages": 2, "copies": 2})
    bounded = Property("bounded", m.predicate(lambda s: s.net.size() <= 4))
    # the channel drops sends over its capacity (cut steps): unless accepted, no proof is claimed
    assert Prover(m).inductive_alone(bounded).outcome is Outcome.UNKNOWN
    prover = Prover(m, allow_bound_hits=True)
    assert prover.inductive_alone(bounded).outcome is Outcome.INDUCTIVE
    small = Property("small", m.predicate(lambda s: s.net.size() <= 3))
    assert prover.inductive_alone(small).outcome is Outcome.NOT_INDUCTIVE
    m1 = ir.const(m.decl.types["M"], 0)
    never = Property("never m1", m.predicate(lambda s: ~s.got.contains(m1)))
    item = prover.bmc([never], depth=3).item("never m1")
    assert item.violated_at == 2 and item.replay()
