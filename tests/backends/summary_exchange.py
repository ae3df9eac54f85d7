"""A small summary-exchange automaton for the tests: tagged unions, options, record-keyed maps
and partial maps in guards and effects (the shapes of FLS's VStoTO: messages that are data or
summaries, ``gotstate[p][q] ∈ summaries_⊥``, maps keyed by views).

Processors join views (``newview``: ``cur[p]`` an option of a view, ``seen`` counting joins per
view, a map keyed by the view *record*), send data or summaries on per-destination channels of
union messages, and receive them: a summary is stored in the partial map ``gotstate[q, from]``,
whose domain (``dom``) enables ``establish``. ``last`` (a union) is the last message received.
"""

from __future__ import annotations

from typing import Any

from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, internal
from ioakit.lang.ir import BOT
from ioakit.lang.types import BoolT, Domain, EnumT, IntT, MapT, OptionT, RecordT, SeqT, SetT, TupleT, UnionT


class SummaryExchange(Spec):
    """Views, union messages on bounded channels, a partial map of received summaries."""

    name = "summary-exchange"
    parameters = (
        ScopeParam("processors", 2, "number of processors |P| (p1, p2, ...)", min=1),
        ScopeParam("view_ids", 2, "number of view identifiers |G| (g0, g1, ...)", min=1),
        ScopeParam("capacity", 1, "longest channel", min=1),
    )

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", sc["processors"], "p"))
        G = d.domain(Domain.numbered("G", sc["view_ids"], "g", start=0))
        self.V = V = d.type("views", RecordT("views", (("id", EnumT(G)), ("set", SetT(EnumT(P))))))
        self.S = S = d.type("summary", RecordT("summary", (("con", IntT(0, 2)), ("high", EnumT(G)), ("frm", EnumT(P)))))
        self.Msg = Msg = d.type(
            "msg", UnionT("Msg", (("data", TupleT(IntT(0, 2), EnumT(P))), ("summary", S), ("ping", BoolT())))
        )
        d.var("chan", MapT((EnumT(P),), SeqT(Msg, sc["capacity"])))
        d.var("gotstate", MapT((EnumT(P), EnumT(P)), OptionT(S)))  # a partial map
        d.var("cur", MapT((EnumT(P),), OptionT(V)))
        d.var("seen", MapT((V,), IntT(0, 2)))  # keyed by a record type
        d.var("last", Msg)
        return d

    @internal(p="P", v="views")
    def newview(self, s: Any, p: Any, v: Any) -> None:
        s.require(v.set.contains(p))
        s.require((s.cur[p] == BOT) | (s.cur[p].get().id < v.id))
        s.cur[p] = ir.some(v)
        s.seen[v] = s.seen[v] + 1  # past 2: a step the scope cuts off

    @internal(p="P", q="P")
    def send_summary(self, s: Any, p: Any, q: Any) -> None:
        s.require(s.cur[p].is_some())
        cv = s.cur[p].get()
        s.require(cv.set.contains(q))
        summary = ir.record(self.S, s.seen[cv], cv.id, p)  # a lookup at a state-dependent view
        s.chan[q] = s.chan[q].append(ir.inj(self.Msg, "summary", summary))

    @internal(p="P", q="P")
    def send_data(self, s: Any, p: Any, q: Any) -> None:
        s.require(s.cur[p] != BOT)
        # get() of ⊥ is the summary type's default: con 0
        s.chan[q] = s.chan[q].append(ir.inj(self.Msg, "data", (s.gotstate[p, q].get().con, p)))

    @internal(p="P")
    def ping(self, s: Any, p: Any) -> None:
        s.require(~s.last.is_("ping") | (s.last == ir.inj(self.Msg, "ping", False)))
        s.chan[p] = s.chan[p].append(ir.inj(self.Msg, "ping", s.last.is_("data")))

    @internal(q="P")
    def receive(self, s: Any, q: Any) -> None:
        s.require(s.chan[q].length > 0)
        m = s.chan[q].head()
        s.chan[q] = s.chan[q].tail()
        s.last = m
        summary = m.as_("summary")
        with s.when(m.is_("summary")):
            s.gotstate[q, summary.frm] = ir.some(summary)
        with s.when(m.is_("data") & s.cur[q].is_some()):
            cv = s.cur[q].get()
            s.seen[cv] = ir.ite(m.as_("data")[0] > 0, s.seen[cv], 0)

    @internal(p="P", q="P")
    def establish(self, s: Any, p: Any, q: Any) -> None:
        s.require(s.gotstate.dom().contains((p, q)))
        s.require(s.gotstate[p, q] != s.gotstate[q, p])
        s.gotstate[p, q] = BOT
