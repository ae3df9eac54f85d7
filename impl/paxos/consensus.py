"""Figure 6 of *Deconstructing Paxos*: wait-free round-based consensus from a round-based register.

Source: Boichat, Dutta, Frølund, Guerraoui, *Deconstructing Paxos*, Section 4.2, **Figure 6**
(lines 1–7), over the register of Figure 5 (``impl/paxos/register.py``); Lemmas 8–10
(Proposition 7) are the claims checked against it.

``propose(k, init_i)`` reads the register with round k (line 4); if the read commits with v, it
takes v, or ``init_i`` when v = ⊥ (line 5), writes it with round k (line 6) and, if the write
commits, decides it: ``return(commit, v)``; otherwise it returns ``(abort, init_i)`` (line 7).

Round-number uniqueness (Section 4.2, "as in [13, 19]"): p_i proposes only rounds
k ∈ {i, i + n, i + 2n, …}. It is an assumption on the environment, so ``propose(p_i, k, ·)`` is
issued only for such k; ``round-based-consensus-fig6-shared-rounds`` drops it, to reproduce
footnote 15 (two processes proposing in the same round can both commit different values).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ioakit.impl.net.process import CRASHES, NETWORK_PARAMETERS
from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, from_state, input, internal, output
from ioakit.lang.types import Domain, EnumT, SetT
from ioakit.specs.paxos.monitors import HISTORY, ConsensusMonitor
from ioakit.specs.paxos.signature import ABORT, COMMIT, MAX_OPS, PROCESSES, ROUNDS, VALUES

from .register import READING, WRITING, RegisterCore

STAGE = Domain("Stage", ("idle", "reading", "writing"))
C_IDLE, C_READING, C_WRITING = (ir.const(EnumT(STAGE), i) for i in range(3))


class Fig6Consensus(RegisterCore):
    """Figure 6 (Section 4.2) over Figure 5's register, crash-stop, with round-number uniqueness.

    Scope: ``processes``, ``values``, ``rounds`` (p_i proposes rounds ≡ i mod n within 1..rounds),
    ``max_ops`` (propose invocations in total), ``crashes``, the link faults, ``history``.
    """

    name = "round-based-consensus-fig6"
    source = "Deconstructing Paxos, Figure 6"
    history_automaton = "round-based-consensus"
    parameters = (
        dataclasses.replace(PROCESSES, default=2),
        VALUES,
        ROUNDS,
        dataclasses.replace(MAX_OPS, default=2),
        CRASHES,
        *NETWORK_PARAMETERS,
        HISTORY,
    )
    """Defaults explored in a second (two processes: p1 proposes rounds 1 and 3, p2 round 2; two
    proposals; one crash); three processes take minutes (``docs/paxos.md``)."""
    unique_rounds = True

    def declare_more(self, sc: Scope, d: Decl) -> None:
        d.domain(STAGE)
        self.local(d, "stage", EnumT(STAGE), C_IDLE)  # where propose() is: line 4, line 6, or not running
        self.local(d, "init", d.types["V"])  # init_i, the proposal (line 3)
        d.var("env_rounds", SetT(d.types["K"]))  # rounds proposed so far (the environment's bookkeeping)

    def make_monitor(self, sc: Scope, d: Decl) -> Any:
        if not sc.as_dict().get("history", 0):
            return None
        mon = ConsensusMonitor()
        mon.declare(d, sc)
        return mon

    def idle(self, s: Any, p: Any) -> Any:
        return s.stage[p] == C_IDLE

    def round_allowed(self, s: Any, p: Any, k: Any) -> Any:
        """Round-number uniqueness: p_i proposes only k ∈ {i, i+n, i+2n, ...} (Section 4.2), and
        "no process can propose twice for the same round k" (Section 4.4)."""
        if not self.unique_rounds:
            return True
        n = self._scope["processes"]
        return ((k.value - (p.value + 1)) % n == 0) & ~s.env_rounds.contains(k)

    @input(p="P", k="K", v="V", at="p")
    def propose(self, s: Any, p: Any, k: Any, v: Any) -> None:
        """p invokes propose(k, init_i) (line 3) and reads the register with round k (line 4)."""
        s.assume(self.round_allowed(s, p, k))
        self.invoke(s, p)
        s.env_rounds = s.env_rounds.add(k)
        if self.monitor:
            self.monitor.invoked(s, p, k, v)
        s.stage[p] = C_READING
        s.init[p] = v
        self.start_read(s, p, k)

    @internal(p="P", at="p")
    def read_committed(self, s: Any, p: Any) -> None:
        """Line 4: reg.read(k) returned (commit, v); line 5: v ← init_i if v = ⊥; line 6: reg.write(k, v)."""
        s.require(s.stage[p] == C_READING)
        self.done(s, p, READING)
        s.require(~s.nacked[p])
        read = s.bestv[p]
        v = ir.ite(read == ir.const(read.type, -1), s.init[p], read)
        k = s.opk[p]
        self.finish(s, p)
        s.stage[p] = C_WRITING
        self.start_write(s, p, k, v)

    @output(p="P", status=from_state("Status"), v=from_state("V"), at="p", name="propose_return")
    def read_aborted(self, s: Any, p: Any) -> None:
        """Lines 4 and 7: reg.read(k) aborted: return (abort, init_i)."""
        s.require(s.stage[p] == C_READING)
        self.done(s, p, READING)
        s.require(s.nacked[p])
        self._return(s, p, ABORT, s.init[p])

    @output(p="P", status=from_state("Status"), v=from_state("V"), at="p", name="propose_return")
    def write_returned(self, s: Any, p: Any) -> None:
        """Line 6: reg.write(k, v) committed: return (commit, v); else line 7: return (abort, init_i)."""
        s.require(s.stage[p] == C_WRITING)
        self.done(s, p, WRITING)
        nacked = s.nacked[p]
        written = s.opv[p]
        v = ir.ite(nacked, s.init[p], _cast(written, s.init[p].type))
        self._return(s, p, ir.ite(nacked, ABORT, COMMIT), v)

    def _return(self, s: Any, p: Any, status: Any, v: Any) -> None:
        s.bind(status=status, v=v)
        if self.monitor:
            self.monitor.returned(s, p, status == COMMIT, v)
        self.finish(s, p)
        s.stage[p] = C_IDLE


def _cast(v: Any, typ: Any) -> Any:
    """A value of V⊥ that is not ⊥ (the value line 6 wrote) as a value of V."""
    out = ir.const(typ, 0)
    for x in reversed(range(len(typ.domain))):
        out = ir.ite(v == ir.const(v.type, x), ir.const(typ, x), out)
    return out


class Fig6ConsensusSharedRounds(Fig6Consensus):
    """Figure 6 without round-number uniqueness (our variant, to reproduce the paper's footnote 15):
    two processes may propose in the same round, and then both may commit, with different values."""

    name = "round-based-consensus-fig6-shared-rounds"
    source = "Deconstructing Paxos, Figure 6 without round uniqueness (footnote 15)"
    unique_rounds = False
