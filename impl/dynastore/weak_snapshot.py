"""Algorithm 1 of DynaStore: the weak snapshot object, for a fixed set P of processes.

Source: Aguilera, Keidar, Malkhi, Shraer, *Dynamic Atomic Storage Without Consensus* (J. ACM
58(2), 2011), **Section 4, Algorithm 1** (lines 1–17), with PR1–PR4 and Lemmas 4.1–4.4 checked
against it (``specs/dynastore/monitors.py``).

Algorithm 1 (code for p_i):

* ``update_i(c)`` (lines 1–5): if ``collect() = ∅`` then ``Mem[i].Write(c)``; return OK.
* ``scan_i()`` (lines 6–10): ``C ← collect()``; if ``C = ∅`` return ∅; ``C ← collect()``; return C.
* ``collect()`` (lines 11–16): for each p_k ∈ P, ``c ← Mem[k].Read()``; if ``c ≠ ⊥`` add c to C
  (line 15 prints "c = ⊥": the OCR's lost ≠; with "=" a collect would only ever hold ⊥).

Fidelity level L1: each ``Mem[k]`` is a SWMR *atomic* register and each ``Mem[k].Read()`` /
``Mem[i].Write(c)`` is one atomic step (``read_mem`` / ``write_mem``). The paper implements the
registers with ABD over message passing (Attiya, Bar-Noy, Dolev), which is atomic and
terminates while a majority of P is up (PR5); the model keeps that liveness condition as an
enabling condition: a register step is enabled only while a majority of P is up. ABD's messages
are abstracted away at L1 (``WeakSnapshotABD`` below is level L2: ABD over messages). The collect
reads p_1 … p_n in that order (line 13 says "for each p_k ∈ P" without an order; any fixed order
is a valid reading, and an atomic register read at a time is what the proofs use).

Environment: clients invoke one operation at a time per up process, at most ``max_ops`` in
total, and every ``update(c)`` has a value c never used before (Section 4.1 assumes no
``update(⊥)``; DynaStore's updates carry distinct sets of changes: we model the values as
``c1 … c<values>``, each updated at most once). Crashes (crash-stop) are the substrate's
``crash(p)``: a crashed process's pending operation never returns; the registers it wrote keep
their values (they are emulated by the other processes).

External actions (a ``weak-snapshot`` history, ``history``): ``update(p, c)``,
``update_return(p)`` (``update-return``), ``scan(p)``, ``scan_return(p, C)`` (``scan-return``,
C a JSON array of value names), ``crash(p)``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from ioakit.impl.net.process import CRASHES, MessagePassing
from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, ScopeParam, from_state, input, internal, output
from ioakit.lang.types import BoolT, Domain, EnumT, IntT, MapT, SetT, Type
from ioakit.specs.dynastore.monitors import HISTORY, SnapshotMonitor

PROCESSES = ScopeParam("processes", 3, "number of processes n in P (p1, p2, ...)", min=1, max=6)
VALUES = ScopeParam("values", 2, "update values c1, c2, ... (each updated at most once)", min=1, max=6)
MAX_OPS = ScopeParam("max_ops", 3, "operations (update, scan) the environment invokes, in total", min=0, max=12)

PHASE = Domain(
    "WsPhase",
    ("idle", "update_collect", "update_write", "update_done", "scan_collect1", "scan_collect2", "scan_done"),
)
(IDLE, U_COLLECT, U_WRITE, U_DONE, S_COLLECT1, S_COLLECT2, S_DONE) = (
    ir.const(EnumT(PHASE), i) for i in range(len(PHASE))
)

HISTORY_NAMES = {"update_return": "update-return", "scan_return": "scan-return"}
WS_HISTORY_ACTIONS = frozenset({"update", "update_return", "scan", "scan_return", "crash"})


def majority(n: int) -> int:
    """More than half of n: the quorum of ABD and of the paper's "majority"."""
    return n // 2 + 1


class WeakSnapshotAlg1(MessagePassing):
    """Algorithm 1 (Section 4) at fidelity L1: atomic-step registers ``Mem[k]`` enabled while a
    majority of P is up; see the module docstring.

    Scope: ``processes`` (|P|), ``values`` (distinct update values), ``max_ops``, ``crashes``,
    ``history`` (PR1–PR4 and Lemma 4.1 as history variables).
    """

    name = "weak-snapshot-alg1"
    source = "DynaStore (Aguilera, Keidar, Malkhi, Shraer), Section 4, Algorithm 1 (registers as atomic steps, L1)"
    history_automaton = "weak-snapshot"
    parameters = (
        PROCESSES,
        VALUES,
        MAX_OPS,
        dataclasses.replace(CRASHES, default=1),
        HISTORY,
    )
    MESSAGES: ClassVar[dict[str, tuple[str, ...]]] = {}

    def message_types(self, sc: Scope, d: Decl) -> dict[str, tuple[Type, ...]]:
        return {}

    def capacity(self, sc: Scope) -> int:
        return 0

    def declare_processes(self, sc: Scope, d: Decl) -> None:
        P = d.domain(Domain.numbered("P", sc["processes"], "p"))
        C = d.domain(Domain.numbered("C", sc["values"], "c"))
        n = sc["processes"]
        self._n = n
        Cb = d.type("Cb", EnumT(C, bottom=True))  # a register's content: a value or ⊥
        d.type("Cset", SetT(Cb))  # a collect's / scan's C (⊥ never in it: line 15)
        # the shared registers Mem[k] (initially ⊥), single writer p_k; not process-local: a crash
        # of p_k does not erase them (ABD keeps them at the other processes)
        d.var("mem", MapT((EnumT(P),), Cb), (-1,) * n)
        d.var("used", SetT(EnumT(C)))  # the environment: values already passed to update (unique c)
        self.local(d, "phase", EnumT(PHASE), IDLE)
        self.local(d, "arg", Cb, -1)  # update's c
        self.local(d, "k", IntT(0, n - 1), 0)  # line 13: the next register p_k the collect reads
        self.local(d, "acc", SetT(Cb))  # line 12: the collect's C so far
        self.local(d, "result", SetT(Cb))  # scan's C to return (line 8 or 10)
        self.monitor: SnapshotMonitor | None = None
        if sc.as_dict().get("history", 0):
            self.monitor = SnapshotMonitor()
            self.monitor.declare(d, EnumT(P), n, Cb)

    def history(self, events: Any) -> list[Any]:
        """The run's ``weak-snapshot`` history: invocations, responses, crashes, contract names."""
        from ioakit.traces import Event

        return [
            Event(HISTORY_NAMES.get(e["action"], e["action"]), e["kind"], e["args"])
            for e in events
            if e["action"] in WS_HISTORY_ACTIONS
        ]

    def idle(self, s: Any, p: Any) -> Any:
        return s.phase[p] == IDLE

    def majority_up(self, s: Any) -> Any:
        """ABD's liveness condition (PR5's hypothesis) as the registers' enabling condition."""
        return ir.setof(self._processes(), lambda q: q, where=lambda q: s.up[q]).card() >= majority(self._n)

    # -- lines 1-10: the operations' invocations and responses -----------------------------------
    @input(p="P", c="C", at="p")
    def update(self, s: Any, p: Any, c: Any) -> None:
        """update_i(c) (line 1): start the collect of line 2. The environment passes a fresh c."""
        self.invoke(s, p)
        s.assume(~s.used.contains(c))
        s.used = s.used.add(c)
        s.arg[p] = c
        self.start_collect(s, p, U_COLLECT)
        if self.monitor:
            self.monitor.update_invoked(s, p, c)

    @output(p="P", at="p")
    def update_return(self, s: Any, p: Any) -> None:
        """Line 5: return OK."""
        s.require(s.phase[p] == U_DONE)
        self.finish(s, p)
        if self.monitor:
            self.monitor.update_returned(s, p)

    @input(p="P", at="p")
    def scan(self, s: Any, p: Any) -> None:
        """scan_i() (line 6): start the first collect (line 7)."""
        self.invoke(s, p)
        self.start_collect(s, p, S_COLLECT1)
        if self.monitor:
            self.monitor.scan_invoked(s, p)

    @output(p="P", C=from_state("Cset"), at="p")
    def scan_return(self, s: Any, p: Any) -> None:
        """Line 8 (return ∅) or line 10 (return the second collect's C)."""
        s.require(s.phase[p] == S_DONE)
        C = s.result[p]
        s.bind(C=C)
        if self.monitor:
            self.monitor.scan_returned(s, p, C)
        self.finish(s, p)

    def start_collect(self, s: Any, p: Any, phase: Any) -> None:
        """Line 12: C ← ∅, and the loop of line 13 starts at p_1."""
        s.phase[p] = phase
        s.k[p] = 0
        s.acc[p] = ir.const(s.acc[p].type, frozenset())

    def finish(self, s: Any, p: Any) -> None:
        """The operation returned: p's bookkeeping back to its start values (one idle state)."""
        s.phase[p] = IDLE
        s.arg[p] = ir.const(s.arg[p].type, -1)
        s.k[p] = 0
        s.acc[p] = ir.const(s.acc[p].type, frozenset())
        s.result[p] = ir.const(s.result[p].type, frozenset())

    # -- lines 11-16: collect, one atomic Mem[k].Read() per step --------------------------------
    def collecting(self, s: Any, p: Any) -> Any:
        ph = s.phase[p]
        return (ph == U_COLLECT) | (ph == S_COLLECT1) | (ph == S_COLLECT2)

    def register_read(self, s: Any, p: Any) -> Any:
        """Line 14: ``c ← Mem[k].Read()`` for the collect's current k (an atomic step)."""
        k = s.k[p]
        out = s.mem[self._processes()[-1]]
        for kk in reversed(range(self._n - 1)):
            out = ir.ite(k == kk, s.mem[self._processes()[kk]], out)
        return out

    def keeps(self, c: Any) -> Any:
        """Line 15's test: ``c ≠ ⊥`` (printed "c = ⊥": the OCR's lost ≠)."""
        return c != ir.const(c.type, -1)

    def last_register(self) -> int:
        """The index (0-based) of the last register the loop of line 13 reads: p_n's."""
        return self._n - 1

    @internal(p="P", at="p")
    def read_mem(self, s: Any, p: Any) -> None:
        """Lines 13-15: one iteration of the collect's loop: read Mem[k]; if c ≠ ⊥ add it to C.
        After the last register, the collect returns C (line 16) to its caller: line 2, 7 or 9."""
        s.require(self.collecting(s, p))
        s.require(self.majority_up(s))
        self.read_returned(s, p, self.register_read(s, p))

    def read_returned(self, s: Any, p: Any, c: Any) -> None:
        """``Mem[k].Read()`` returned c (line 14): lines 15-16."""
        acc = ir.ite(self.keeps(c), s.acc[p].add(c), s.acc[p])  # line 15
        last = s.k[p] == self.last_register()
        with s.when(~last):
            s.acc[p] = acc
            s.k[p] = s.k[p] + 1
        with s.when(last):
            self.collected(s, p, acc)

    def collected(self, s: Any, p: Any, C: Any) -> None:
        """A collect returned C (line 16): continue the operation that called it."""
        ph = s.phase[p]
        empty = C.card() == 0
        with s.when(ph == U_COLLECT):
            self.after_update_collect(s, p, C)
        with s.when(ph == S_COLLECT1):
            self.after_first_collect(s, p, C, empty)
        with s.when(ph == S_COLLECT2):
            s.result[p] = C  # line 10: return the second collect's C
            s.phase[p] = S_DONE

    def after_update_collect(self, s: Any, p: Any, C: Any) -> None:
        """Line 2: write only if the collect returned ∅ (else line 5 returns at once)."""
        s.phase[p] = ir.ite(C.card() == 0, U_WRITE, U_DONE)

    def after_first_collect(self, s: Any, p: Any, C: Any, empty: Any) -> None:
        """Line 8: if C = ∅ return ∅; else line 9: collect again."""
        with s.when(empty):
            s.result[p] = C
            s.phase[p] = S_DONE
        with s.when(~empty):
            self.start_collect(s, p, S_COLLECT2)

    @internal(p="P", at="p")
    def write_mem(self, s: Any, p: Any) -> None:
        """Line 3: ``Mem[i].Write(c)``, one atomic step; then line 5 returns."""
        s.require(s.phase[p] == U_WRITE)
        s.require(self.majority_up(s))
        s.mem[p] = s.arg[p]
        self.write_returned(s, p)

    def write_returned(self, s: Any, p: Any) -> None:
        """``Mem[i].Write(c)`` returned (line 3); line 5 returns next."""
        s.phase[p] = U_DONE
        if self.monitor:
            self.monitor.written(s, p)


# -- fidelity L2: the registers emulated by ABD over messages ------------------------------------

RID_BOUND = ScopeParam(
    "max_register_ops", 40, "register operations per process (their ids' bound; past it: INCOMPLETE)", 1, 60
)
CAPACITY = ScopeParam("capacity", 6, "messages in flight to one process (a send past it is cut off: INCOMPLETE)", 1, 40)
REG = Domain("RegPhase", ("none", "query", "writeback", "write"))
R_NONE, R_QUERY, R_WB, R_WRITE = (ir.const(EnumT(REG), i) for i in range(len(REG)))


class WeakSnapshotABD(WeakSnapshotAlg1):
    """Algorithm 1 (Section 4) at fidelity L2: each SWMR register ``Mem[k]`` is emulated over
    message passing by ABD (Attiya, Bar-Noy, Dolev 1995), as Section 4 says the paper does.

    Every process keeps a replica ``rep[q, k]`` of each register. ``Mem[i].Write(c)`` (line 3)
    sends ⟨WR, i, rid, c⟩ to all and waits for acknowledgements from a majority; ``Mem[k].Read()``
    (line 14) sends ⟨RD, k, rid⟩ to all, waits for a majority of replies, takes the newest value,
    writes it back (⟨WR, k, rid, v⟩, a majority of acknowledgements) and returns it. A replica
    adopts a written value if it holds ⊥. Timestamps are implicit: each register is written at most
    once (Lemma 4.1), so "newer" is "not ⊥"; a run where some register is written twice is reported
    by ``mem_once`` (and the replica keeps the first value). Replies are matched by the request's
    ``rid`` (a per-process counter); stale replies are consumed and ignored. Links are reliable
    (Section 3), messages are delivered in any order, and crashes are crash-stop: a register
    operation completes while a majority of P is up, which L1 assumed.

    Scope: as ``weak-snapshot-alg1``, with ``max_register_ops`` and ``capacity``."""

    name = "weak-snapshot-alg1-abd"
    source = "DynaStore (Aguilera, Keidar, Malkhi, Shraer), Section 4, Algorithm 1 over ABD registers (L2)"
    parameters = (
        dataclasses.replace(PROCESSES, default=2),
        VALUES,
        MAX_OPS,
        dataclasses.replace(CRASHES, default=1),
        RID_BOUND,
        CAPACITY,
        HISTORY,
    )
    """Defaults: two processes (majorities of 2), two updates and a scan, a crash: explored in
    seconds; three processes with one operation already pass 3,000,000 states (simulate them)."""
    MESSAGES: ClassVar[dict[str, tuple[str, ...]]] = {
        "RD": ("k", "rid"),
        "RDACK": ("k", "rid", "c"),
        "WR": ("k", "rid", "c"),
        "WRACK": ("k", "rid"),
    }

    def message_types(self, sc: Scope, d: Decl) -> dict[str, tuple[Type, ...]]:
        PT, R, Cb = EnumT(d.domains["P"]), d.types["Rid"], d.types["Cb"]
        return {"RD": (PT, R), "RDACK": (PT, R, Cb), "WR": (PT, R, Cb), "WRACK": (PT, R)}

    def capacity(self, sc: Scope) -> int:
        return sc["capacity"]

    def declare_processes(self, sc: Scope, d: Decl) -> None:
        d.type("Rid", IntT(0, sc["max_register_ops"]))
        super().declare_processes(sc, d)
        n = self._n
        PT = EnumT(d.domains["P"])
        Cb = d.types["Cb"]
        d.var("rep", MapT((PT, PT), Cb), (-1,) * (n * n))  # rep[q, k]: q's replica of Mem[k]
        self.local(d, "reg", EnumT(REG), R_NONE)
        self.local(d, "rid", d.types["Rid"], 0)
        self.local(d, "rk", PT, 0)  # the register of the operation in progress
        self.local(d, "got", SetT(PT))  # who answered the current phase
        self.local(d, "best", Cb, -1)  # the newest value among the query's replies

    def majority_up(self, s: Any) -> Any:
        """At L2 the registers are not atomic steps: the atomic-step actions are never enabled."""
        return ir.const(BoolT(), False)

    def _register_index(self, s: Any, p: Any) -> Any:
        ps = self._processes()
        out = ps[-1]
        for kk in reversed(range(self._n - 1)):
            out = ir.ite(s.k[p] == kk, ps[kk], out)
        return out

    @internal(p="P", at="p")
    def register_start(self, s: Any, p: Any) -> None:
        """Start ``Mem[k].Read()`` (a collect's next register, line 14) or ``Mem[i].Write(c)``
        (line 3): send the request of ABD's first phase to all."""
        s.require(s.reg[p] == R_NONE)
        writing = s.phase[p] == U_WRITE
        s.require(self.collecting(s, p) | writing)
        rid = s.rid[p] + 1
        s.rid[p] = rid
        s.got[p] = ir.const(s.got[p].type, frozenset())
        s.best[p] = ir.const(s.best[p].type, -1)
        with s.when(writing):
            s.reg[p] = R_WRITE
            s.rk[p] = p
            self.send_all(s, p, "WR", k=p, rid=rid, c=s.arg[p])
        with s.when(~writing):
            k = self._register_index(s, p)
            s.reg[p] = R_QUERY
            s.rk[p] = k
            self.send_all(s, p, "RD", k=k, rid=rid)

    def on_RD(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """A replica answers a query with its copy of Mem[k]."""
        self.send(s, i, j, "RDACK", k=m.k, rid=m.rid, c=s.rep[i, m.k])

    def on_WR(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """A replica adopts a written value if it holds ⊥ (the newer one: written at most once)."""
        with s.when(s.rep[i, m.k] == ir.const(s.best[i].type, -1)):
            s.rep[i, m.k] = m.c
        self.send(s, i, j, "WRACK", k=m.k, rid=m.rid)

    def on_RDACK(self, s: Any, i: Any, j: Any, m: Any) -> None:
        counts = (s.reg[i] == R_QUERY) & (m.rid == s.rid[i])
        with s.when(counts):
            s.got[i] = s.got[i].add(j)
            with s.when(m.c != ir.const(m.c.type, -1)):
                s.best[i] = m.c

    def on_WRACK(self, s: Any, i: Any, j: Any, m: Any) -> None:
        counts = ((s.reg[i] == R_WB) | (s.reg[i] == R_WRITE)) & (m.rid == s.rid[i])
        with s.when(counts):
            s.got[i] = s.got[i].add(j)

    def _majority(self, got: Any) -> Any:
        return got.card() >= majority(self._n)

    @internal(p="P", at="p")
    def register_phase_done(self, s: Any, p: Any) -> None:
        """A majority answered: a query's value is written back (ABD's second phase); a write-back
        or a write is over — the read returns its value to the collect (lines 14-16), the write to
        the update (line 3 → line 5)."""
        reg = s.reg[p]
        s.require(reg != R_NONE)
        s.require(self._majority(s.got[p]))
        with s.when(reg == R_QUERY):
            rid = s.rid[p] + 1
            s.rid[p] = rid
            s.got[p] = ir.const(s.got[p].type, frozenset())
            s.reg[p] = R_WB
            self.send_all(s, p, "WR", k=s.rk[p], rid=rid, c=s.best[p])
        with s.when(reg == R_WB):
            value = s.best[p]  # read before the bookkeeping is reset below
            self._idle_register(s, p)
            self.read_returned(s, p, value)
        with s.when(reg == R_WRITE):
            self._idle_register(s, p)
            self.write_returned(s, p)

    def _idle_register(self, s: Any, p: Any) -> None:
        s.reg[p] = R_NONE
        s.got[p] = ir.const(s.got[p].type, frozenset())
        s.best[p] = ir.const(s.best[p].type, -1)
        s.rk[p] = ir.const(s.rk[p].type, 0)
