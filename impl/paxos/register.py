"""Figure 5 of *Deconstructing Paxos*: a wait-free round-based register in the crash-stop model.

Source: Boichat, Dutta, Frølund, Guerraoui, *Deconstructing Paxos*, Section 4.1, **Figure 5**
(lines 1–32), with Lemmas 2–5 (Proposition 1) as the claims checked against it.

Every process p_i keeps ``read_i`` (the highest ``read()`` round it accepted, line 2), ``write_i``
(the highest ``write()`` round, line 3) and ``v_i`` (its estimate of the register value, line 4).
``read(k)`` sends ``[READ, k]`` to all (line 6) and waits for ``[ackREAD, k, *, *]`` or
``[nackREAD, k]`` from ⌈(n+1)/2⌉ processes (line 7); ``write(k, v)`` likewise with ``WRITE``
(lines 13–19). The two tasks (lines 20–32) answer READ and WRITE, each in one atomic step.

Reconstruction choices (the figure's glyphs are garbled; each is also in the docs):

* lines 21 and 27 compare with strict ``>``: a READ or WRITE of round k is refused iff
  ``write_i > k or read_i > k`` (the same glyph in both lines, not Figure 20's ``≤``; Lemma 3's
  proof needs equal rounds accepted, Section 3.1 allows a ``write(k, ·)`` after ``read(k)``).
* line 9 returns ``(abort, v)`` with v unbound: we return ⊥.
* line 11 picks the ack with the highest ``k'``; on a tie the paper gives no rule: the first
  received of them is kept (a strictly higher ``k'`` replaces it).
* replies are matched to the waiting operation by message type and round only (line 7: "received
  [ackREAD, k, *, *]"), as printed, so a late reply to an earlier operation of the same round counts;
  responders are counted once each (line 7 counts processes). A reply that arrives while its
  process waits for nothing (or for another round) is consumed and ignored.
* a process sends to all processes including itself, and answers its own messages.
* the environment invokes one operation at a time per process (Section 3.1), only at up processes.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from ioakit.impl.net.process import CRASHES, NETWORK_PARAMETERS, RECOVERIES, STABLE_STORAGE, MessagePassing
from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, from_state, input, output
from ioakit.lang.types import BoolT, Domain, EnumT, IntT, SetT, Type
from ioakit.specs.paxos.monitors import HISTORY, RegisterMonitor
from ioakit.specs.paxos.signature import (
    ABORT,
    COMMIT,
    MAX_OPS,
    PROCESSES,
    ROUNDS,
    VALUES,
    declare_common,
    history_events,
    majority,
)

PHASE = Domain("Phase", ("idle", "reading", "writing"))
IDLE, READING, WRITING = (ir.const(EnumT(PHASE), i) for i in range(3))


class RegisterCore(MessagePassing):
    """Figure 5's state and tasks (lines 1–4, 20–32) and its two procedures' waiting (lines 5–19),
    without the operations' interface: Figure 5's register (below) and Figure 6's consensus
    (``impl/paxos/consensus.py``) both use it."""

    MESSAGES: ClassVar[dict[str, tuple[str, ...]]] = {
        "READ": ("k",),
        "ackREAD": ("k", "kp", "v"),
        "nackREAD": ("k",),
        "WRITE": ("k", "v"),
        "ackWRITE": ("k",),
        "nackWRITE": ("k",),
    }
    """The messages of Figure 5 as printed: ``[ackREAD, k, k', v]`` has fields k, kp (k'), v."""

    def message_types(self, sc: Scope, d: Decl) -> dict[str, tuple[Type, ...]]:
        K, K0, V, Vb = (d.types[n] for n in ("K", "K0", "V", "Vb"))
        return {
            "READ": (K,),
            "ackREAD": (K, K0, Vb),
            "nackREAD": (K,),
            "WRITE": (K, V),
            "ackWRITE": (K,),
            "nackWRITE": (K,),
        }

    def declare_processes(self, sc: Scope, d: Decl) -> None:
        declare_common(d, sc)
        d.domain(PHASE)
        K0, Vb, P = d.types["K0"], d.types["Vb"], d.types["P"]
        # Figure 5, lines 2-4 (the register's copy at p_i); logged, as Figure 12 stores them, so that
        # a scope with recoveries explores crash-recovery with (stable_storage=1) or without it
        self.local(d, "read", K0, 0, stable=True)
        self.local(d, "write", K0, 0, stable=True)
        self.local(d, "v", Vb, stable=True)
        # the waiting procedure of lines 5-19: which operation waits, for which round (and value),
        # who replied (line 7 counts processes), whether a nack came (line 8), the best ack (line 11)
        self.local(d, "op", EnumT(PHASE), IDLE)
        self.local(d, "opk", K0, 0)
        self.local(d, "opv", Vb)
        self.local(d, "replied", SetT(P))
        self.local(d, "nacked", BoolT(), False)
        self.local(d, "bestk", IntT(-1, sc["rounds"]), -1)
        self.local(d, "bestv", Vb)
        self.declare_more(sc, d)
        self.monitor = self.make_monitor(sc, d)

    def make_monitor(self, sc: Scope, d: Decl) -> RegisterMonitor | None:
        """The register's properties as history variables (scope ``history=1``), else none."""
        if not sc.as_dict().get("history", 0):
            return None
        mon = RegisterMonitor()
        mon.declare(d, sc)
        return mon

    def history(self, events: Any) -> list[Any]:
        """Section 3's history of a run: invocations, responses, crashes (``traces/FORMAT.md`` §5a)."""
        return history_events(events, self.history_automaton)

    def declare_more(self, sc: Scope, d: Decl) -> None:
        """Further local variables of a model built on the register (Figure 6's)."""

    def capacity(self, sc: Scope) -> int:
        """Messages in flight to one process, at most: every operation sends it one request, and
        it receives at most n replies per operation it invokes; duplicates add one each."""
        g = sc.as_dict()
        return g["max_ops"] * (1 + g["processes"]) + g.get("duplication", 0)

    def quorum(self) -> int:
        return majority(self._scope["processes"])

    # -- lines 5-19: the procedures' sending and waiting ----------------------------------------
    def start_read(self, s: Any, p: Any, k: Any) -> None:
        """Line 6: send [READ, k] to all processes; then wait (line 7)."""
        self._start(s, p, READING, k, ir.const(s.opv[p].type, -1))
        self.send_all(s, p, "READ", k=k)

    def start_write(self, s: Any, p: Any, k: Any, v: Any) -> None:
        """Line 14: send [WRITE, k, v] to all processes; then wait (line 15)."""
        self._start(s, p, WRITING, k, v)
        self.send_all(s, p, "WRITE", k=k, v=v)

    def finish(self, s: Any, p: Any) -> None:
        """The operation has returned: p waits for nothing. The bookkeeping of the wait returns to
        its start values, so that an idle process has one state whatever it did before (nothing
        reads it while idle: a reply counts only for the waiting operation)."""
        self._start(s, p, IDLE, 0, ir.const(s.opv[p].type, -1))

    def _start(self, s: Any, p: Any, phase: Any, k: Any, v: Any) -> None:
        s.op[p] = phase
        s.opk[p] = k
        s.opv[p] = v
        s.replied[p] = ir.const(s.replied[p].type, frozenset())
        s.nacked[p] = False
        s.bestk[p] = -1
        s.bestv[p] = ir.const(s.bestv[p].type, -1)

    def done(self, s: Any, p: Any, phase: int) -> None:
        """Line 7 / 15: the wait is over — replies from ⌈(n+1)/2⌉ distinct processes."""
        s.require(s.op[p] == phase)
        s.require(s.replied[p].card() >= self.quorum())

    def _reply(self, s: Any, i: Any, j: Any, k: Any, phase: int, nack: bool) -> Any:
        """A reply of round k from p_j to p_i counts iff p_i waits in ``phase`` for round k."""
        counts = (s.op[i] == phase) & (s.opk[i] == k)
        with s.when(counts):
            s.replied[i] = s.replied[i].add(j)
            if nack:
                s.nacked[i] = True
        return counts

    # -- lines 20-32: the tasks --------------------------------------------------------------
    def refuses(self, s: Any, i: Any, k: Any) -> Any:
        """Lines 21 and 27: ``write_i > k or read_i > k`` (strict, reconstructed)."""
        return (s.write[i] > k) | (s.read[i] > k)

    def on_READ(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """Lines 20-25: task wait until receive [READ, k] from p_j."""
        nack = self.refuses(s, i, m.k)
        with s.when(nack):
            self.send(s, i, j, "nackREAD", k=m.k)  # line 22
        with s.when(~nack):
            self.promise(s, i, m)  # line 24
            self.send(s, i, j, "ackREAD", k=m.k, kp=s.write[i], v=s.v[i])  # line 25

    def on_WRITE(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """Lines 26-32: task wait until receive [WRITE, k, v] from p_j."""
        nack = self.refuses(s, i, m.k)
        with s.when(nack):
            self.send(s, i, j, "nackWRITE", k=m.k)  # line 28
        with s.when(~nack):
            self.accept(s, i, m)  # lines 30-31
            self.send(s, i, j, "ackWRITE", k=m.k)  # line 32

    def promise(self, s: Any, i: Any, m: Any) -> None:
        """Line 24: ``read_i ← k`` (p_i accepts the READ of round k)."""
        s.read[i] = m.k

    def accept(self, s: Any, i: Any, m: Any) -> None:
        """Lines 30-31: ``write_i ← k``; ``v_i ← v`` (a new value is "adopted")."""
        s.write[i] = m.k
        s.v[i] = m.v

    def on_ackREAD(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """Line 7 (an ack) and line 11 (keep the ack with the highest k')."""
        counts = self._reply(s, i, j, m.k, READING, nack=False)
        with s.when(counts & (m.kp > s.bestk[i])):
            s.bestk[i] = m.kp
            s.bestv[i] = m.v

    def on_nackREAD(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """Line 7 (a nack) and line 8 (remember that one came)."""
        self._reply(s, i, j, m.k, READING, nack=True)

    def on_ackWRITE(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """Line 15 (an ack)."""
        self._reply(s, i, j, m.k, WRITING, nack=False)

    def on_nackWRITE(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """Line 15 (a nack) and line 16."""
        self._reply(s, i, j, m.k, WRITING, nack=True)


class Fig5Register(RegisterCore):
    """Figure 5 (Section 4.1): the wait-free round-based register, crash-stop, as printed.

    Scope: ``processes``, ``values``, ``rounds`` (the environment invokes ``read(k)``/``write(k, v)``
    with k ∈ 1..rounds), ``max_ops`` (operations invoked in total), ``crashes``; and the link
    faults ``reorder``/``loss``/``duplication`` (Section 4 assumes reliable links: loss and
    duplication default to 0, and are there to explore beyond the paper's assumption), and
    ``recoveries``/``stable_storage`` (Section 4 is crash-stop: recoveries default to 0; with
    recoveries, ``read_i``, ``write_i``, ``v_i`` are logged as Figure 12 stores them, and lost
    too when ``stable_storage=0``).
    """

    name = "round-based-register-fig5"
    source = "Deconstructing Paxos, Figure 5"
    history_automaton = "round-based-register"
    parameters = (
        PROCESSES,
        VALUES,
        dataclasses.replace(ROUNDS, default=2),
        dataclasses.replace(MAX_OPS, default=2),
        CRASHES,
        *NETWORK_PARAMETERS,
        RECOVERIES,
        STABLE_STORAGE,
        HISTORY,
    )
    """Defaults explored in under a minute (rounds 1..2, two operations, one crash); the issue's
    larger scopes are in ``docs/paxos.md``."""

    def idle(self, s: Any, p: Any) -> Any:
        return s.op[p] == IDLE

    @input(p="P", k="K", at="p")
    def read(self, s: Any, p: Any, k: Any) -> None:
        """p invokes read(k) (line 5): send [READ, k] to all (line 6)."""
        self.invoke(s, p)
        if self.monitor:
            self.monitor.invoked(s, p, False, k)
        self.start_read(s, p, k)

    @input(p="P", k="K", v="V", at="p")
    def write(self, s: Any, p: Any, k: Any, v: Any) -> None:
        """p invokes write(k, v) (line 13): send [WRITE, k, v] to all (line 14)."""
        self.invoke(s, p)
        if self.monitor:
            self.monitor.invoked(s, p, True, k, v)
        self.start_write(s, p, k, v)

    @output(p="P", status=from_state("Status"), v=from_state("Vb"), at="p")
    def read_return(self, s: Any, p: Any) -> None:
        """read(k) returns (lines 8-12): (abort, ⊥) if a nack came (line 9; v is unbound in the
        paper), else (commit, v) of the ack with the highest k' (lines 11-12)."""
        self.done(s, p, READING)
        nacked = s.nacked[p]
        v = ir.ite(nacked, ir.const(s.v[p].type, -1), s.bestv[p])
        s.bind(status=ir.ite(nacked, ABORT, COMMIT), v=v)
        if self.monitor:
            self.monitor.returned(s, p, ~nacked, v)
        self.finish(s, p)

    @output(p="P", status=from_state("Status"), at="p")
    def write_return(self, s: Any, p: Any) -> None:
        """write(k, v) returns (lines 16-19): abort if a nack came, else commit."""
        self.done(s, p, WRITING)
        s.bind(status=ir.ite(s.nacked[p], ABORT, COMMIT))
        if self.monitor:
            self.monitor.returned(s, p, ~s.nacked[p])
        self.finish(s, p)
