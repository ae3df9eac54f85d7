"""A small machine in the style of the FLS VStoTO algorithm, for the tests: labels ``L = G × N × P``
ordered lexicographically, per-processor summaries holding a set of (label, value) pairs and a
sequence of labels, and ``allstate``, the set of every processor's summary — a set whose element
type holds a sequence, so it has no finite universe and both backends read it off its term.

``label(g, n, p, v)`` creates a label greater than every existing one (record order) and gives
it to p's summary with value v; ``summarize(p)`` sets p's sequence to its labels in ascending
order (``sorted`` of a ``setof``); ``gossip(p)``, enabled while some summary in ``allstate`` has
ordered labels (∃ over ``allstate``) and, if ``allstate`` holds the empty summary, p's is not it
(membership in ``allstate``), collects into ``learned`` the union of every summary's pairs
(``union_all``). Every operation on ``allstate`` is membership or a quantifier, so Z3 reasons
about it too.
"""

from __future__ import annotations

from typing import Any

from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, derived, internal
from ioakit.lang.types import Domain, EnumT, IntT, MapT, RecordT, SeqT, SetT, TupleT


class Summaries(Spec):
    """Labels, summaries and the set of all summaries (a set without a finite universe)."""

    name = "summaries"
    parameters = (
        ScopeParam("view_ids", 2, "number of view ids |G| (g0, g1, ...)", min=1),
        ScopeParam("processors", 2, "number of processors |P| (p1, p2, ...)", min=1),
        ScopeParam("values", 1, "number of values |V| (v1, ...)", min=1),
        ScopeParam("max_labels", 2, "most labels created (and the length of a summary's sequence)", min=1),
    )

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        G = d.domain(Domain.numbered("G", sc["view_ids"], "g", start=0))
        P = d.domain(Domain.numbered("P", sc["processors"], "p"))
        V = d.domain(Domain.numbered("V", sc["values"], "v"))
        N = d.type("N", IntT(0, 1))
        L = d.type("L", TupleT(EnumT(G), N, EnumT(P)))
        pair = TupleT(L, EnumT(V))
        summary = d.type(
            "summary",
            RecordT("summary", (("con", SetT(pair)), ("ord", SeqT(L, sc["max_labels"])), ("high", EnumT(G, True)))),
        )
        d.constants["max_labels"] = sc["max_labels"]
        d.var("labels", SetT(L))
        d.var("summ", MapT((EnumT(P),), summary))
        d.var("learned", SetT(pair))
        return d

    @derived
    def allstate(self, s: Any) -> Any:
        """The set of every processor's summary (the paper's allstate): a ``setof``."""
        return ir.setof(s.summ.term.type.keys[0], lambda p: s.summ[p])

    @internal(g="G", n="N", p="P", v="V")
    def label(self, s: Any, g: Any, n: Any, p: Any, v: Any) -> None:
        L = s.labels.type.elem
        lab = ir.record(L, g, n, p)
        s.require(s.labels.card() < s.summ.term.type.val.field_type("ord").maxlen)
        s.require(ir.forall(s.labels, lambda x: x < lab))  # labels grow in the record order
        cur = s.summ[p]
        s.require((cur.ord.length == 0) | (cur.ord.last() < lab))  # record order on state values
        s.labels = s.labels.add(lab)
        s.summ[p] = ir.record(cur.type, cur.con.add((lab, v)), cur.ord, cur.high)

    @internal(p="P")
    def summarize(self, s: Any, p: Any) -> None:
        cur = s.summ[p]
        maxlen = cur.type.field_type("ord").maxlen
        known = ir.setof(cur.con, lambda e: e[0]).sorted(maxlen)  # ascending labels of p's pairs
        s.require(cur.ord != known)
        high = ir.ite(known.length > 0, known.last()[0], ir.BOT)
        s.summ[p] = ir.record(cur.type, cur.con, known, high)

    @internal(p="P")
    def gossip(self, s: Any, p: Any) -> None:
        summary = s.summ[p].type
        empty = ir.record(summary, ir.const(summary.field_type("con"), frozenset()), (), ir.BOT)
        s.require(ir.exists(s.allstate, lambda x: (x.ord.length > 0) & (x.ord.head() <= x.ord.last())))
        s.require(~s.allstate.contains(empty) | (s.summ[p] != empty))  # membership read off the term
        s.learned = ir.union_all(s.allstate, lambda x: x.con)
