"""Figure 7 of *Deconstructing Paxos*: weak leader election from the failure detector Ω.

Source: Boichat, Dutta, Frølund, Guerraoui, *Deconstructing Paxos*, Section 4.3, **Figure 7**
(lines 1–2) and Proposition 11; the property is Section 3.3's "some process is an eventual
perpetual leader", judged on finite runs after a stabilization point.

``leader()`` at p_i returns ``first(D_i)`` if Ω's output ``D_i`` (a list of trusted processes) is
not empty, else p_i itself (line 2). The procedure does not wait; its invocation and return are
two actions so that a history shows both (``leader(p)``, ``leader_return(p, l)``), and ``D_i`` is
read at the return.

Ω is the environment here (Chandra–Hadzilacos–Toueg's failure detector, driven by the explorer
or a simulation): ``omega(p, D)`` changes p's output at any time before the stabilization point;
``stabilize(l)`` marks the point after which the property of Ω holds for the correct process l,
which then never crashes (it is correct) — on a finite run, that is what "eventually" means.

The paper states Ω's property for its *list* output as "there is a time after which exactly one
correct process is always trusted by every correct process". Read literally, after stabilization
``D_i`` always contains l but may contain other processes, before l — a crashed one, for
instance — and then Figure 7's ``first(D_i)`` elects a crashed process forever, which is no
eventual perpetual leader. ``weak-leader-election-fig7`` keeps that literal reading (the paper's
version, the default); ``weak-leader-election-fig7-single`` reads Ω as Chandra, Hadzilacos and
Toueg define it (one trusted process per module; after stabilization it is l everywhere, as the
paper's own Ω of Appendix B outputs), under which Proposition 11 holds. See ``docs/paxos.md``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ioakit.impl.net.process import CRASHES, MessagePassing
from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, ScopeParam, from_state, input, output
from ioakit.lang.types import BoolT, EnumT, SetT, Type
from ioakit.specs.paxos.monitors import HISTORY
from ioakit.specs.paxos.signature import PROCESSES, history_events

LEADER_OPS = ScopeParam("max_ops", 3, "leader() invocations the environment makes, in total", min=0, max=30)


def _well_formed(first: Any, D: Any) -> bool:
    """``first`` is first(D) of a list whose members are ``D`` (⊥ for the empty list)."""
    return (first.value == -1 and not D.value) or first.value in D.value


class Fig7LeaderElection(MessagePassing):
    """Figure 7 (Section 4.3) over Ω as printed (a list of trusted processes; after stabilization it
    always contains the one correct process l).

    Scope: ``processes``, ``max_ops`` (leader() invocations), ``crashes`` (crash-stop, Section 4),
    ``history`` (the property "eventual perpetual leader" as a history variable).
    """

    name = "weak-leader-election-fig7"
    source = "Deconstructing Paxos, Figure 7"
    history_automaton = "weak-leader-election"
    parameters = (PROCESSES, LEADER_OPS, CRASHES, HISTORY)
    MESSAGES: ClassVar[dict[str, tuple[str, ...]]] = {}
    single_output = False
    """Ω read as one trusted process (CHT's Ω): after stabilization ``D_i = ⟨l⟩``."""

    def message_types(self, sc: Scope, d: Decl) -> dict[str, tuple[Type, ...]]:
        return {}

    def capacity(self, sc: Scope) -> int:
        return 0

    def declare_processes(self, sc: Scope, d: Decl) -> None:
        from ioakit.lang.types import Domain

        P = d.domain(Domain.numbered("P", sc["processes"], "p"))
        # Ω's output D_i, kept as its first element and its set of members (Figure 7 reads only
        # first(D_i), Ω's property only membership); empty: Ω has said nothing yet
        d.type("Trusted", SetT(EnumT(P)))
        d.type("Pb", EnumT(P, bottom=True))
        self.local(d, "D", d.types["Trusted"])
        self.local(d, "first", d.types["Pb"])
        self.local(d, "pending", BoolT(), False)  # a leader() invocation has not returned
        d.var("stabilized", BoolT(), False)
        d.var("omega_leader", EnumT(P, bottom=True))  # l, once Ω has stabilized
        self.history = bool(sc["history"])
        if self.history:
            self.local(d, "h_after", BoolT(), False)  # the pending leader() was invoked after stabilization
            d.var("h_elected", SetT(EnumT(P)))  # what leader() returned for invocations after it

    def history(self, events: Any) -> list[Any]:
        """Section 3's history of a run: invocations, responses, crashes (``traces/FORMAT.md`` §5a)."""
        return history_events(events, self.history_automaton)

    def idle(self, s: Any, p: Any) -> Any:
        return ~s.pending[p]

    def may_crash(self, s: Any, p: Any) -> Any:
        """The stable leader is correct: it does not crash after the stabilization point."""
        return ~(s.stabilized & (s.omega_leader == p))

    def trusted_after(self, s: Any, first: Any, D: Any) -> Any:
        """What Ω may output after stabilization: as printed, any list that contains l; read as
        a single trusted process, exactly ⟨l⟩."""
        l = s.omega_leader
        if self.single_output:
            return (D.card() == 1) & (first == l)
        return D.contains(l)

    @input(lambda p, first, D: _well_formed(first, D), p="P", first="Pb", D="Trusted", at="p")
    def omega(self, s: Any, p: Any, first: Any, D: Any) -> None:
        """Ω's output at p becomes a list with members D whose first element is ``first``."""
        s.assume(s.up[p])
        s.assume(~s.stabilized | self.trusted_after(s, first, D))
        s.D[p] = D
        s.first[p] = first

    @input(l="P")
    def stabilize(self, s: Any, l: Any) -> None:
        """The stabilization point: from now on Ω's outputs satisfy its property with the correct
        process l (every up process's output already does)."""
        s.assume(~s.stabilized)
        s.assume(s.up[l])
        s.stabilized = True
        s.omega_leader = l
        for q in self._processes():
            s.assume(~s.up[q] | self.trusted_after(s, s.first[q], s.D[q]))

    @input(p="P", at="p")
    def leader(self, s: Any, p: Any) -> None:
        """p invokes leader() (Figure 7, line 1)."""
        self.invoke(s, p)
        s.pending[p] = True
        if self.history:
            s.h_after[p] = s.stabilized

    @output(p="P", l=from_state("P"), at="p")
    def leader_return(self, s: Any, p: Any) -> None:
        """Line 2: return first(D_i) if D_i ≠ ∅, else p_i."""
        s.require(s.pending[p])
        first = s.first[p]
        elected = ir.ite(first != ir.const(first.type, -1), first, p)
        s.bind(l=elected)
        s.pending[p] = False
        if self.history:
            with s.when(s.h_after[p]):
                s.h_elected = s.h_elected.add(elected)
            s.h_after[p] = False


def eventual_leader_property(m: Any) -> list[Any]:
    """Section 3.3 on a finite run judged as a whole (every prefix is one: the environment may stop):
    the leader() invocations made after the stabilization point all returned one process, and it
    is up (correct: in crash-stop, never crashed). Before that point nothing is required."""
    from ioakit.engines.explore import Property

    if not m.scope.as_dict().get("history", 0):
        return []
    term = m.predicate(
        lambda s: (s.h_elected.card() <= 1) & ir.forall(s.h_elected, lambda x: s.up[x]),
    )
    return [
        Property(
            "eventual_perpetual_leader",
            term,
            "Section 3.3 (Proposition 11), after the stabilization point",
            "every leader() invoked after Ω stabilized returned the same process, and it is up",
        )
    ]


class Fig7LeaderElectionSingle(Fig7LeaderElection):
    """Figure 7 over Ω read as one trusted process (Chandra–Hadzilacos–Toueg; the paper's Appendix B
    implementation outputs one process): after stabilization every up process's output is ⟨l⟩."""

    name = "weak-leader-election-fig7-single"
    source = "Deconstructing Paxos, Figure 7, with Ω outputting one trusted process"
    single_output = True
