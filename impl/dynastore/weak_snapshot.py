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
are abstracted away (no level L2 here). The collect reads p_1 … p_n in that order (line 13 says
"for each p_k ∈ P" without an order; any fixed order is a valid reading, and an atomic register
read at a time is what the proofs use).

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
from ioakit.lang.types import Domain, EnumT, IntT, MapT, SetT, Type
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
        c = self.register_read(s, p)
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
        s.phase[p] = U_DONE
        if self.monitor:
            self.monitor.written(s, p)
