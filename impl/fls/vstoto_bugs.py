"""Seeded bugs in VStoTO_p: plausible wrong implementations of FLS Figures 7-9 (ours, NOT the
paper's), to measure what catches a careless implementer's mistake.

Source: Fekete–Lynch–Shvartsman, *Specifying and Using a Partitionable Group Communication
Service*, Section 5 (**Figure 7** operations on types, **Figure 8** the derived variable
``primary``, **Figure 9** transitions). Each variant changes ONE transition or helper of those
figures, in a way an implementer could plausibly get wrong; its docstring quotes the paper line it
deviates from and says what it does instead.

Every variant is built on ``VStoTOLabelNormal`` (``impl/fls/vstoto.py``: the printed algorithm with
our fix of a double delivery, ``label`` requiring status = normal), not on the printed VStoTO_p,
whose own double delivery would otherwise be found first: the seeded change is then the only
defect, and whatever check fails, fails because of it.

Each variant is a pair of classes, as ``VStoTOLabelNormal`` / ``VStoTOSystemLabelNormal`` are:

* a subclass of ``VStoTOLabelNormal`` overriding one action method (with the same decorator) or
  one helper (``has_quorum``, ``chosenrep``, ``fullorder``); ``RepSelf`` also wraps the two
  inputs that use ``chosenrep``, only to tell it which p is choosing;
* a subclass of ``SeededBugSystem`` (a ``VStoTOSystemLabelNormal``) whose ``components`` puts that
  VStoTO_p in place of the fixed one, registered as ``VStoTO-system-bug-<slug>``, its ``source``
  (shown by ``ioakit list``) starting with "SEEDED BUG (ours, not the paper's)".

``SEEDED_BUGS`` lists the system classes; the FLS bundle (``specs/fls/__init__.py``) registers them
so ``ioakit check`` and ``ioakit compare`` find them by name, and ``vstoto_lemmas_6.inv`` names them
on its ``machine`` line. ``docs/seeded-bugs.md`` says, for each, which check catches it (an item of
Lemmas 6.1–6.24, or trace inclusion in TO-machine), at what scope and with how long a
counterexample. Two more variants were tried and dropped (see there): establishing without
``nextconfirm ← maxnextconfirm(gotstate)`` is caught by nothing (Corollary 6.23 makes it harmless
to safety), and a representative with the lowest highprimary differs from the control only where summaries
of one view carry different highprimary values and the adopted order matters (three view ids and
two bcasts, or three processors): beyond the scopes we can explore.
"""

from __future__ import annotations

from typing import ClassVar

from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, input, internal, output
from ioakit.lang.ir import Term, const, ite
from ioakit.lang.system import Component

from .vstoto import VStoTO, VStoTOLabelNormal, VStoTOSystemLabelNormal

SEEDED = "SEEDED BUG (ours, not the paper's)"
"""The words that mark a seeded variant in its ``source`` (shown by ``ioakit list``)."""


# -- the variants of VStoTO_p ---------------------------------------------------------------------


class BrcvUnconfirmed(VStoTOLabelNormal):
    """Delivers labels that are ordered but not yet confirmed.

    Fig. 9, Output brcv(a)_{q,p}, first precondition: "nextreport < nextconfirm". Here:
    nextreport ≤ length(order) — the implementer reports everything in ``order`` and forgets that
    ``order`` is only tentative until confirmed (Section 5: "Labels in the order sequence become
    confirmed in the same order ..."; only confirmed values may be released to the client)."""

    name = "VStoTO_p (seeded bug: brcv before confirm)"

    @output(a="A", q="P", roles={"q": "p", "p": "q"})
    def brcv(self, s, a, q, p):
        """Output brcv(a)_{q,p} with ``nextreport ≤ length(order)`` for ``nextreport < nextconfirm``."""
        s.require(s.nextreport <= s.order.length)
        l = s.order.at(s.nextreport)
        s.require(s.content.contains((l, a)))
        s.require(l.origin == q)
        s.nextreport = s.nextreport + 1


class ConfirmUnsafe(VStoTOLabelNormal):
    """Confirms a label as soon as it is ordered, without waiting for ``safe``.

    Fig. 9, Internal confirm_p, second precondition: "order(nextconfirm) ∈ safe-labels". Here it is
    dropped (only ``primary`` and ``nextconfirm ≤ length(order)`` remain): receipt in a primary
    view is taken for stability, as if VS's ``gprcv`` meant every member had the message."""

    name = "VStoTO_p (seeded bug: confirm without safe)"

    @internal()
    def confirm(self, s, p):
        """Internal confirm_p without the precondition order(nextconfirm) ∈ safe-labels."""
        s.require(s.primary)
        s.require(s.nextconfirm <= s.order.length)
        s.nextconfirm = s.nextconfirm + 1


class HalfQuorum(VStoTOLabelNormal):
    """Takes a view with half of the processors for primary.

    Fig. 8, derived variable primary: "current ≠ ⊥ and ∃Q ∈ 𝒬: Q ⊆ current.set", with 𝒬 pairwise
    intersecting (Section 5: "every pair Q, Q' in 𝒬 satisfy Q ∩ Q' ≠ ∅"). Here the test is
    2·|current.set| ≥ |P| (≥ for >): with an even number of processors two disjoint halves are both
    primary. Only VStoTO_p's test is wrong; the system's 𝒬 (``quorums``, the lemmas' hasQ) stays the
    scope's majorities."""

    name = "VStoTO_p (seeded bug: half is a quorum)"

    def has_quorum(self, S: Term) -> Term:
        """2·|S| ≥ |P| (the bug), as the sets of at least half of P."""
        n = len(S.type.elem.domain)
        halves = [frozenset(i for i in range(n) if mask >> i & 1) for mask in range(1, 1 << n)]
        return ir.Or(*(const(S.type, Q).subset(S) for Q in halves if 2 * len(Q) >= n))


class RepSelf(VStoTOLabelNormal):
    """Each processor prefers itself as the representative: choices are not consistent.

    Fig. 7: "chosenrep(Y) is some element in reps(Y)", and Section 5: "Any method can be used to
    select the particular representative, as long as all processors select the same one from
    identical information". Here p chooses itself whenever p ∈ reps(Y) (and the highest processor
    id of reps(Y) otherwise): an implementer who trusts its own state first. Members of one view
    with the same gotstate then adopt different shortorders, hence different orders."""

    name = "VStoTO_p (seeded bug: chosenrep prefers p itself)"
    _me: Term | None = None
    """p while an action of VStoTO_p is traced (``chosenrep`` is a Fig. 7 helper without p)."""

    def chosenrep(self, Y: Term) -> Term:
        """p if p ∈ reps(Y), else the correct choice (highest processor id in reps(Y))."""
        rep = VStoTOLabelNormal.chosenrep(self, Y)
        me = self._me
        if me is None:
            return rep
        return ite(Y[me].is_some() & (Y[me].get().high == self.maxprimary(Y)), me, rep)

    @input(m="M", q="P", name="gprcv", roles={"q": "p", "p": "q"})
    def gprcv_summary(self, s, m, q, p):
        """Input gprcv(x)_{q,p} (Fig. 9) with chosenrep preferring p."""
        self._me = p
        try:
            VStoTOLabelNormal.gprcv_summary(self, s, m, q, p)
        finally:
            self._me = None

    @input(m="M", q="P", name="safe", roles={"q": "p", "p": "q"})
    def safe_summary(self, s, m, q, p):
        """Input safe(x)_{q,p} (Fig. 9) with chosenrep preferring p (in fullorder(gotstate))."""
        self._me = p
        try:
            VStoTOLabelNormal.safe_summary(self, s, m, q, p)
        finally:
            self._me = None


class OrderNonPrimary(VStoTOLabelNormal):
    """Orders ordinary messages in non-primary views too.

    Fig. 9, Input gprcv(⟨l, a⟩)_{q,p}: "if primary then order ← order · ⟨⟨l⟩⟩". Here the append is
    unconditional (Section 5: "When VStoTO_p receives a ⟨label, value⟩ pair while it is in a
    non-primary view, it does not process the pair (except for recording it in content)")."""

    name = "VStoTO_p (seeded bug: order in non-primary views)"

    @input(m="M", q="P", name="gprcv", roles={"q": "p", "p": "q"})
    def gprcv_msg(self, s, m, q, p):
        """Input gprcv(⟨l, a⟩)_{q,p} appending l to order whether or not primary."""
        with s.when(m.is_("msg")):
            la = m.as_("msg")
            s.content = s.content.add(la)
            self.set_order(s, s.order.append(la[0]))


class LabelReuse(VStoTOLabelNormal):
    """Does not advance the sequence number: two values labelled in one view share a label.

    Fig. 9, Internal label(a)_p, effect: "nextseqno ← nextseqno + 1". Here it is missing
    (``nextseqno`` stays 1 for the whole view), so labels are not unique (Section 5: "each value
    ... is assigned a system-wide unique label")."""

    name = "VStoTO_p (seeded bug: nextseqno not advanced)"

    @internal(a="A")
    def label(self, s, a, p):
        """Internal label(a)_p (status = normal, our fix) without nextseqno ← nextseqno + 1."""
        s.require(s.status == "normal")
        s.require(s.delay.length > 0)
        s.require(s.delay.head() == a)
        s.require(s.current != ir.BOT)
        L = s.buffer.type.elem
        m = ir.record(L, s.current.get().id, s.nextseqno, p)
        s.content = s.content.add((m, a))
        s.buffer = s.buffer.append(m)
        s.delay = s.delay.tail()


class NewviewKeepsGotstate(VStoTOLabelNormal):
    """Does not clear the summaries collected in the previous view.

    Fig. 9, Input newview(v)_p, effect: "gotstate ← ∅". Here it is missing: summaries received in
    the old view count towards "dom(gotstate) = current.set" in the new one."""

    name = "VStoTO_p (seeded bug: newview keeps gotstate)"

    @input(v="views")
    def newview(self, s, v, p):
        """Input newview(v)_p without gotstate ← ∅."""
        s.current = ir.some(v, s.current.type)
        s.nextseqno = 1
        s.buffer = ir.seq_lit(s.buffer.type)
        s.safe_exch = ir.set_lit(s.safe_exch.type)
        s.safe_labels = ir.set_lit(s.safe_labels.type)
        s.status = "send"


class NewviewKeepsSafeExch(VStoTOLabelNormal):
    """Does not clear the safe indications of the previous view's state exchange.

    Fig. 9, Input newview(v)_p, effect: "safe-exch ← ∅". Here it is missing: members whose old
    summary was safe count as safe in the new view's exchange."""

    name = "VStoTO_p (seeded bug: newview keeps safe-exch)"

    @input(v="views")
    def newview(self, s, v, p):
        """Input newview(v)_p without safe-exch ← ∅."""
        s.current = ir.some(v, s.current.type)
        s.nextseqno = 1
        s.buffer = ir.seq_lit(s.buffer.type)
        s.gotstate = const(s.gotstate.term.type, s.gotstate.term.type.default())
        s.safe_labels = ir.set_lit(s.safe_labels.type)
        s.status = "send"


class NewviewKeepsSafeLabels(VStoTOLabelNormal):
    """Does not clear the labels found safe in the previous view.

    Fig. 9, Input newview(v)_p, effect: "safe-labels ← ∅". Here it is missing."""

    name = "VStoTO_p (seeded bug: newview keeps safe-labels)"

    @input(v="views")
    def newview(self, s, v, p):
        """Input newview(v)_p without safe-labels ← ∅."""
        s.current = ir.some(v, s.current.type)
        s.nextseqno = 1
        s.buffer = ir.seq_lit(s.buffer.type)
        s.gotstate = const(s.gotstate.term.type, s.gotstate.term.type.default())
        s.safe_exch = ir.set_lit(s.safe_exch.type)
        s.status = "send"


class NewviewKeepsStatus(VStoTOLabelNormal):
    """Does not start the state exchange on a new view.

    Fig. 9, Input newview(v)_p, effect: "status ← send". Here it is missing: p goes on in status
    normal, sends no summary and orders the new view's messages onto its old order."""

    name = "VStoTO_p (seeded bug: newview keeps status)"

    @input(v="views")
    def newview(self, s, v, p):
        """Input newview(v)_p without status ← send."""
        s.current = ir.some(v, s.current.type)
        s.nextseqno = 1
        s.buffer = ir.seq_lit(s.buffer.type)
        s.gotstate = const(s.gotstate.term.type, s.gotstate.term.type.default())
        s.safe_exch = ir.set_lit(s.safe_exch.type)
        s.safe_labels = ir.set_lit(s.safe_labels.type)


class FullorderLabelOrder(VStoTOLabelNormal):
    """Builds a primary view's order from all known labels in label order, dropping shortorder.

    Fig. 7: "fullorder(Y) is shortorder(Y) followed by the remaining elements of
    dom(knowncontent(Y)), in label order". Here fullorder(Y) is dom(knowncontent(Y)) in label order:
    an order already confirmed in an earlier primary view can be rearranged."""

    name = "VStoTO_p (seeded bug: fullorder ignores shortorder)"

    def fullorder(self, Y: Term) -> Term:
        """dom(knowncontent(Y)) in label order (the bug: no shortorder prefix)."""
        return ir.setof(self.knowncontent(Y), lambda la: la[0]).sorted()


# -- the systems ----------------------------------------------------------------------------------


class SeededBugSystem(VStoTOSystemLabelNormal):
    """VStoTO-system-label-normal with ``process`` (a seeded variant of VStoTO_p) for every p; a
    subclass names the variant and says, in ``source`` (shown by ``ioakit list``), that it is a
    seeded bug and which paper line it changes."""

    process: ClassVar[type[VStoTO]] = VStoTOLabelNormal

    def components(self, sc: Scope, d: Decl) -> list[Component]:
        vs, _ = super().components(sc, d)
        return [vs, Component(self.process())]


class VStoTOSystemBugBrcvUnconfirmed(SeededBugSystem):
    """SEEDED BUG (ours, not the paper's): ``BrcvUnconfirmed`` at every p."""

    name = "VStoTO-system-bug-brcv-unconfirmed"
    source = f"{SEEDED}: brcv needs nextreport ≤ length(order), not nextreport < nextconfirm (Fig. 9)"
    process = BrcvUnconfirmed


class VStoTOSystemBugConfirmUnsafe(SeededBugSystem):
    """SEEDED BUG (ours, not the paper's): ``ConfirmUnsafe`` at every p."""

    name = "VStoTO-system-bug-confirm-unsafe"
    source = f"{SEEDED}: confirm does not need order(nextconfirm) ∈ safe-labels (Fig. 9)"
    process = ConfirmUnsafe


class VStoTOSystemBugHalfQuorum(SeededBugSystem):
    """SEEDED BUG (ours, not the paper's): ``HalfQuorum`` at every p."""

    name = "VStoTO-system-bug-half-quorum"
    source = f"{SEEDED}: primary means 2·|current.set| ≥ |P|, not ∃Q ∈ 𝒬: Q ⊆ current.set (Fig. 8)"
    process = HalfQuorum


class VStoTOSystemBugRepSelf(SeededBugSystem):
    """SEEDED BUG (ours, not the paper's): ``RepSelf`` at every p."""

    name = "VStoTO-system-bug-rep-self"
    source = f"{SEEDED}: chosenrep(Y) is p itself whenever p ∈ reps(Y), not a consistent choice (Fig. 7)"
    process = RepSelf


class VStoTOSystemBugOrderNonprimary(SeededBugSystem):
    """SEEDED BUG (ours, not the paper's): ``OrderNonPrimary`` at every p."""

    name = "VStoTO-system-bug-order-nonprimary"
    source = f"{SEEDED}: gprcv(⟨l, a⟩) appends l to order in every view, not only if primary (Fig. 9)"
    process = OrderNonPrimary


class VStoTOSystemBugLabelReuse(SeededBugSystem):
    """SEEDED BUG (ours, not the paper's): ``LabelReuse`` at every p."""

    name = "VStoTO-system-bug-label-reuse"
    source = f"{SEEDED}: label does not do nextseqno ← nextseqno + 1 (Fig. 9)"
    process = LabelReuse


class VStoTOSystemBugKeepSafeLabels(SeededBugSystem):
    """SEEDED BUG (ours, not the paper's): ``NewviewKeepsSafeLabels`` at every p."""

    name = "VStoTO-system-bug-keep-safe-labels"
    source = f"{SEEDED}: newview does not do safe-labels ← ∅ (Fig. 9)"
    process = NewviewKeepsSafeLabels


class VStoTOSystemBugKeepStatus(SeededBugSystem):
    """SEEDED BUG (ours, not the paper's): ``NewviewKeepsStatus`` at every p."""

    name = "VStoTO-system-bug-keep-status"
    source = f"{SEEDED}: newview does not do status ← send (Fig. 9)"
    process = NewviewKeepsStatus


class VStoTOSystemBugFullorderSorted(SeededBugSystem):
    """SEEDED BUG (ours, not the paper's): ``FullorderLabelOrder`` at every p."""

    name = "VStoTO-system-bug-fullorder-sorted"
    source = f"{SEEDED}: fullorder(Y) is all known labels in label order, without shortorder(Y) first (Fig. 7)"
    process = FullorderLabelOrder


class VStoTOSystemBugKeepGotstate(SeededBugSystem):
    """SEEDED BUG (ours, not the paper's): ``NewviewKeepsGotstate`` at every p."""

    name = "VStoTO-system-bug-keep-gotstate"
    source = f"{SEEDED}: newview does not do gotstate ← ∅ (Fig. 9)"
    process = NewviewKeepsGotstate


class VStoTOSystemBugKeepSafeExch(SeededBugSystem):
    """SEEDED BUG (ours, not the paper's): ``NewviewKeepsSafeExch`` at every p."""

    name = "VStoTO-system-bug-keep-safe-exch"
    source = f"{SEEDED}: newview does not do safe-exch ← ∅ (Fig. 9)"
    process = NewviewKeepsSafeExch


SEEDED_BUGS: tuple[type[SeededBugSystem], ...] = (
    VStoTOSystemBugBrcvUnconfirmed,
    VStoTOSystemBugConfirmUnsafe,
    VStoTOSystemBugHalfQuorum,
    VStoTOSystemBugRepSelf,
    VStoTOSystemBugOrderNonprimary,
    VStoTOSystemBugLabelReuse,
    VStoTOSystemBugKeepSafeLabels,
    VStoTOSystemBugKeepStatus,
    VStoTOSystemBugFullorderSorted,
    VStoTOSystemBugKeepGotstate,
    VStoTOSystemBugKeepSafeExch,
)
"""The registered seeded variants (VStoTO-system-bug-<slug>), in the order of ``docs/seeded-bugs.md``."""
