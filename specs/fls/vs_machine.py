"""VS-machine and WeakVS-machine: the view-synchronous group communication specification.

Source: Fekete–Lynch–Shvartsman, Section 4.1, **Figure 5** (VS-machine) and the **Remark after
Lemma 4.2** (WeakVS-machine).

Encoding choices (each faithful to the figure):

* ``current-viewid``, ``next-safe`` are spelt ``current_viewid``, ``next_safe``.
* ``newview(v)_p`` has the *signature* restriction ``p ∈ v.set`` (Fig. 5); it is a ``where`` clause,
  so instances with ``p ∉ v.set`` do not exist, rather than being disabled.
* ``gprcv``/``safe``: "choose g: g = current-viewid[q]" is a let; the precondition
  ``queue[g](next[q, g]) = ⟨m, p⟩`` is read as "the index is within the queue and the entry is
  ⟨m, p⟩", and it requires ``g ≠ ⊥`` (there is no queue[⊥]).
* ``safe``: "choose S with ⟨g, S⟩ ∈ created … for all r ∈ S: next[r, g] > next-safe[q, g]" is an
  existential over S ∈ 2^P, as printed (S is unique by Lemma 4.1(1), which we check, not assume).
* ``gpsnd`` at a processor whose view is ⊥ drops the message (Fig. 5: "if current-viewid[p] ≠ ⊥").
* ``createview(v)`` ranges over every ``v ∈ G × 2^P``, the empty set included (issue 2's scope
  contract). The empty view can be created but never installed: ``newview(v)_p`` needs
  ``p ∈ v.set``.
"""

from __future__ import annotations

from ioakit.lang.automaton import (
    MAX_BUDGET,
    Decl,
    Scope,
    ScopeError,
    ScopeParam,
    Spec,
    derived,
    from_state,
    input,
    internal,
    output,
)
from ioakit.lang.ir import BOT, And, const, exists, forall, ite, set_lit
from ioakit.lang.types import Domain, EnumT, IntT, MapT, RecordT, SeqT, SetT, TupleT, Type


class VSMachine(Spec):
    """VS-machine (FLS Fig. 5).

    State: ``created`` ⊆ views, initially {⟨g0, P0⟩}; ``current_viewid[p]`` ∈ G⊥, initially g0
    for p ∈ P0 and ⊥ otherwise; ``queue[g]`` ∈ seqof(M × P); ``pending[p, g]`` ∈ seqof(M);
    ``next[p, g]``, ``next_safe[p, g]`` ∈ N>0, initially 1. Derived: ``created_viewids``.

    Scope: ``processors`` = |P|; ``initial_members`` = |P0| (P0 = the first ones); ``view_ids`` =
    |G| with G = g0..g(k-1) and g0 the least; ``messages`` = |M|; ``max_inputs`` = total gpsnd
    inputs (counted also when dropped at a processor whose view is ⊥), paired with the state
    as ``inputs_issued``. Sequences are bounded by ``max_inputs``, next/next_safe by
    ``max_inputs + 1``.
    """

    name = "VS-machine"
    source = "Fekete–Lynch–Shvartsman, Figure 5"
    parameters = (
        ScopeParam("processors", 2, "number of processors |P| (p1, p2, ...)", min=1),
        ScopeParam("initial_members", 2, "|P0|: the first processors form the initial view", min=0),
        ScopeParam("view_ids", 2, "|G|: view ids g0 < g1 < ..., g0 the initial one", min=1),
        ScopeParam("messages", 1, "number of messages |M| (m1, m2, ...)", min=1),
        ScopeParam("max_inputs", 2, "total number of gpsnd inputs the environment may issue", min=0, max=MAX_BUDGET),
    )

    def __init__(self, messages: Type | None = None, queue_len: int | None = None, pending_len: int | None = None):
        """VS-machine over the message domain ``M`` of its scope, or, inside a composition,
        over a given message type ``messages`` (VStoTO-system: ``(L × A) ∪ summaries``) with
        the given bounds on ``queue[g]`` and ``pending[p, g]`` (default: ``max_inputs``)."""
        self.messages = messages
        self.queue_len = queue_len
        self.pending_len = pending_len

    def validate(self, sc: Scope) -> None:
        if sc["initial_members"] > sc["processors"]:
            raise ScopeError(f"initial_members={sc['initial_members']} exceeds processors={sc['processors']}")

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", sc["processors"], "p"))
        G = d.domain(Domain.numbered("G", sc["view_ids"], "g", start=0))
        if self.messages is None:
            M: Type = EnumT(d.domain(Domain.numbered("M", sc["messages"], "m")))
        else:
            M = d.type("M", self.messages)
        n = sc["max_inputs"]
        qlen = n if self.queue_len is None else self.queue_len
        plen = n if self.pending_len is None else self.pending_len
        views = d.type("views", RecordT("view", (("id", EnumT(G)), ("set", SetT(EnumT(P))))))
        P0 = frozenset(range(sc["initial_members"]))
        d.constants["P0"] = P0
        d.var("created", SetT(views), frozenset({(0, P0)}))
        cv = MapT((EnumT(P),), EnumT(G, bottom=True))
        d.var("current_viewid", cv, tuple(0 if p in P0 else -1 for p in range(len(P))))
        d.var("queue", MapT((EnumT(G),), SeqT(TupleT(M, EnumT(P)), qlen)))
        d.var("pending", MapT((EnumT(P), EnumT(G)), SeqT(M, plen)))
        counter = MapT((EnumT(P), EnumT(G)), IntT(1, qlen + 1))
        d.var("next", counter, counter.const(1))
        d.var("next_safe", counter, counter.const(1))
        d.input_budget = n
        # P0 (the initial view's members) breaks the symmetry of P: processors are interchangeable
        # within P0 and within P ∖ P0 only; G is totally ordered (createview, newview compare
        # ids), so not symmetric; messages are interchangeable (checked by ioakit.engines.symmetry)
        d.symmetric(P, sorted(P0), [p for p in range(len(P)) if p not in P0])
        if self.messages is None:
            d.symmetric("M")
        return d

    @derived
    def created_viewids(self, s):
        """created-viewids = {g ∈ G | ∃S: ⟨g, S⟩ ∈ created} (Section 4.1, before Lemma 4.1)."""
        g_type = s.created.type.elem.field_type("id")
        out = set_lit(SetT(g_type))
        for g in (const(g_type, i) for i in g_type.values()):
            out = ite(exists(s.created, lambda w, g=g: w.id == g), out.add(g), out)
        return out

    def createview_pre(self, s, v):
        """Fig. 5: ∀ w ∈ created: v.id > w.id."""
        return forall(s.created, lambda w: v.id > w.id)

    @internal(v="views")
    def createview(self, s, v):
        """Internal createview(v). Pre: ∀w ∈ created: v.id > w.id. Eff: created ← created ∪ {v}."""
        s.require(self.createview_pre(s, v))
        s.created = s.created.add(v)

    @output(v="views", p="P", where=lambda v, p: p in v.set, at="p")
    def newview(self, s, v, p):
        """Output newview(v)_p, p ∈ v.set. Pre: v ∈ created; v.id > current-viewid[p] or it is ⊥.
        Eff: current-viewid[p] ← v.id."""
        s.require(s.created.contains(v))
        s.require((v.id > s.current_viewid[p]) | (s.current_viewid[p] == BOT))
        s.current_viewid[p] = v.id

    @input(m="M", p="P", at="p")
    def gpsnd(self, s, m, p):
        """Input gpsnd(m)_p. Eff: if current-viewid[p] ≠ ⊥ then append m to
        pending[p, current-viewid[p]]."""
        g = s.current_viewid[p]
        with s.when(g != BOT):
            s.pending[p, g] = s.pending[p, g].append(m)

    @internal(m=from_state("M"), p="P", g="G")
    def vs_order(self, s, p, g):
        """Internal vs-order(m, p, g). Pre: m is head of pending[p, g]. Eff: remove head of
        pending[p, g]; append ⟨m, p⟩ to queue[g]. (m is taken from the head of pending[p, g].)"""
        s.require(s.pending[p, g].length > 0)
        m = s.pending[p, g].head()
        s.bind(m=m)
        s.pending[p, g] = s.pending[p, g].tail()
        s.queue[g] = s.queue[g].append((m, p))

    @output(m=from_state("M"), p=from_state("P"), q="P", at="q")
    def gprcv(self, s, q):
        """Output gprcv(m)_{p,q}. Pre: choose g = current-viewid[q]; queue[g](next[q, g]) = ⟨m, p⟩.
        Eff: next[q, g] ← next[q, g] + 1. (⟨m, p⟩ is taken from that queue entry.)"""
        g = s.current_viewid[q]
        s.require(g != BOT)
        s.require(s.next[q, g] <= s.queue[g].length)
        entry = s.queue[g].at(s.next[q, g])
        s.bind(m=entry[0], p=entry[1])
        s.next[q, g] = s.next[q, g] + 1

    @output(m=from_state("M"), p=from_state("P"), q="P", at="q")
    def safe(self, s, q):
        """Output safe(m)_{p,q}. Pre: choose g = current-viewid[q], S with ⟨g, S⟩ ∈ created;
        queue[g](next-safe[q, g]) = ⟨m, p⟩; ∀ r ∈ S: next[r, g] > next-safe[q, g].
        Eff: next-safe[q, g] ← next-safe[q, g] + 1."""
        g = s.current_viewid[q]
        ns = s.next_safe[q, g]
        s.require(g != BOT)
        s.require(ns <= s.queue[g].length)
        entry = s.queue[g].at(ns)
        s.bind(m=entry[0], p=entry[1])
        s.require(
            exists(
                s.created,
                lambda w: And(w.id == g, forall(w.set, lambda r: s.next[r, g] > ns)),
            )
        )
        s.next_safe[q, g] = ns + 1


class WeakVSMachine(VSMachine):
    """WeakVS-machine (FLS, Remark after Lemma 4.2): VS-machine with the createview
    precondition weakened to "∀ w ∈ created: v.id ≠ w.id" (unique ids, any order)."""

    name = "WeakVS-machine"
    source = "Fekete–Lynch–Shvartsman, Remark after Lemma 4.2"

    def createview_pre(self, s, v):
        return forall(s.created, lambda w: v.id != w.id)
