"""The forward simulation ``f`` from VStoTO-system to TO-machine (FLS Section 6.2, Lemma 6.25).

Source: Fekete–Lynch–Shvartsman, *Specifying and Using a Partitionable Group Communication
Service*, Section 6.2: the definition of ``f`` (clauses 1–3), the proof of Lemma 6.25 (one case
per action), Theorem 6.26.

``f(x) = y`` where

1. ``y.queue = applyall(⟨x.allcontent, origin⟩, x.allconfirm)``: for each label of allconfirm,
   its value (allcontent read as a function, Lemma 6.5) and its origin;
2. ``y.next[p] = x.nextreport_p``;
3. ``y.pending[p] = applyall(x.allcontent, s) · x.delay_p``, ``s`` the labels ``l`` with
   ``l.origin = p``, ``⟨l, a⟩ ∈ x.allcontent`` for some a and ``l ∉ range(x.allconfirm)``, in
   label order.

``f`` is defined where ``allcontent`` is a function (Lemma 6.5) and the confirm prefixes of
``allstate`` are consistent (Corollary 6.24, which makes ``allconfirm`` their lub); elsewhere the
checkers report "f undefined" with the failing condition. The step correspondence is the proof's
case analysis:

* ``bcast(a)_p`` ↦ ``bcast(a)_p``; ``brcv(a)_{p,q}`` ↦ ``brcv(a)_{p,q}`` (TO-machine's names and
  roles: p origin, q destination; the proof prints the subscripts the other way round);
* ``confirm_p`` ↦ empty if ``nextconfirm_p ≤ length(allconfirm)``, otherwise ``to-order(a, q)``
  with ``l = order_p(nextconfirm_p)``, ``q = l.origin``, ``a = allcontent(l)`` (the proof writes
  ``x.nextorder_p`` for ``nextconfirm_p`` and ``⟨⟨a, p⟩⟩`` for the appended ``⟨a, q⟩``: typos);
* every other action (label, gpsnd, gprcv, safe, newview, createview, vs-order) ↦ empty (the
  proof's ``label`` case writes ``x.current_p`` for ``current.id_p``).

Where ``allcontent`` does not give a label a value (impossible where f is defined and the label is
in allconfirm, by Lemma 6.18), ``value`` returns the last data value: such states are reported
through the definedness conditions or through the step that reaches them.
"""

from __future__ import annotations

from typing import Any

from ioakit.lang import ir
from ioakit.lang.automaton import Scope
from ioakit.lang.ir import Term, const, ite
from ioakit.lang.types import EnumT, SeqT, TupleT
from ioakit.refinement.mapping import Refinement, call, fragment, when

SEEDED_PREFIX = "VStoTO-system-bug-"


class VStoTOtoTO(Refinement):
    """FLS Section 6.2's ``f`` with Lemma 6.25's step correspondence (see the module docstring)."""

    name = "vstoto-f"
    impl = ("VStoTO-system", "VStoTO-system-label-normal")
    spec = "TO-machine"
    source = "Fekete–Lynch–Shvartsman, Section 6.2 (definition of f, Lemma 6.25, Theorem 6.26)"

    def applies_to(self, machine_name: str) -> bool:
        """The printed system, our fixed variant and the seeded-bug variants share the state."""
        return machine_name in self.impl or machine_name.startswith(SEEDED_PREFIX)

    def spec_scope(self, impl_scope: Scope) -> dict[str, int]:
        """TO-machine's sequences hold ``max_inputs`` entries. ``f`` of any state of VStoTO-system
        at this scope fits in ``max(max_inputs, 1) · view_ids + max_inputs``: ``queue`` is as long
        as allconfirm (a label can be confirmed once per view in the printed system, so up to
        the bound of ``order``), ``pending[p]`` holds at most one value per label with origin p
        (``view_ids · max(max_inputs, 1)`` of them) plus ``delay_p``."""
        n = max(impl_scope["max_inputs"], 1) * impl_scope["view_ids"] + impl_scope["max_inputs"]
        return {"processors": impl_scope["processors"], "values": impl_scope["values"], "max_inputs": n}

    # -- helpers --------------------------------------------------------------------------------
    @staticmethod
    def value(s: Any, l: Term) -> Term:
        """``allcontent(l)``: the value allcontent pairs with label l (a function by Lemma 6.5)."""
        A = s.allcontent.type.elem.fields[1][1]
        vals = list(A.values())
        out = const(A, vals[-1])
        for v in reversed(vals[:-1]):
            out = ite(s.allcontent.contains((l, const(A, v))), const(A, v), out)
        return out

    # -- f --------------------------------------------------------------------------------------
    def defined(self, s: Any) -> dict[str, Any]:
        return {
            "Lemma 6.5 (allcontent is a function)": ir.forall(
                s.allcontent,
                lambda x: ir.forall(s.allcontent, lambda y: ir.Implies(x[0] == y[0], x[1] == y[1])),
            ),
            # pairwise prefix-comparable ⇔ each is a prefix of the longest, which is how the
            # machine's allconfirm is computed: linear in allstate rather than quadratic
            "Corollary 6.24 (the confirms of allstate are consistent)": ir.forall(
                s.allstate, lambda x: ir.prefix(self.confirm(x), s.allconfirm)
            ),
        }

    @staticmethod
    def confirm(x: Term) -> Term:
        from ioakit.impl.fls.vstoto import VStoTOSystem

        return VStoTOSystem.confirm(x)

    def abstraction(self, s: Any) -> dict[str, Any]:
        P = s.nextreport.type.keys[0]
        ac = s.allconfirm
        A = s.allcontent.type.elem.fields[1][1]
        entry = TupleT(A, P)
        queue = ir.seq_lit(SeqT(entry, ac.type.maxlen))
        for i in range(1, ac.type.maxlen + 1):
            l = ac.at(i)
            queue = ite(i <= ac.length, queue.append((self.value(s, l), l.origin)), queue)
        delay_t = s.delay.type.val
        pending = {}
        for pi in P.values():
            p = const(P, pi)
            labels = ir.setof(
                s.allcontent,
                lambda la: la[0],
                where=lambda la, p=p: (la[0].origin == p) & ~ac.contains(la[0]),
            )
            order = labels.sorted()
            vals = ir.seq_lit(SeqT(A, order.type.maxlen + delay_t.maxlen))
            for i in range(1, order.type.maxlen + 1):
                vals = ite(i <= order.length, vals.append(self.value(s, order.at(i))), vals)
            pending[pi] = vals.concat(s.delay[p])
        return {
            "queue": queue,
            "pending": _map_of(P, s.delay.type, pending, A),
            "next": s.nextreport,
        }

    # -- Lemma 6.25's cases -------------------------------------------------------------------
    @fragment("bcast")
    def bcast(self, s: Any, a: Term, p: Term) -> list[Any]:
        return [call("bcast", a=a, p=p)]

    @fragment("brcv")
    def brcv(self, s: Any, a: Term, p: Term, q: Term) -> list[Any]:
        return [call("brcv", a=a, p=p, q=q)]

    @fragment("confirm")
    def confirm_step(self, s: Any, p: Term) -> Any:
        l = s.order[p].at(s.nextconfirm[p])
        return when(s.nextconfirm[p] <= s.allconfirm.length, [], [call("to_order", a=self.value(s, l), p=l.origin)])

    @fragment("label", "gpsnd", "gprcv", "safe", "newview", "createview", "vs_order")
    def hidden(self, s: Any, **params: Any) -> list[Any]:
        return []


def _map_of(P: EnumT, like: Any, per: dict[int, Term], A: EnumT) -> Term:
    """The map p ↦ per[p] over P (pending[p] of TO-machine)."""
    from ioakit.lang.types import MapT

    longest = max(v.type.maxlen for v in per.values())
    mt = MapT((P,), SeqT(A, longest))
    out = const(mt, mt.default())
    for pi, v in per.items():
        out = out.put(const(P, pi), v)
    return out
