"""Seeded bugs in Figures 5-7 of *Deconstructing Paxos*: plausible wrong implementations (ours, NOT
the paper's), to measure what catches a careless implementer's mistake.

Source: Boichat, Dutta, Frølund, Guerraoui, *Deconstructing Paxos*, Section 4: **Figure 5** (the
wait-free round-based register, ``impl/paxos/register.py``), **Figure 6** (round-based consensus
from it, ``impl/paxos/consensus.py``) and **Figure 7** (weak leader election from Ω,
``impl/paxos/leader.py``). Each variant is a subclass of ``Fig5Register``, ``Fig6Consensus`` or
``Fig7LeaderElectionSingle`` (Figure 7 with Ω as one trusted process: the version for which
Proposition 11 holds, so that the seeded change is the only defect) that changes ONE thing — the
smallest method that holds the figure line it deviates from; its docstring names that line and
says what the variant does instead.

Each is registered by the paper's bundle (``specs/paxos/__init__.py``) as ``<base name>-bug-<slug>``,
with its base's properties (the history variables of ``specs/paxos/monitors.py``, or
``eventual_leader_property``), so ``ioakit explore`` and ``ioakit refine`` find it by name; its
``source`` (shown by ``ioakit list``) starts with "SEEDED BUG (ours, not the paper's)".
``docs/paxos-seeded-bugs.md`` says which check catches each one, at what scope, with how long a
shortest counterexample; ``tests/impl/test_paxos_bugs.py`` pins it.

Not seeded bugs: the paper's own findings (Write-commit as printed fails for Figure 5; Figure 7
with Ω as printed can elect a crashed process) — see ``docs/paxos.md``.
"""

from __future__ import annotations

from typing import Any

from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, from_state, internal, output
from ioakit.lang.types import IntT
from ioakit.specs.paxos.signature import ABORT, COMMIT

from .consensus import C_READING, C_WRITING, Fig6Consensus
from .leader import Fig7LeaderElectionSingle
from .register import READING, WRITING, Fig5Register

SEEDED = "SEEDED BUG (ours, not the paper's)"
"""The words that start a seeded variant's ``source`` (shown by ``ioakit list``)."""

REGISTER = Fig5Register.name
CONSENSUS = Fig6Consensus.name
LEADER = Fig7LeaderElectionSingle.name


# -- Figure 5: the register ------------------------------------------------------------------------


class RefuseEqualRounds(Fig5Register):
    """SEEDED BUG: lines 21 and 27 refuse equal rounds (``≥`` for ``>``).

    Figure 5, lines 21 and 27: a READ / WRITE of round k is refused iff ``write_i > k or read_i > k``.
    Here ``write_i ≥ k or read_i ≥ k``: the implementer reads "a round already seen is stale", and
    then a ``write(k, ·)`` after the same process's ``read(k)`` (what Figure 6 does) is refused by
    every process that answered the read, and aborts with no higher round anywhere."""

    name = f"{REGISTER}-bug-refuse-equal"
    source = f"{SEEDED}: lines 21/27 refuse a round k when write_i ≥ k or read_i ≥ k (Fig. 5)"

    def refuses(self, s: Any, i: Any, k: Any) -> Any:
        """Lines 21 and 27 with ``≥``: equal rounds refused."""
        return (s.write[i] >= k) | (s.read[i] >= k)


class ReadNoPromise(Fig5Register):
    """SEEDED BUG: line 24 missing (an accepted READ does not set ``read_i ← k``).

    Figure 5, line 24: ``read_i ← k`` before acknowledging a READ of round k. Here the ack is sent
    (line 25) but ``read_i`` is not updated — the implementer sees a read as side-effect free — so
    a committed ``read(k)`` no longer stops a later ``write(k')`` with k' < k from committing."""

    name = f"{REGISTER}-bug-read-no-promise"
    source = f"{SEEDED}: an accepted READ does not do read_i ← k (Fig. 5, line 24)"

    def promise(self, s: Any, i: Any, m: Any) -> None:
        """Line 24 left out: the READ is acknowledged (line 25) without ``read_i ← k``."""


class WriteNoRound(Fig5Register):
    """SEEDED BUG: line 30 missing (an accepted WRITE does not set ``write_i ← k``).

    Figure 5, line 30: ``write_i ← k``. Here only the value is adopted (line 31): the implementer
    keeps the value and forgets its round. ``write_i`` stays 0, so a READ of a lower round than a
    committed write is not refused (lines 21), and acks carry ``k' = 0`` (line 25)."""

    name = f"{REGISTER}-bug-write-no-round"
    source = f"{SEEDED}: an accepted WRITE does not do write_i ← k (Fig. 5, line 30)"

    def accept(self, s: Any, i: Any, m: Any) -> None:
        """Lines 30-31 without line 30: only ``v_i ← v``."""
        s.v[i] = m.v  # line 31


class WriteNoAdopt(Fig5Register):
    """SEEDED BUG: line 31 missing (an accepted WRITE does not adopt ``v_i ← v``).

    Figure 5, line 31: ``v_i ← v``. Here only the round is recorded (line 30): the implementer
    treats the WRITE phase as a second round of promises. A committed value is then stored nowhere,
    and a later read of a higher round commits with ⊥."""

    name = f"{REGISTER}-bug-write-no-adopt"
    source = f"{SEEDED}: an accepted WRITE does not do v_i ← v (Fig. 5, line 31)"

    def accept(self, s: Any, i: Any, m: Any) -> None:
        """Lines 30-31 without line 31: only ``write_i ← k``."""
        s.write[i] = m.k  # line 30


class FirstAck(Fig5Register):
    """SEEDED BUG: line 11 keeps the first ack's value, not the one with the highest ``k'``.

    Figure 5, line 11: "select the [ackREAD, k, k', v] with the highest k'". Here the first ack
    received is kept, whatever its ``k'`` — the implementer takes "any majority has the value" for
    "every member of a majority has it". A read then misses a committed write that only some of
    its quorum saw."""

    name = f"{REGISTER}-bug-first-ack"
    source = f"{SEEDED}: read(k) returns the first ack's value, not the highest k' (Fig. 5, line 11)"

    def on_ackREAD(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """Line 7 (an ack) and line 11 keeping the first ack."""
        counts = self._reply(s, i, j, m.k, READING, nack=False)
        with s.when(counts & (s.bestk[i] == -1)):
            s.bestk[i] = m.kp
            s.bestv[i] = m.v


class MinorityQuorum(Fig5Register):
    """SEEDED BUG: lines 7 and 15 wait for ⌊n/2⌋ replies instead of ⌈(n+1)/2⌉.

    Figure 5, lines 7 and 15: wait for replies from ⌈(n+1)/2⌉ processes (a majority). Here
    ``n // 2`` (at least 1) — an off-by-one in "half of the processes", so two quorums need not
    intersect: a write commits at processes a later read does not ask."""

    name = f"{REGISTER}-bug-minority-quorum"
    source = f"{SEEDED}: operations wait for ⌊n/2⌋ replies, not ⌈(n+1)/2⌉ (Fig. 5, lines 7 and 15)"

    def quorum(self) -> int:
        return max(1, self._scope["processes"] // 2)


class NackIgnored(Fig5Register):
    """SEEDED BUG: a nack counts as an ack (lines 8 and 16 never abort).

    Figure 5, lines 8 and 16: "if received at least one [nackREAD, k] / [nackWRITE, k] then return
    abort". Here a nack is counted towards the quorum of line 7 / 15 like an ack and otherwise
    ignored — the implementer counts replies and forgets to look at their type — so a read or write
    whose round was overtaken commits."""

    name = f"{REGISTER}-bug-nack-ignored"
    source = f"{SEEDED}: a nack counts as an ack; reads and writes never abort (Fig. 5, lines 8 and 16)"

    def _reply(self, s: Any, i: Any, j: Any, k: Any, phase: int, nack: bool) -> Any:
        """Lines 7 / 15 counting the reply, and lines 8 / 16 not remembering a nack."""
        return super()._reply(s, i, j, k, phase, nack=False)


class CountReplies(Fig5Register):
    """SEEDED BUG: lines 7 and 15 count replies, not distinct processes.

    Figure 5, lines 7 and 15: wait until received from ⌈(n+1)/2⌉ *processes*. Here the replies
    are counted — the implementer keeps a counter, not a set of responders — so a duplicated reply
    (Section 2.2's links may duplicate messages; scope ``duplication``) counts twice, and one
    process can make a quorum by itself. Under Section 4's reliable links only a late reply to an
    earlier operation of the same round and type could be counted twice (not explored)."""

    name = f"{REGISTER}-bug-count-replies"
    source = f"{SEEDED}: operations count replies, not distinct processes (Fig. 5, lines 7 and 15)"

    def declare_more(self, sc: Scope, d: Decl) -> None:
        self.local(d, "nreplies", IntT(0, self.quorum()), 0)  # saturates at the quorum

    def _start(self, s: Any, p: Any, phase: Any, k: Any, v: Any) -> None:
        super()._start(s, p, phase, k, v)
        s.nreplies[p] = 0

    def _reply(self, s: Any, i: Any, j: Any, k: Any, phase: int, nack: bool) -> Any:
        counts = super()._reply(s, i, j, k, phase, nack)
        with s.when(counts):
            s.nreplies[i] = ir.ite(s.nreplies[i] < self.quorum(), s.nreplies[i] + 1, s.nreplies[i])
        return counts

    def done(self, s: Any, p: Any, phase: int) -> None:
        """Lines 7 / 15 with a reply counter for the set of responders."""
        s.require(s.op[p] == phase)
        s.require(s.nreplies[p] >= self.quorum())


# -- Figure 6: consensus ---------------------------------------------------------------------------


class IgnoreRead(Fig6Consensus):
    """SEEDED BUG: line 5 always writes ``init_i`` (the value read is ignored).

    Figure 6, line 5: "if v = ⊥ then v ← init_i" — the proposer adopts the value its read returned
    and writes its own only when the read returned ⊥. Here it always writes ``init_i``: the read of
    line 4 is used only as a round check (the classic mistake of a Paxos proposer that does not
    adopt the highest accepted value), so a later round overwrites a decided value."""

    name = f"{CONSENSUS}-bug-ignore-read"
    source = f"{SEEDED}: propose writes init_i even when the read returned v ≠ ⊥ (Fig. 6, line 5)"

    @internal(p="P", at="p")
    def read_committed(self, s: Any, p: Any) -> None:
        """Line 4 committed; line 5 replaced by v ← init_i; line 6: reg.write(k, v)."""
        s.require(s.stage[p] == C_READING)
        self.done(s, p, READING)
        s.require(~s.nacked[p])
        k = s.opk[p]
        v = s.init[p]
        self.finish(s, p)
        s.stage[p] = C_WRITING
        self.start_write(s, p, k, v)


class ReturnProposal(Fig6Consensus):
    """SEEDED BUG: a committed propose returns ``(commit, init_i)``, not the value written.

    Figure 6, line 6: "if reg.write(k, v) = commit then return(commit, v)", v being the value line
    5 chose (the one read, or ``init_i``). Here it returns ``init_i`` — the implementer conflates
    "my proposal committed" with "my value was decided" — so a process that adopted another's
    value decides its own."""

    name = f"{CONSENSUS}-bug-return-proposal"
    source = f"{SEEDED}: a committed propose returns init_i, not the value written (Fig. 6, line 6)"

    @output(p="P", status=from_state("Status"), v=from_state("V"), at="p", name="propose_return")
    def write_returned(self, s: Any, p: Any) -> None:
        """Line 6 returning ``(commit, init_i)``; line 7 unchanged."""
        s.require(s.stage[p] == C_WRITING)
        self.done(s, p, WRITING)
        nacked = s.nacked[p]
        self._return(s, p, ir.ite(nacked, ABORT, COMMIT), s.init[p])


# -- Figure 7: leader election ---------------------------------------------------------------------


class LeaderSelf(Fig7LeaderElectionSingle):
    """SEEDED BUG: leader() always returns p_i.

    Figure 7, line 2: "if D_i ≠ ∅ then return first(D_i) else return p_i". Here p_i is returned
    whatever Ω says — the implementer keeps only the fallback branch ("the local process is the
    leader until told otherwise") — so two processes each elect themselves forever."""

    name = f"{LEADER}-bug-self"
    source = f"{SEEDED}: leader() returns p_i whatever Ω outputs (Fig. 7, line 2)"

    @output(p="P", l=from_state("P"), at="p")
    def leader_return(self, s: Any, p: Any) -> None:
        """Line 2 reduced to ``return p_i``."""
        s.require(s.pending[p])
        s.bind(l=p)
        s.pending[p] = False
        if self.history:
            with s.when(s.h_after[p]):
                s.h_elected = s.h_elected.add(p)
            s.h_after[p] = False


class LeaderCached(Fig7LeaderElectionSingle):
    """SEEDED BUG: leader() caches its first answer and returns it forever.

    Figure 7, line 2 reads Ω's current output ``D_i`` at every call. Here the first answer is
    memoized (an "optimization": a local ``leader_i``, set by the first leader() that returns and
    never reset), so a process keeps electing whom Ω trusted before it stabilized — possibly a
    process that has crashed since, or another than the others elect."""

    name = f"{LEADER}-bug-cached"
    source = f"{SEEDED}: leader() returns its first answer forever, not first(D_i) now (Fig. 7, line 2)"

    def declare_processes(self, sc: Scope, d: Decl) -> None:
        super().declare_processes(sc, d)
        self.local(d, "cached", d.types["Pb"])  # the memoized leader, ⊥ before the first answer

    @output(p="P", l=from_state("P"), at="p")
    def leader_return(self, s: Any, p: Any) -> None:
        """Line 2, answered from the cache once there is one."""
        s.require(s.pending[p])
        first, cached = s.first[p], s.cached[p]
        bot = ir.const(first.type, -1)
        fresh = ir.ite(first != bot, first, p)
        elected = ir.ite(cached != bot, cached, fresh)
        s.bind(l=elected)
        s.cached[p] = elected
        s.pending[p] = False
        if self.history:
            with s.when(s.h_after[p]):
                s.h_elected = s.h_elected.add(elected)
            s.h_after[p] = False


SEEDED_BUGS: tuple[type[Any], ...] = (
    RefuseEqualRounds,
    ReadNoPromise,
    WriteNoRound,
    WriteNoAdopt,
    FirstAck,
    MinorityQuorum,
    NackIgnored,
    CountReplies,
    IgnoreRead,
    ReturnProposal,
    LeaderSelf,
    LeaderCached,
)
"""Every seeded variant, in the order of ``docs/paxos-seeded-bugs.md``'s table."""

BASE_OF: dict[str, str] = {cls.name: cls.__mro__[1].name for cls in SEEDED_BUGS}
"""Variant name → the correct machine it changes (its properties and specification are the base's)."""
