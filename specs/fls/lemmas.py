"""Lemma 4.1 (VS-machine) and the analogous facts for TO-machine, as Python predicates.

These are the executable statements of Fekete–Lynch–Shvartsman **Lemma 4.1** ("true in all
reachable states of VS-machine"; the paper's proof: "all straightforward by induction"),
written against the automaton vocabulary, so each has a concrete and a Z3 meaning. The same
facts ship as invariant-DSL text (``invariants/fls/*.inv``); the test suite checks that the
two versions agree state by state.

Item 12 is printed in the paper as ``next-safe[p, q] <= next[p, g]``; ``next-safe[p, q]`` is
ill-typed (q is a processor, not a view id, and not among the lemma's variables): a typo, so we
read it as ``next-safe[p, g]``.
Free variables range as in the lemma: p, q ∈ P, S ⊆ P, m ∈ M, g ∈ G.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ioakit.lang.ir import BOT, And, Implies, exists, forall, record
from ioakit.lang.types import SetT


def _views(s: Any):
    return s.created.type.elem


def _sets(s: Any) -> SetT:
    return _views(s).field_type("set")


def _P(s: Any):
    """The processor domain P (as an enum type), read off the schema."""
    return _views(s).field_type("set").elem


def _G(s: Any):
    """The view-id domain G."""
    return _views(s).field_type("id")


def _M(s: Any):
    """The message alphabet M."""
    return s.queue.type.val.elem.fields[0][1]


def _view(s: Any, g: Any, S: Any):
    return record(_views(s), g, S)


def vs_1(s):
    """If g ∈ created-viewids then there is a unique S such that ⟨g, S⟩ ∈ created."""
    G = _G(s)
    return forall(
        G,
        lambda g: Implies(
            s.created_viewids.contains(g),
            exists(
                _sets(s),
                lambda S: And(
                    s.created.contains(_view(s, g, S)),
                    forall(_sets(s), lambda S2: Implies(s.created.contains(_view(s, g, S2)), S2 == S)),
                ),
            ),
        ),
    )


def vs_2(s):
    """If current-viewid[p] ≠ ⊥ then current-viewid[p] ∈ created-viewids."""
    P = _P(s)
    return forall(P, lambda p: Implies(s.current_viewid[p] != BOT, s.created_viewids.contains(s.current_viewid[p])))


def vs_3(s):
    """If ⟨current-viewid[p], S⟩ ∈ created then p ∈ S."""
    P = _P(s)
    return forall(
        P,
        lambda p: forall(
            _sets(s), lambda S: Implies(s.created.contains(_view(s, s.current_viewid[p], S)), S.contains(p))
        ),
    )


def vs_4(s):
    """If pending[p, g] ≠ λ then g ∈ created-viewids."""
    P, G = _P(s), _G(s)
    return forall(P, lambda p: forall(G, lambda g: Implies(s.pending[p, g].length > 0, s.created_viewids.contains(g))))


def vs_5(s):
    """If pending[p, g] ≠ λ then current-viewid[p] ≠ ⊥."""
    P, G = _P(s), _G(s)
    return forall(P, lambda p: forall(G, lambda g: Implies(s.pending[p, g].length > 0, s.current_viewid[p] != BOT)))


def vs_6(s):
    """If pending[p, g] ≠ λ then g ≤ current-viewid[p]."""
    P, G = _P(s), _G(s)
    return forall(P, lambda p: forall(G, lambda g: Implies(s.pending[p, g].length > 0, g <= s.current_viewid[p])))


def vs_7(s):
    """If queue[g] ≠ λ then g ∈ created-viewids."""
    G = _G(s)
    return forall(G, lambda g: Implies(s.queue[g].length > 0, s.created_viewids.contains(g)))


def _in_queue(s, g, m, p):
    return s.queue[g].contains((m, p))


def vs_8(s):
    """If ⟨m, p⟩ is in queue[g] then current-viewid[p] ≠ ⊥."""
    P, G, M = _P(s), _G(s), _M(s)
    return forall(
        G,
        lambda g: forall(M, lambda m: forall(P, lambda p: Implies(_in_queue(s, g, m, p), s.current_viewid[p] != BOT))),
    )


def vs_9(s):
    """If ⟨m, p⟩ is in queue[g] then g ≤ current-viewid[p]."""
    P, G, M = _P(s), _G(s), _M(s)
    return forall(
        G, lambda g: forall(M, lambda m: forall(P, lambda p: Implies(_in_queue(s, g, m, p), g <= s.current_viewid[p])))
    )


def vs_10(s):
    """next[p, g] ≤ length(queue[g]) + 1."""
    P, G = _P(s), _G(s)
    return forall(P, lambda p: forall(G, lambda g: s.next[p, g] <= s.queue[g].length + 1))


def vs_11(s):
    """next-safe[p, g] ≤ length(queue[g]) + 1."""
    P, G = _P(s), _G(s)
    return forall(P, lambda p: forall(G, lambda g: s.next_safe[p, g] <= s.queue[g].length + 1))


def vs_12(s):
    """next-safe[p, g] ≤ next[p, g] (printed as next-safe[p, q]: a typo)."""
    P, G = _P(s), _G(s)
    return forall(P, lambda p: forall(G, lambda g: s.next_safe[p, g] <= s.next[p, g]))


def vs_13(s):
    """If ⟨g, S⟩ ∈ created and next[p, g] ≠ 1 then p ∈ S."""
    P = _P(s)
    return forall(P, lambda p: forall(s.created, lambda v: Implies(s.next[p, v.id] != 1, v.set.contains(p))))


def vs_14(s):
    """If ⟨g, S⟩ ∈ created and next-safe[p, g] ≠ 1 then p ∈ S."""
    P = _P(s)
    return forall(P, lambda p: forall(s.created, lambda v: Implies(s.next_safe[p, v.id] != 1, v.set.contains(p))))


LEMMA_4_1: list[tuple[str, str, Callable[..., Any]]] = [
    (f"lemma_4_1_{i}", f"Lemma 4.1({i})", fn)
    for i, fn in enumerate(
        [vs_1, vs_2, vs_3, vs_4, vs_5, vs_6, vs_7, vs_8, vs_9, vs_10, vs_11, vs_12, vs_13, vs_14], start=1
    )
]
"""The 14 items of Lemma 4.1 as (name, reference, predicate)."""


def to_next_bound(s):
    """next[p] ≤ length(queue) + 1 (ours: the paper states no TO-machine invariant; the TO analogue
    of Lemma 4.1(10))."""
    P = s.queue.type.elem.fields[1][1]
    return forall(P, lambda p: s.next[p] <= s.queue.length + 1)


def to_conservation(s):
    """Every bcast issued so far is in exactly one place: length(queue) + Σ_p length(pending[p])
    = inputs_issued (ours: it ties the machine to its environment budget)."""
    P = s.queue.type.elem.fields[1][1]
    total = s.queue.length
    for p in range(len(P.domain)):
        from ioakit.lang.ir import const

        total = total + s.pending[const(P, p)].length
    return total == s.inputs_issued


TO_FACTS: list[tuple[str, str, Callable[..., Any]]] = [
    ("to_next_bound", "ours: analogue of Lemma 4.1(10)", to_next_bound),
    ("to_conservation", "ours: queue and pending account for every bcast", to_conservation),
]
