"""A lossy, unordered channel with its in-flight messages in a bag (``BagT``), for the tests.

``send(m)`` puts a copy of ``m`` in flight, ``deliver(m)`` takes one copy out and records ``m`` as
received, ``lose(m)`` drops one copy, and ``flush`` empties the channel once every message in
flight has been received at least once (a quantifier over the bag's distinct elements). The
scope bounds how many copies of one message may be in flight.
"""

from __future__ import annotations

from typing import Any

from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, internal
from ioakit.lang.types import BagT, Domain, EnumT, SetT


class LossyChannel(Spec):
    """An unordered, lossy channel of messages ``M`` with at most ``copies`` copies of each in flight."""

    name = "lossy-channel"
    parameters = (
        ScopeParam("messages", 2, "number of messages |M| (m1, m2, ...)", min=1),
        ScopeParam("copies", 2, "most copies of one message in flight", min=1),
    )

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        M = d.domain(Domain.numbered("M", sc["messages"], "m"))
        d.var("net", BagT(EnumT(M), sc["copies"]))
        d.var("got", SetT(EnumT(M)))
        return d

    @internal(m="M")
    def send(self, s: Any, m: Any) -> None:
        s.net = s.net.add(m)

    @internal(m="M")
    def deliver(self, s: Any, m: Any) -> None:
        s.require(s.net.contains(m))
        s.net = s.net.remove(m)
        s.got = s.got.add(m)

    @internal(m="M")
    def lose(self, s: Any, m: Any) -> None:
        s.require(s.net.count(m) > 0)
        s.net = s.net.remove(m)

    @internal()
    def flush(self, s: Any) -> None:
        s.require(s.net.size() > 0)
        s.require(ir.forall(s.net, lambda m: s.got.contains(m)))
        s.net = ir.bag_lit(s.net.type)
