"""Round-based consensus of *Deconstructing Paxos* (Section 3.2) as a history automaton.

Source: R. Boichat, P. Dutta, S. Frølund, R. Guerraoui, *Deconstructing Paxos*, Section 3.2
(``propose(k, v)`` returning ``(status, v')``; Validity, Agreement, Termination; Figure 2).

All three properties are prefix-closed safety properties once "proposed" / "invoked" is read as
"invoked before this response" (the paper's Termination is itself a safety property: a
"conditional termination"), so the automaton is the most permissive one whose every prefix
satisfies them: each response is enabled exactly when it keeps them.

Round-number uniqueness (Section 4.2: p_i proposes only in rounds i, i + n, ...; footnote 15) is
an assumption of the algorithm of Figure 6, not part of this specification: the automaton
accepts equal rounds from different processes.
"""

from __future__ import annotations

from typing import Any

from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, input, output
from ioakit.lang.ir import BOT, ite, record, some
from ioakit.lang.types import BoolT, EnumT, MapT, OptionT, RecordT

from .environment import WellFormedClients
from .signature import ABORT, CRASHES, MAX_OPS, PROCESSES, ROUNDS, VALUES, declare_common


def _max(a: Any, b: Any) -> Any:
    return ite(a > b, a, b)


class RoundBasedConsensus(WellFormedClients):
    """Round-based consensus (Deconstructing Paxos, Section 3.2) as a history automaton.

    State (history variables):

    * ``pending[p]`` — p's pending ``propose``, or ⊥: round ``k``, value ``v`` and
      ``maxc_at_inv``, the highest round of a propose that had committed before this one was
      invoked (0 if none);
    * ``up[p]`` — p has not crashed;
    * ``proposed[v]`` — some process has invoked ``propose(·, v)``;
    * ``decided`` — the value decided so far, ⊥ if none;
    * ``max_invoked`` / ``max_committed`` — the highest round invoked / committed so far (0 if none).

    Responses of p's pending propose o:

    * commit with v iff ``proposed[v]`` (Validity), ``decided ∈ {⊥, v}`` (Agreement, uniform: it
      covers processes that crash later and the same process deciding twice) and
      ``o.maxc_at_inv ≤ o.k`` (Termination, second part: no propose that committed before o was
      invoked has a higher round); it sets ``decided`` to v;
    * abort iff ``max_invoked > o.k`` (Termination, first part: some process proposed in a round
      k' > k), with *any* v ∈ V: the paper's properties say nothing of the value returned on
      abort (Figure 6 returns the proposer's own initial value, one of the values allowed here).

    Ill-formed invocations are ignored and never issued by the environment, and the scope is
    as for ``RoundBasedRegister``, ``max_ops`` bounding the ``propose`` invocations.
    """

    name = "round-based-consensus"
    source = "Deconstructing Paxos, Section 3.2"
    parameters = (PROCESSES, VALUES, ROUNDS, MAX_OPS, CRASHES)

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        declare_common(d, sc)
        P, V = EnumT(d.domains["P"]), EnumT(d.domains["V"])
        proposal = d.type(
            "Proposal", RecordT("Proposal", (("k", d.types["K"]), ("v", V), ("maxc_at_inv", d.types["K0"])))
        )
        d.var("pending", MapT((P,), OptionT(proposal)))
        up = MapT((P,), BoolT())
        d.var("up", up, up.const(True))
        d.var("proposed", MapT((V,), BoolT()))
        d.var("decided", d.types["Vb"], -1)
        d.var("max_invoked", d.types["K0"], 0)
        d.var("max_committed", d.types["K0"], 0)
        self.declare_environment(d, sc)
        return d

    @input(p="P", k="K", v="V", at="p")
    def propose(self, s: Any, p: Any, k: Any, v: Any) -> None:
        """Input propose(k, v) at p. Eff: if p is up and idle, p's pending propose is (k, v);
        proposed[v] ← true; max_invoked ← max(max_invoked, k)."""
        self.client_invokes(s, p)
        with s.when(ir.And(s.up[p], s.pending[p] == BOT)):
            s.pending[p] = some(record(s.pending[p].type.elem, k, v, s.max_committed))
            s.proposed[v] = True
            s.max_invoked = _max(s.max_invoked, k)

    @output(p="P", status="Status", v="V", at="p")
    def propose_return(self, s: Any, p: Any, status: Any, v: Any) -> None:
        """Output propose returns (status, v) at p; see the class docstring for the guards."""
        o = s.pending[p]
        s.require(o != BOT)
        op = o.get()
        if status.value == ABORT.value:
            s.require(s.max_invoked > op.k)
        else:
            s.require(s.proposed[v])
            s.require(ir.Or(s.decided == BOT, s.decided == v))
            s.require(op.maxc_at_inv <= op.k)
            s.decided = v
            s.max_committed = _max(s.max_committed, op.k)
        s.pending[p] = BOT

    @input(p="P", at="p")
    def crash(self, s: Any, p: Any) -> None:
        """Input crash at p (Section 2.1). Eff: p is down; its pending propose never returns."""
        self.environment_crashes(s)
        s.up[p] = False
        s.pending[p] = BOT
