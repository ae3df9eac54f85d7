"""TO-machine: the totally ordered broadcast specification.

Source: A. Fekete, N. Lynch, A. Shvartsman, *Specifying and Using a Partitionable Group
Communication Service* (full version, 1999), Section 3.1, **Figure 2**.

Subscripts follow the paper: ``brcv(a)_{p,q}`` delivers at destination ``q`` a value whose
origin is ``p`` (Section 3.1: "the delivery to a client at q of a data value previously sent by a
client at p"); it is easy to swap them by mistake.
"""

from __future__ import annotations

from ioakit.lang.automaton import MAX_BUDGET, Decl, Scope, ScopeParam, Spec, input, internal, output
from ioakit.lang.types import Domain, EnumT, IntT, MapT, SeqT, TupleT


class TOMachine(Spec):
    """TO-machine (FLS Fig. 2).

    State: ``queue`` ∈ seqof(A × P); ``pending[p]`` ∈ seqof(A); ``next[p]`` ∈ N>0, initially 1.

    Scope (the contract of issue 2): ``processors`` = |P|, ``values`` = |A|, ``max_inputs`` = the
    environment issues at most that many ``bcast`` inputs in total; the explored state is the
    machine's state paired with ``inputs_issued``. Sequences are bounded by ``max_inputs``
    (never reached: every queue entry comes from one bcast) and ``next[p]`` by ``max_inputs + 1``.
    """

    name = "TO-machine"
    source = "Fekete–Lynch–Shvartsman, Figure 2"
    parameters = (
        ScopeParam("processors", 2, "number of processors |P| (p1, p2, ...)", min=1),
        ScopeParam("values", 2, "number of data values |A| (a1, a2, ...)", min=1),
        ScopeParam("max_inputs", 3, "total number of bcast inputs the environment may issue", min=0, max=MAX_BUDGET),
    )

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", sc["processors"], "p"))
        A = d.domain(Domain.numbered("A", sc["values"], "a"))
        n = sc["max_inputs"]
        d.var("queue", SeqT(TupleT(EnumT(A), EnumT(P)), n))
        d.var("pending", MapT((EnumT(P),), SeqT(EnumT(A), n)))
        nxt = MapT((EnumT(P),), IntT(1, n + 1))
        d.var("next", nxt, nxt.const(1))
        d.input_budget = n
        # processors and values are interchangeable: no constant names one, none is compared by
        # order (the queue is ordered by position); checked by ioakit.engines.symmetry
        d.symmetric(P)
        d.symmetric(A)
        return d

    @input(a="A", p="P")
    def bcast(self, s, a, p):
        """Input bcast(a)_p. Eff: append a to pending[p]."""
        s.pending[p] = s.pending[p].append(a)

    @internal(a="A", p="P")
    def to_order(self, s, a, p):
        """Internal to-order(a, p). Pre: a is head of pending[p]. Eff: remove head of pending[p];
        append ⟨a, p⟩ to queue."""
        s.require(s.pending[p].length > 0)
        s.require(s.pending[p].head() == a)
        s.pending[p] = s.pending[p].tail()
        s.queue = s.queue.append((a, p))

    @output(a="A", p="P", q="P")
    def brcv(self, s, a, p, q):
        """Output brcv(a)_{p,q}. Pre: queue(next[q]) = ⟨a, p⟩. Eff: next[q] ← next[q] + 1."""
        s.require(s.next[q] <= s.queue.length)
        s.require(s.queue.at(s.next[q]) == (a, p))
        s.next[q] = s.next[q] + 1
