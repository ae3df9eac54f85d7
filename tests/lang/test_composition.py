"""Composition and hiding (Lynch–Tuttle), on small systems whose behaviour is counted by hand."""

from __future__ import annotations

import pytest

from ioakit.engines.explore import Explorer
from ioakit.lang.automaton import Decl, Kind, Scope, ScopeParam, Spec, input, output
from ioakit.lang.compose import CompositionError, compose
from ioakit.lang.types import BoolT, Domain
from ioakit.specs.fls import TOMachine


class OneShotSender(Spec):
    """Outputs bcast(a1)_{p1} exactly once (a client of TO-machine)."""

    name = "sender"
    parameters = (ScopeParam("processors", 1, "|P|", min=1), ScopeParam("values", 1, "|A|", min=1))

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.domain(Domain.numbered("P", sc["processors"], "p"))
        d.domain(Domain.numbered("A", sc["values"], "a"))
        d.var("sent", BoolT(), False)
        return d

    @output(a="A", p="P")
    def bcast(self, s, a, p):
        s.require(~s.sent)
        s.sent = True


class Listener(Spec):
    """Counts nothing: only takes brcv as an input (to show inputs synchronise with outputs)."""

    name = "listener"
    parameters = (ScopeParam("processors", 1, "|P|", min=1), ScopeParam("values", 1, "|A|", min=1))

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.domain(Domain.numbered("P", sc["processors"], "p"))
        d.domain(Domain.numbered("A", sc["values"], "a"))
        d.var("heard", BoolT(), False)
        return d

    @input(a="A", p="P", q="P")
    def brcv(self, s, a, p, q):
        s.heard = True


def _system(hide=()):
    to = TOMachine().build({"processors": 1, "values": 1, "max_inputs": 1}, environment=False)
    sender = OneShotSender().build({})
    return compose([sender, to], prefixes=["client", "TO"], hide=hide)


def test_synchronised_bcast_drives_to_machine():
    m = _system()
    # before the send: 1 state; after: pending=[a1] -> queue=[(a1,p1)] -> next=2: 3 states.
    r = Explorer(m).run()
    assert r.complete and r.states == 4 and r.transitions == 3
    kinds = {a.label: a.kind for a in m.actions}
    assert kinds["bcast(a=a1,p=p1)"] is Kind.OUTPUT
    assert kinds["to_order(a=a1,p=p1)"] is Kind.INTERNAL
    assert [n for n, _ in m.variables] == ["client.sent", "TO.queue", "TO.pending", "TO.next"]


def test_hiding_makes_outputs_internal_and_keeps_behaviour():
    m = _system(hide=["bcast"])
    assert {a.label: a.kind for a in m.actions}["bcast(a=a1,p=p1)"] is Kind.INTERNAL
    assert Explorer(m).run().states == 4


def test_input_matched_by_output_becomes_output():
    to = TOMachine().build({"processors": 1, "values": 1, "max_inputs": 1}, environment=False)
    m = compose([OneShotSender().build({}), to, Listener().build({})])
    (brcv,) = [a for a in m.actions if a.name == "brcv"]
    assert brcv.kind is Kind.OUTPUT
    r = Explorer(m).check([]).run()
    heard = m.var_index("listener.heard")
    assert any(s[heard] for s in Explorer(m).reachable())
    assert r.states == 4


def test_two_outputs_of_the_same_action_are_rejected():
    with pytest.raises(CompositionError, match="output of several components"):
        compose([OneShotSender().build({}), OneShotSender().build({})], prefixes=["a", "b"])


def test_shared_internal_action_is_rejected():
    to1 = TOMachine().build({"processors": 1, "values": 1, "max_inputs": 1})
    to2 = TOMachine().build({"processors": 1, "values": 1, "max_inputs": 1})
    with pytest.raises(CompositionError, match="internal"):
        compose([to1, to2], prefixes=["x", "y"])


def test_hiding_an_unknown_action_is_an_error():
    with pytest.raises(CompositionError, match="hide names no action"):
        _system(hide=["gpsnd"])
