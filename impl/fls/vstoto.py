"""VStoTO_p (FLS Figures 7, 8, 9) and VStoTO-system (Section 6).

Source: Fekete–Lynch–Shvartsman, *Specifying and Using a Partitionable Group Communication
Service*, Section 5 (the algorithm: **Figure 7** operations on types, **Figure 8** signature and
states, **Figure 9** transitions) and Section 6 (VStoTO-system: VS-machine composed with VStoTO_p
for every p ∈ P, with ``gpsnd``, ``gprcv``, ``safe`` and ``newview`` hidden; the derived variables
``allstate``, ``allcontent`` and the history variables ``established`` and ``buildorder``).

Encoding choices, each to be read against the figures:

* Types (Fig. 7): labels ``L = G × N>0 × P`` (``id``, ``seqno``, ``origin``), ordered
  lexicographically ("Labels are ordered lexicographically", Section 5); ``summaries`` =
  (``con`` ⊆ L × A, ``ord`` ∈ L*, ``next`` ∈ N>0, ``high`` ∈ G⊥); messages
  ``M = (L × A) ∪ summaries`` are a tagged union with tags ``msg`` and ``summary``.
* ``current`` ∈ views⊥ is an option; ``gotstate`` (a partial function P → summaries) a map to
  options. The paper's ``current.id`` when ``current = ⊥`` is ``cid(p)`` = ⊥ (⊥ is less than every
  view id), as the lemmas use it ("current_p = ⊥ or current.id_p < g", Lemma 6.7).
* ``chosenrep(Y)`` "is some element in reps(Y)" (Fig. 7), chosen "consistently … all processors
  select the same one from identical information" (Section 5): we choose the representative with
  the **highest processor id**, the paper's own example.
* ``fullorder(Y)``: shortorder(Y) followed by the labels of dom(knowncontent(Y)) *not already in*
  shortorder(Y), in label order (Section 5: "the remaining elements").
* The establishing test of ``gprcv(x)`` is printed "if dom(gotstate = current.set ∧ status =
  collect)" (OCR damage); we read ``dom(gotstate) = current.set ∧ status = collect``, tested after
  the ⊕ update.
* ``gpsnd(⟨l, a⟩)_p``'s precondition "⟨l, a⟩ ∈ content" does not fix ``a`` (content is a function
  only by Lemma 6.5, which we check rather than assume): ``a`` is a nondeterministic choice.
* Fig. 9 prints two transitions each for ``gpsnd``, ``gprcv`` and ``safe`` (ordinary messages and
  summaries); each is its own method here, named after the action (``name="gprcv"``); an input
  applies when the message has its kind.
* History variables (Section 6): ``established[p, g]``, initially ``g = g0 ∧ p ∈ P0``, set in the
  establishing branch of ``gprcv(x)``; ``buildorder[p, g]`` ← ``order`` after every assignment to
  ``order`` (the primary branch of ``gprcv(⟨l, a⟩)`` and both establishing branches). They are
  variables of VStoTO_p here, so the system's ``established[p, g]`` reads as in the paper.
* Quorums: scope parameter ``quorums`` = 0 for majorities (the default), 1 for every set
  containing p1 (intersecting, not majorities: with two processors {p1} is a primary view).

Scope bounds (exploration needs finite sequences; a step that would exceed one is reported as a
cut step, never dropped silently): ``delay``, ``buffer`` ≤ ``max_inputs``; ``order``, ``ord``,
``buildorder`` ≤ ``max_inputs · view_ids`` (a label can be appended once per view); label
sequence numbers ≤ ``max_inputs``; in VS-machine, ``queue[g]`` ≤ ``processors + max_inputs`` (one
summary per member and view, one ordinary message per label) and ``pending[p, g]`` ≤
``1 + max_inputs``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ioakit.lang import ir
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
from ioakit.lang.ir import BOT, Term, const, ite
from ioakit.lang.system import Component, System
from ioakit.lang.types import (
    BoolT,
    Domain,
    EnumT,
    IntT,
    MapT,
    OptionT,
    RecordT,
    SeqT,
    SetT,
    TupleT,
    Type,
    UnionT,
)
from ioakit.specs.fls.vs_machine import VSMachine

PARAMETERS = (
    # max=12: the quorum system is built from all 2^n subsets of the processors (quorum_system),
    # 4,096 at 12; the largest scope explored anywhere is 4 (--scope processors=1000 never ended)
    ScopeParam("processors", 2, "number of processors |P| (p1, p2, ...)", min=1, max=12),
    ScopeParam("initial_members", 2, "|P0|: the first processors form the initial view ⟨g0, P0⟩", min=0),
    ScopeParam("view_ids", 2, "|G|: view ids g0 < g1 < ..., g0 the initial one", min=1),
    ScopeParam("values", 1, "number of data values |A| (a1, a2, ...)", min=1),
    ScopeParam("max_inputs", 1, "total number of bcast inputs the environment may issue", min=0, max=MAX_BUDGET),
    ScopeParam("quorums", 0, "quorum system: 0 = majorities, 1 = every set containing p1", min=0, max=1),
)


def quorum_system(n: int, kind: int) -> list[frozenset[int]]:
    """The quorums (sets of processor positions): majorities, or every set containing p1. Both
    are pairwise intersecting, as Section 5 requires of 𝒬."""
    subsets = [frozenset(i for i in range(n) if mask >> i & 1) for mask in range(1, 1 << n)]
    if kind == 0:
        return [q for q in subsets if 2 * len(q) > n]
    return [q for q in subsets if 0 in q]


def declare_types(d: Decl, sc: Scope) -> dict[str, Type]:
    """Fig. 7's types at a scope, declared in ``d`` (shared by VStoTO_p and the system)."""
    P = d.domain(Domain.numbered("P", sc["processors"], "p"))
    G = d.domain(Domain.numbered("G", sc["view_ids"], "g", start=0))
    A = d.domain(Domain.numbered("A", sc["values"], "a"))
    d.domain(Domain("Status", ("normal", "send", "collect")))
    n = sc["max_inputs"]
    olen = max(n, 1) * sc["view_ids"]
    views = d.type("views", RecordT("view", (("id", EnumT(G)), ("set", SetT(EnumT(P))))))
    L = d.type("L", RecordT("label", (("id", EnumT(G)), ("seqno", IntT(1, max(n, 1))), ("origin", EnumT(P)))))
    pair = TupleT(L, EnumT(A))
    summary = d.type(
        "summaries",
        RecordT(
            "summary",
            (("con", SetT(pair)), ("ord", SeqT(L, olen)), ("next", IntT(1, olen + 1)), ("high", EnumT(G, bottom=True))),
        ),
    )
    d.type("M", UnionT("M", (("msg", pair), ("summary", summary))))
    d.constants["P0"] = frozenset(range(sc["initial_members"]))
    d.constants["quorums"] = quorum_system(sc["processors"], sc["quorums"])
    return {"views": views, "L": L, "pair": pair, "summary": summary, "olen": olen}  # type: ignore[dict-item]


def validate_scope(sc: Scope) -> None:
    if sc["initial_members"] > sc["processors"]:
        raise ScopeError(f"initial_members={sc['initial_members']} exceeds processors={sc['processors']}")


class VStoTO(Spec):
    """VStoTO_p (FLS Figs. 8, 9), one copy per p ∈ P (``index``)."""

    name = "VStoTO_p"
    source = "Fekete–Lynch–Shvartsman, Figures 7, 8, 9"
    parameters = PARAMETERS
    index = ("p", "P")

    def validate(self, sc: Scope) -> None:
        validate_scope(sc)

    def declare(self, sc: Scope) -> Decl:
        """Fig. 8's states, plus Section 6's history variables ``established`` and ``buildorder``."""
        d = Decl()
        t = declare_types(d, sc)
        P, G, A = (EnumT(d.domains[x]) for x in ("P", "G", "A"))
        n, olen = sc["max_inputs"], t["olen"]
        P0 = d.constants["P0"]
        self.quorums = d.constants["quorums"]
        self.M, self.A, self.summary = d.types["M"], d.domains["A"], t["summary"]
        g0_view = (0, P0)
        d.var("current", OptionT(t["views"]), lambda p: g0_view if p in P0 else None)
        d.var("status", EnumT(d.domains["Status"]), 0)
        d.var("delay", SeqT(A, n))
        d.var("content", SetT(t["pair"]))
        d.var("nextseqno", IntT(1, max(n, 1) + 1), 1)
        d.var("buffer", SeqT(t["L"], n))
        d.var("safe_labels", SetT(t["L"]))
        d.var("order", SeqT(t["L"], olen))
        d.var("nextconfirm", IntT(1, olen + 1), 1)
        d.var("nextreport", IntT(1, olen + 1), 1)
        d.var("highprimary", EnumT(G.domain, bottom=True), lambda p: 0 if p in P0 else -1)
        d.var("gotstate", MapT((P,), OptionT(t["summary"])))
        d.var("safe_exch", SetT(P))
        k = sc["view_ids"]
        d.var("established", MapT((G,), BoolT()), lambda p: tuple(g == 0 and p in P0 for g in range(k)))
        d.var("buildorder", MapT((G,), SeqT(t["L"], olen)))
        return d

    # -- Fig. 7 and Fig. 8's derived variable --------------------------------------------------------
    def has_quorum(self, S: Term) -> Term:
        """∃Q ∈ 𝒬: Q ⊆ S."""
        return ir.Or(*(const(S.type, Q).subset(S) for Q in self.quorums))

    @derived
    def primary(self, s):
        """Fig. 8: primary ≡ current ≠ ⊥ ∧ ∃Q ∈ 𝒬: Q ⊆ current.set."""
        return s.current.is_some() & self.has_quorum(s.current.get().set)

    @staticmethod
    def cid(s) -> Term:
        """current.id, ⊥ when current = ⊥."""
        g = s.current.get().id
        return ite(s.current.is_some(), g, ir.lift(BOT, EnumT(g.type.domain, True)))

    def summary_of(self, s) -> Term:
        """⟨content, order, nextconfirm, highprimary⟩ (the state-exchange message)."""
        return ir.record(self.summary, s.content, s.order, s.nextconfirm, s.highprimary)

    @staticmethod
    def knowncontent(Y: Term) -> Term:
        """Fig. 7: ⋃_{q ∈ dom(Y)} Y(q).con."""
        kt = Y.type.keys[0]
        out = None
        for q in (const(kt, i) for i in kt.values()):
            con = Y[q].get().con
            part = ite(Y[q].is_some(), con, ir.set_lit(con.type))
            out = part if out is None else out.union(part)
        return out  # type: ignore[return-value]

    @staticmethod
    def max_over_dom(Y: Term, field: str, least: Any) -> Term:
        """max_{q ∈ dom(Y)} Y(q).field; ``least`` where dom(Y) is empty (Fig. 7 uses these only when
        it is not)."""
        kt = Y.type.keys[0]
        best: Term | None = None
        for q in (const(kt, i) for i in kt.values()):
            v = getattr(Y[q].get(), field)
            floor = ir.lift(least, v.type)
            best = ite(Y[q].is_some(), v, floor) if best is None else ite(Y[q].is_some() & (v > best), v, best)
        return best  # type: ignore[return-value]

    def maxprimary(self, Y: Term) -> Term:
        """Fig. 7: max_{q ∈ dom(Y)} Y(q).high (in G⊥, ⊥ least)."""
        return self.max_over_dom(Y, "high", BOT)

    def chosenrep(self, Y: Term) -> Term:
        """Fig. 7: some element of reps(Y) = {q ∈ dom(Y): Y(q).high = maxprimary(Y)}; we take the
        one with the highest processor id (the paper's example of a consistent choice)."""
        kt = Y.type.keys[0]
        mp = self.maxprimary(Y)
        rep = const(kt, 0)
        for q in (const(kt, i) for i in kt.values()):
            rep = ite(Y[q].is_some() & (Y[q].get().high == mp), q, rep)
        return rep

    def shortorder(self, Y: Term) -> Term:
        """Fig. 7: Y(chosenrep(Y)).ord."""
        return Y[self.chosenrep(Y)].get().ord

    def fullorder(self, Y: Term) -> Term:
        """Fig. 7: shortorder(Y) followed by the remaining labels of dom(knowncontent(Y)), in
        label order."""
        so = self.shortorder(Y)
        labels = ir.setof(self.knowncontent(Y), lambda la: la[0])
        return so.concat(labels.minus(so.elems()).sorted())

    def maxnextconfirm(self, Y: Term) -> Term:
        """Fig. 7: max_{q ∈ dom(Y)} Y(q).next."""
        return self.max_over_dom(Y, "next", 1)

    def set_order(self, s, value: Term) -> None:
        """order ← value, and Section 6's history statement buildorder[p, current.id] ← order."""
        s.order = value
        s.buildorder[s.current.get().id] = s.order

    # -- Fig. 9 ---------------------------------------------------------------------------------
    @input(a="A")
    def bcast(self, s, a, p):
        """Input bcast(a)_p. Eff: append a to delay."""
        s.delay = s.delay.append(a)

    @internal(a="A")
    def label(self, s, a, p):
        """Internal label(a)_p. Pre: a is head of delay; current ≠ ⊥. Eff: let m be ⟨current.id,
        nextseqno, p⟩; content ← content ∪ {⟨m, a⟩}; append m to buffer; nextseqno ← nextseqno + 1;
        delete head of delay."""
        s.require(s.delay.length > 0)
        s.require(s.delay.head() == a)
        s.require(s.current != BOT)
        L = s.buffer.type.elem
        m = ir.record(L, s.current.get().id, s.nextseqno, p)
        s.content = s.content.add((m, a))
        s.buffer = s.buffer.append(m)
        s.nextseqno = s.nextseqno + 1
        s.delay = s.delay.tail()

    @output(m=from_state("M"), name="gpsnd")
    def gpsnd_msg(self, s, p):
        """Output gpsnd(⟨l, a⟩)_p. Pre: status = normal; l is head of buffer; ⟨l, a⟩ ∈ content.
        Eff: delete head of buffer."""
        s.require(s.status == "normal")
        s.require(s.buffer.length > 0)
        l = s.buffer.head()
        a = s.choose("a", self.A)
        s.require(s.content.contains((l, a)))
        s.bind(m=ir.inj(self.M, "msg", (l, a)))
        s.buffer = s.buffer.tail()

    @input(m="M", q="P", name="gprcv", roles={"q": "p", "p": "q"})
    def gprcv_msg(self, s, m, q, p):
        """Input gprcv(⟨l, a⟩)_{q,p}. Eff: content ← content ∪ {⟨l, a⟩}; if primary then order ←
        order · ⟨⟨l⟩⟩ (and buildorder[p, current.id] ← order)."""
        with s.when(m.is_("msg")):
            la = m.as_("msg")
            s.content = s.content.add(la)
            with s.when(s.primary):
                self.set_order(s, s.order.append(la[0]))

    @input(m="M", q="P", name="safe", roles={"q": "p", "p": "q"})
    def safe_msg(self, s, m, q, p):
        """Input safe(⟨l, a⟩)_{q,p}. Eff: if primary then safe-labels ← safe-labels ∪ {l}."""
        with s.when(m.is_("msg") & s.primary):
            s.safe_labels = s.safe_labels.add(m.as_("msg")[0])

    @internal()
    def confirm(self, s, p):
        """Internal confirm_p. Pre: primary; order(nextconfirm) ∈ safe-labels (nextconfirm beyond
        the order: disabled). Eff: nextconfirm ← nextconfirm + 1."""
        s.require(s.primary)
        s.require(s.nextconfirm <= s.order.length)
        s.require(s.safe_labels.contains(s.order.at(s.nextconfirm)))
        s.nextconfirm = s.nextconfirm + 1

    @output(a="A", q="P", roles={"q": "p", "p": "q"})
    def brcv(self, s, a, q, p):
        """Output brcv(a)_{q,p}. Pre: nextreport < nextconfirm; ⟨order(nextreport), a⟩ ∈ content;
        q = order(nextreport).origin. Eff: nextreport ← nextreport + 1."""
        s.require(s.nextreport < s.nextconfirm)
        l = s.order.at(s.nextreport)
        s.require(s.content.contains((l, a)))
        s.require(l.origin == q)
        s.nextreport = s.nextreport + 1

    @input(v="views")
    def newview(self, s, v, p):
        """Input newview(v)_p. Eff: current ← v; nextseqno ← 1; buffer ← λ; gotstate ← ∅;
        safe-exch ← ∅; safe-labels ← ∅; status ← send."""
        s.current = ir.some(v, s.current.type)
        s.nextseqno = 1
        s.buffer = ir.seq_lit(s.buffer.type)
        s.gotstate = const(s.gotstate.term.type, s.gotstate.term.type.default())
        s.safe_exch = ir.set_lit(s.safe_exch.type)
        s.safe_labels = ir.set_lit(s.safe_labels.type)
        s.status = "send"

    @output(m=from_state("M"), name="gpsnd")
    def gpsnd_summary(self, s, p):
        """Output gpsnd(x)_p. Pre: status = send; x = ⟨content, order, nextconfirm, highprimary⟩.
        Eff: status ← collect."""
        s.require(s.status == "send")
        s.bind(m=ir.inj(self.M, "summary", self.summary_of(s)))
        s.status = "collect"

    @input(m="M", q="P", name="gprcv", roles={"q": "p", "p": "q"})
    def gprcv_summary(self, s, m, q, p):
        """Input gprcv(x)_{q,p}, x ∈ summaries. Eff: content ← content ∪ x.con; gotstate ←
        gotstate ⊕ ⟨q, x⟩; if dom(gotstate) = current.set ∧ status = collect then nextconfirm ←
        maxnextconfirm(gotstate); if primary then order ← fullorder(gotstate), highprimary ←
        current.id, else order ← shortorder(gotstate), highprimary ← maxprimary(gotstate);
        status ← normal (and established[p, current.id] ← true)."""
        with s.when(m.is_("summary")):
            x = m.as_("summary")
            s.content = s.content.union(x.con)
            s.gotstate[q] = ir.some(x, s.gotstate.term.type.val)
            Y = s.gotstate.term
            with s.when((Y.dom() == s.current.get().set) & (s.status == "collect")):
                s.nextconfirm = self.maxnextconfirm(Y)
                with s.when(s.primary):
                    self.set_order(s, self.fullorder(Y))
                    s.highprimary = s.current.get().id
                with s.when(~s.primary):
                    self.set_order(s, self.shortorder(Y))
                    s.highprimary = self.maxprimary(Y)
                s.status = "normal"
                s.established[s.current.get().id] = True

    @input(m="M", q="P", name="safe", roles={"q": "p", "p": "q"})
    def safe_summary(self, s, m, q, p):
        """Input safe(x)_{q,p}, x ∈ summaries. Eff: safe-exch ← safe-exch ∪ {q}; if safe-exch =
        current.set and primary then safe-labels ← safe-labels ∪ range(fullorder(gotstate))."""
        with s.when(m.is_("summary")):
            s.safe_exch = s.safe_exch.add(q)
            with s.when((s.safe_exch == s.current.get().set) & s.primary):
                s.safe_labels = s.safe_labels.union(self.fullorder(s.gotstate.term).elems())


class VStoTOSystem(System):
    """VStoTO-system (FLS Section 6): VS-machine ∥ VStoTO_p for all p ∈ P, with gpsnd, gprcv, safe
    and newview hidden; its external actions bcast and brcv are TO-machine's."""

    name = "VStoTO-system"
    source = "Fekete–Lynch–Shvartsman, Section 6 (Figures 5, 7, 8, 9)"
    parameters = PARAMETERS
    hide = ("gpsnd", "gprcv", "safe", "newview")

    def validate(self, sc: Scope) -> None:
        validate_scope(sc)

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        declare_types(d, sc)
        d.input_budget = sc["max_inputs"]
        self._quorums: list[frozenset[int]] = d.constants["quorums"]
        return d

    def derived_vars(self) -> dict[str, Callable[..., Any]]:
        """Section 6's derived variables, and ``quorums``: the quorum system 𝒬 of the scope, a
        constant set of sets of processors, so that invariant files can say "v.set contains a
        quorum" (``exists Q in quorums: Q subset v.set``, the lemmas' hasQ). ``build`` calls
        ``declare`` first, so the constant is captured here, per build (a spec object built at
        two scopes keeps each machine's own 𝒬)."""
        out = super().derived_vars()
        quorums = frozenset(self._quorums)

        def quorum_set(s: Any) -> Term:
            P = s.current.type.keys[0]
            return const(SetT(SetT(P)), quorums)

        out["quorums"] = quorum_set
        return out

    def components(self, sc: Scope, d: Decl) -> list[Component]:
        n, procs = sc["max_inputs"], sc["processors"]
        vs = VSMachine(messages=d.types["M"], queue_len=procs + n, pending_len=1 + n)
        vs_scope = {k: sc[k] for k in ("processors", "initial_members", "view_ids", "max_inputs")}
        return [Component(vs, {**vs_scope, "messages": 1}), Component(VStoTO())]

    # -- Section 6's derived variables -------------------------------------------------------------
    def _sources(self, s) -> list[tuple[Term, Term, Term, Term]]:
        """Every (p, g, guard, x) with ``guard ⇒ x ∈ allstate[p, g]``, the four clauses of Section 6
        (summaries only: ordinary messages never count)."""
        P = s.current.type.keys[0]
        G = s.queue.type.keys[0]
        out = []
        for pi in P.values():
            p = const(P, pi)
            cur = s.current[p]
            loc = ir.record(s.gotstate.type.val.elem, s.content[p], s.order[p], s.nextconfirm[p], s.highprimary[p])
            for gi in G.values():
                g = const(G, gi)
                # (1) current.id_p = g and x is p's local summary
                out.append((p, g, cur.is_some() & (cur.get().id == g), loc))
                # (2) x ∈ pending[p, g]
                pend = s.pending[p, g]
                for i in range(1, pend.type.maxlen + 1):
                    e = pend.at(i)
                    out.append((p, g, (pend.length >= i) & e.is_("summary"), e.as_("summary")))
                # (3) ⟨x, p⟩ ∈ queue[g]
                qu = s.queue[g]
                for i in range(1, qu.type.maxlen + 1):
                    e = qu.at(i)
                    out.append((p, g, (qu.length >= i) & e[0].is_("summary") & (e[1] == p), e[0].as_("summary")))
                # (4) current.id_q = g and x = gotstate(p)_q
                for qi in P.values():
                    q = const(P, qi)
                    got = s.gotstate[q, p]
                    cq = s.current[q]
                    out.append((p, g, cq.is_some() & (cq.get().id == g) & got.is_some(), got.get()))
        return out

    def _set(self, s, items: list[tuple[Term, Term]]) -> Term:
        """{x | (guard, x) ∈ items, guard} as a balanced union of ``ite(guard, {x}, ∅)``: each
        element's guard is its own source's (a chain ``ite(guard, out ∪ {x}, out)`` would nest the
        guards of all earlier sources into every element's, too deep for invariants that quantify
        over allstate)."""
        T = SetT(s.gotstate.type.val.elem)
        if not items:
            return ir.set_lit(T)
        return ir.balanced_union([ite(guard, ir.set_lit(T, x), ir.set_lit(T)) for guard, x in items])

    @derived
    def allstate(self, s):
        """allstate = ⋃_{p, g} allstate[p, g] (Section 6): every summary in the system."""
        return self._set(s, [(gd, x) for _, _, gd, x in self._sources(s)])

    @derived
    def allstate_pg(self, s):
        """allstate[p, g] (Section 6), as a map: ``allstate_pg[p, g]``."""
        srcs = self._sources(s)
        P = s.current.type.keys[0]
        G = s.queue.type.keys[0]
        mt = MapT((P, G), SetT(s.gotstate.type.val.elem))
        out = const(mt, mt.default())
        for pi in P.values():
            for gi in G.values():
                items = [(gd, x) for p, g, gd, x in srcs if p.value == pi and g.value == gi]
                out = out.put((const(P, pi), const(G, gi)), self._set(s, items))
        return out

    @derived
    def allcontent(self, s):
        """allcontent = ⋃_{x ∈ allstate} x.con (Section 6)."""
        return ir.union_all(s.allstate, lambda x: x.con)

    @staticmethod
    def confirm(x: Term) -> Term:
        """x.confirm (Fig. 7): the prefix of x.ord of length min(x.next − 1, length(x.ord))."""
        k = x.next - 1
        out = ir.seq_lit(x.ord.type)
        for i in range(1, x.ord.type.maxlen + 1):
            out = ite((i <= k) & (i <= x.ord.length), out.append(x.ord.at(i)), out)
        return out

    @derived
    def allconfirm(self, s):
        """allconfirm = lub_{x ∈ allstate} x.confirm (Section 6): well defined when the confirms
        are prefix-ordered (Corollary 6.24), when it is the longest of them; λ if allstate is
        empty (ours). Where 6.24 fails this is still the longest confirm — check 6.24 first."""
        best = None
        for guard, x in (item for item in ir.elements(s.allstate)):
            c = self.confirm(x)
            cand = c if guard is None else ite(guard, c, ir.seq_lit(c.type))
            best = cand if best is None else ite(cand.length > best.length, cand, best)
        return best if best is not None else ir.seq_lit(SeqT(s.order.type.val.elem, s.order.type.val.maxlen))


class VStoTOLabelNormal(VStoTO):
    """VStoTO_p with the smallest fix we found for a double delivery (ours, not the paper's):
    ``label(a)_p`` also requires ``status = normal``.

    As printed (Fig. 9), ``label`` needs only ``current ≠ ⊥``, so p can label a value while its
    status is ``send``: its state-exchange summary then carries ⟨l, a⟩, the primary view's
    ``fullorder`` puts l into every member's ``order`` at establishment, and the ordinary message
    ⟨l, a⟩ that p sends afterwards appends l a second time — the value is delivered twice
    (``brcv``) although it was broadcast once, which TO-machine forbids (Theorem 6.26). Labelling
    only in status ``normal`` (after establishment) keeps new labels out of this view's summaries.
    """

    name = "VStoTO_p (label in normal status)"

    @internal(a="A")
    def label(self, s, a, p):
        """Internal label(a)_p with the added precondition status = normal (see the class)."""
        s.require(s.status == "normal")
        VStoTO.label(self, s, a, p)


class VStoTOSystemLabelNormal(VStoTOSystem):
    """VStoTO-system with ``VStoTOLabelNormal`` for every p: the printed system with our fix (see
    ``VStoTOLabelNormal``); the printed one stays the default, ``VStoTO-system``."""

    name = "VStoTO-system-label-normal"
    source = "Fekete–Lynch–Shvartsman, Section 6, with label(a)_p requiring status = normal (ours)"

    def components(self, sc: Scope, d: Decl) -> list[Component]:
        vs, _ = super().components(sc, d)
        return [vs, Component(VStoTOLabelNormal())]
