"""A small implementation of TO-machine of our own, with refinement mappings right and wrong,
for testing the refinement checkers on something other than the paper's VStoTO.

``Relay``: each processor keeps an outbox; a sequencer step ``order(p)`` moves the head of p's
outbox to the log; ``brcv`` delivers the log in order. ``f``: queue = log, pending = outbox,
next = delivered. ``order(p)`` corresponds to TO-machine's ``to_order(head(outbox[p]), p)``.
"""

from __future__ import annotations

from typing import Any

from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, input, internal, output
from ioakit.lang.types import Domain, EnumT, IntT, MapT, SeqT, TupleT
from ioakit.refinement.mapping import Cases, Refinement, call, fragment


class Relay(Spec):
    """A sequencer relay (ours, for tests): bcast → outbox[p]; order(p) → log; brcv from log."""

    name = "Relay"
    source = "ioakit tests"
    parameters = (
        ScopeParam("processors", 2, "processors", min=1),
        ScopeParam("values", 2, "values", min=1),
        ScopeParam("max_inputs", 2, "bcast inputs", min=0),
    )

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", sc["processors"], "p"))
        A = d.domain(Domain.numbered("A", sc["values"], "a"))
        n = sc["max_inputs"]
        d.var("log", SeqT(TupleT(EnumT(A), EnumT(P)), n))
        d.var("outbox", MapT((EnumT(P),), SeqT(EnumT(A), n)))
        nt = MapT((EnumT(P),), IntT(1, n + 1))
        d.var("delivered", nt, nt.const(1))
        d.input_budget = n
        return d

    @input(a="A", p="P")
    def bcast(self, s, a, p):
        s.outbox[p] = s.outbox[p].append(a)

    @internal(p="P")
    def order(self, s, p):
        s.require(s.outbox[p].length > 0)
        s.log = s.log.append((s.outbox[p].head(), p))
        s.outbox[p] = s.outbox[p].tail()

    @output(a="A", p="P", q="P")
    def brcv(self, s, a, p, q):
        s.require(s.delivered[q] <= s.log.length)
        s.require(s.log.at(s.delivered[q]) == (a, p))
        s.delivered[q] = s.delivered[q] + 1


class SloppyRelay(Relay):
    """A seeded bug: brcv delivers the *last* log entry instead of the next one."""

    name = "SloppyRelay"

    @output(a="A", p="P", q="P")
    def brcv(self, s, a, p, q):
        s.require(s.delivered[q] <= s.log.length)
        s.require(s.log.last() == (a, p))
        s.delivered[q] = s.delivered[q] + 1


class RelayToTO(Refinement):
    """f: queue = log, pending = outbox, next = delivered; order(p) ↦ to_order(head, p)."""

    name = "relay-f"
    impl = ("Relay", "SloppyRelay")
    spec = "TO-machine"

    def spec_scope(self, sc: Scope) -> dict[str, int]:
        return {"processors": sc["processors"], "values": sc["values"], "max_inputs": sc["max_inputs"]}

    def abstraction(self, s: Any) -> dict[str, Any]:
        return {"queue": s.log, "pending": s.outbox, "next": s.delivered}

    @fragment("bcast")
    def bcast(self, s: Any, a: Any, p: Any) -> list[Any]:
        return [call("bcast", a=a, p=p)]

    @fragment("order")
    def order(self, s: Any, p: Any) -> list[Any]:
        return [call("to_order", a=s.outbox[p].head(), p=p)]

    @fragment("brcv")
    def brcv(self, s: Any, a: Any, p: Any, q: Any) -> list[Any]:
        return [call("brcv", a=a, p=p, q=q)]


class RelaySearch(RelayToTO):
    """The same f with no fragment for ``order``: found by search (one to_order step)."""

    name = "relay-search"

    def fragments(self) -> dict[str, Any]:
        out = super().fragments()
        del out["order"]
        return out


class RelayForgetsOrder(RelayToTO):
    """A wrong correspondence: order ↦ nothing (f changes, so it must be caught)."""

    name = "relay-forgets-order"

    @fragment("order")
    def order(self, s: Any, p: Any) -> list[Any]:  # type: ignore[override]
        return []


class RelayHidesBcast(RelayToTO):
    """A wrong correspondence: bcast ↦ to_order-free nothing, so the external action is lost."""

    name = "relay-hides-bcast"

    @fragment("bcast")
    def bcast(self, s: Any, a: Any, p: Any) -> list[Any]:  # type: ignore[override]
        return []


class RelayPartialCases(RelayToTO):
    """A correspondence by cases that does not cover every pre-state (only p1's orders)."""

    name = "relay-partial-cases"

    @fragment("order")
    def order(self, s: Any, p: Any) -> Any:  # type: ignore[override]
        return Cases(((p == "p1", (call("to_order", a=s.outbox[p].head(), p=p),)),))


class RelayWrongF(RelayToTO):
    """A wrong abstraction: next is always 1 (brcv's step then cannot reach f(after))."""

    name = "relay-wrong-f"

    def abstraction(self, s: Any) -> dict[str, Any]:
        out = super().abstraction(s)
        t = s.delivered.term.type
        out["next"] = ir.const(t, t.const(1))
        return out
