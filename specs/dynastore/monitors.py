"""The weak snapshot's properties (Section 4, PR1–PR4, and Lemma 4.1's "Mem[i] is written at most
once") as history variables of Algorithm 1, so the explorer checks them at every reached state.

Source: Aguilera, Keidar, Malkhi, Shraer, *Dynamic Atomic Storage Without Consensus* (J. ACM 58(2),
2011), Section 4: PR1 (integrity), PR2 (validity), PR3 (monotonicity of scans), PR4 (non-empty
intersection), and Lemma 4.1 of Section 4.1. The printed PR2 and PR4 read "C = ∅" where the
proofs (Lemmas 4.2 and 4.4) need "C ≠ ∅": we check the latter (with "C = ∅", PR2 would demand that
a scan after a completed update return nothing, which Algorithm 1 never does).

Each property is a boolean ``bad_<name>`` set by the step that violates it, so "never bad" is a
state invariant and the explorer's shortest counterexample is a shortest violating execution.
Every property here is a safety property of the history (or of the register writes), so judging
every reached prefix as a whole run is exact: a violating run has a violating prefix.

* ``pr1``: a scan returning C has, for each c ∈ C, an ``update(c)`` invoked before it returned.
* ``pr2``: a scan invoked after some update completed returns C ≠ ∅.
* ``pr3``: a scan invoked after scans completed returns a superset of the union of their results
  (C ⊆ C' for each of them).
* ``pr4``: the intersection of all non-empty scan results is non-empty (an element common to all).
* ``mem_once``: each ``Mem[i].Write`` happens at most once (Lemma 4.1's proof; the queue of
  Section 5.3 is what guarantees it in DynaStore).
"""

from __future__ import annotations

from typing import Any

from ioakit.engines.explore import Property
from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Machine, ScopeParam
from ioakit.lang.types import BoolT, IntT, MapT, SetT

HISTORY = ScopeParam("history", 1, "1: keep history variables that check the abstraction's properties; 0: do not", 0, 1)

SNAPSHOT_PROPERTIES = (
    (
        "pr1",
        "Section 4, PR1 (integrity)",
        "each c in a scan's result C was the argument of an update invoked before the scan returned",
    ),
    (
        "pr2",
        "Section 4, PR2 (validity), with C ≠ ∅ (OCR: 'C = ∅'); Lemma 4.2",
        "a scan invoked after some update completed returns a non-empty set",
    ),
    (
        "pr3",
        "Section 4, PR3 (monotonicity of scans); Lemma 4.3",
        "a scan invoked after another scan returned C returns C' with C ⊆ C'",
    ),
    (
        "pr4",
        "Section 4, PR4 (non-empty intersection), with C ≠ ∅ (OCR: 'C = ∅'); Lemma 4.4",
        "some c belongs to every non-empty set a scan returned",
    ),
    (
        "mem_once",
        "Section 4.1, Lemma 4.1 (its proof: Mem[i].Write is invoked at most once)",
        "no register Mem[i] is written twice",
    ),
)


def properties(m: Machine, table: Any = SNAPSHOT_PROPERTIES) -> list[Property]:
    """The history properties of ``table`` as explorer properties (none with ``history=0``)."""
    if not m.scope.as_dict().get("history", 0):
        return []
    return [
        Property(name, m.predicate(lambda s, n=name: ~getattr(s, f"bad_{n}")), ref, text) for name, ref, text in table
    ]


class SnapshotMonitor:
    """History variables of a weak snapshot object (Section 4) and their updates; ``C`` is the type
    of the values (``SetT(C)`` a scan's result), ``P`` the processes."""

    def declare(self, d: Decl, P: Any, n: int, C: Any) -> None:
        cs = SetT(C)
        d.var("h_invoked", cs)  # values of the updates invoked so far (PR1)
        d.var("h_completed", BoolT(), False)  # some update has completed (PR2)
        d.var("h_after_update", MapT((P,), BoolT()), (False,) * n)  # p's scan began after an update completed
        d.var("h_union", cs)  # union of the results of the scans completed so far (PR3)
        d.var("h_before", MapT((P,), cs), (frozenset(),) * n)  # h_union when p's scan was invoked
        d.var("h_nonempty", BoolT(), False)  # some scan returned a non-empty set (PR4)
        d.var("h_inter", cs)  # the intersection of the non-empty results so far
        d.var("h_writes", MapT((P,), IntT(0, 2)), (0,) * n)  # Mem[i].Write count, 2 = two or more
        for name, _, _ in SNAPSHOT_PROPERTIES:
            d.var(f"bad_{name}", BoolT(), False)

    def update_invoked(self, s: Any, p: Any, c: Any) -> None:
        s.h_invoked = s.h_invoked.add(c)

    def update_returned(self, s: Any, p: Any) -> None:
        s.h_completed = True

    def scan_invoked(self, s: Any, p: Any) -> None:
        s.h_after_update[p] = s.h_completed
        s.h_before[p] = s.h_union

    def scan_returned(self, s: Any, p: Any, C: Any) -> None:
        empty = C.card() == 0
        s.bad_pr1 = s.bad_pr1 | ~C.subset(s.h_invoked)
        s.bad_pr2 = s.bad_pr2 | (s.h_after_update[p] & empty)
        s.bad_pr3 = s.bad_pr3 | ~s.h_before[p].subset(C)
        s.h_union = s.h_union.union(C)
        with s.when(~empty):
            inter = ir.ite(s.h_nonempty, s.h_inter.inter(C), C)
            s.h_inter = inter
            s.h_nonempty = True
            s.bad_pr4 = s.bad_pr4 | (inter.card() == 0)

    def written(self, s: Any, p: Any) -> None:
        """p's ``Mem[p].Write`` happened (line 3)."""
        n = s.h_writes[p]
        s.h_writes[p] = ir.ite(n < 2, n + 1, 2)
        s.bad_mem_once = s.bad_mem_once | (n >= 1)
