"""DynaStore (Algorithms 2 and 3): dynamic atomic storage without consensus, on the substrate.

Source: Aguilera, Keidar, Malkhi, Shraer, *Dynamic Atomic Storage Without Consensus* (J. ACM 58(2),
2011): Section 3 (the model, the service interface, Definition 3.2's hypothesis (A1)), Section 4
(the weak snapshot, Algorithm 1, inlined at fidelity L1), **Section 5, Algorithms 2–3 (lines
1–98)**. Line numbers in the docstrings are the paper's.

The scanned text lost most ≠ and ∉ signs; the readings used here are forced by the proofs:
line 52 ``if i ∉ w.members then halt_i`` (Lemma 5.25), line 53 ``if w ≠ desiredView`` (Sec. 5.2:
"pi installs an edge ... when desiredView is different from w"), lines 57 and 64 ``ChangeSets ≠ ∅``
(Sec. 5.2's prose and Lemma 5.6), Algorithm 1 line 15 ``c ≠ ⊥``.

**What a state is.** A process p_i keeps the variables of lines 2–9 (``v``, ``ts``, ``vmax``,
``tsmax``, ``pick`` = pickNewTS_i, ``msgnum``, ``cur`` = curView_i; ``M_i`` is kept as the set of
repliers of the current ContactQ and the best (ts, v) among their replies, lines 75–78), the locals
of the running ``Traverse`` (``desired``, ``front``, ``w``, ``cs`` = ChangeSets, and ``init`` = the
curView_i it started from), the operation's arguments, a program counter ``pc`` at the waits of the
paper (lines 31, 34, 43, 54, 75), and the bookkeeping of the inlined weak snapshot's collect.

**Views.** At a scope, the changes that can be proposed are ``C`` = the removals of Init's members
and the additions of the processes outside Init (``processes`` n, ``init`` |Init|; Init = {(+,1),
…, (+,init)}); every view is Init ∪ X with X ⊆ C (views only grow from Init). A view, and a set of
changes, is an element of the enum ``W`` named by X (``{}`` is Init itself; ``{-p3}`` is
Init ∪ {(−,3)}); ``|w|`` (line 50) is |Init| + |X|. ``reconfig(p, c)`` proposes one change c ∈ C
(a singleton ``cng``: the smallest reconfigurations; every example of the paper's Introduction is
one).

**Atomicity** (Section 5.1: "each operation is atomic until it blocks waiting for a majority"):
each upon-clause (lines 83–98) is one step (``recv_REQ``, ``recv_REPLY``, ``recv_NOTIFY``); an
operation runs in segments between waits: ``traverse_top`` (lines 50–53, the nondeterministic
choice of line 51 as one instance per view), ``ws_read`` / ``ws_write`` (a register access of the
weak snapshot ws(w), lines 34, 43, 54), ``contactq_done`` (the end of the wait of line 75 and what
follows it up to the next wait), and the response (after the wait of line 31). The segment that
ends a wait carries on to the next wait in the same step, as the paper's recipe says. A NOTIFY
that would restart the traversal (lines 93–97) is handled only while the operation blocks at a
wait (it is not delivered during the local segment ``traverse_top``; a delivery may always be
delayed).

**Weak snapshots at fidelity L1** (inlined, one ws(w) per view w): ``Mem[w, k]`` is an atomic
register; each ``Mem[w,k].Read()`` / ``Mem[w,i].Write(c)`` is one step, enabled only while a
majority of w.members is neither crashed nor halted (ABD's liveness over w.members, PR5). The
queue of Section 5.3 is modelled: an update abandoned by a restart while its collect had found
only ⊥ is completed — the rest of its collect, then its write if that finds only ⊥ too — before
p_i's next operation on the same ws(w); an update whose collect found a value, and a scan, have
nothing left with an effect. The collect reads every p_k ∈ P: ``Mem[w, k]`` of a non-member is
never written (DS3), so it reads ⊥ where the paper's collect over w.members reads nothing.

**Halting** (line 52): a halted process takes no step and receives nothing: it is modelled as down
(``up[i]`` false, its in-flight messages dropped) with ``halted[i]`` set; it is not in F(t).

**Crashes**: the substrate's ``crash(p)``, allowed only while (A1) of Definition 3.2 stays true:
|(V(t).members ∪ P(t).join) ∩ (F(t) ∪ P(t).remove)| < |V(t).members|/2, with V(t) = Init ∪ the
changes of completed reconfigs (ghost ``g_v``), P(t) = proposed changes not in V(t) (ghost
``g_prop`` minus ``g_v``), F(t) the crashed processes. A reconfig invocation is also made only if
(A1) still holds with its change proposed (a removal counts at once).

**Environment**: a client invokes one operation at a time at an up, enabled process (line 11: the
processes of Init.join start enabled; Section 3), at most ``max_ops`` operations; written values
``v1 … v<values>`` are unique (Section 3). Timestamps are (num, pid) ordered lexicographically
with ⊥ below every process (the paper implies it).

**Bounds**: ``msgnum`` and timestamps are bounded by the scope (``max_contacts``, ``max_ops``);
a step past a bound is cut off and every engine reports INCOMPLETE, never a silent OK.

**Line 11's ``enable operations``** at the members of Init is the start state (they start
enabled), not an event; the output ``enable_operations(p)`` is line 96 at a process added later.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from ioakit.impl.net.process import CRASHES, MessagePassing
from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, ScopeParam, from_state, input, internal, output
from ioakit.lang.types import BoolT, Domain, EnumT, IntT, MapT, OptionT, RecordT, SetT, Type
from ioakit.specs.dynastore.monitors import STORE_HISTORY, StoreMonitor

PROCESSES = ScopeParam("processes", 2, "number of processes n (p1, p2, ...)", min=1, max=5)
INIT = ScopeParam("init", 1, "|Init|: Init = {(+,p1), ..., (+,p<init>)} (at most processes)", min=1, max=5)
VALUES = ScopeParam("values", 1, "values v1, v2, ... a write may write (each written at most once)", min=0, max=4)
MAX_OPS = ScopeParam("max_ops", 2, "operations (read, write, reconfig) the environment invokes, in total", min=0, max=8)
RECONFIGS = ScopeParam("reconfigs", 1, "reconfig operations among them, at most", min=0, max=4)
MAX_CONTACTS = ScopeParam(
    "max_contacts", 8, "ContactQ calls per process (msgNum's bound; a step past it is cut off: INCOMPLETE)", 1, 40
)

CAPACITY = ScopeParam("capacity", 8, "messages in flight to one process (a send past it is cut off: INCOMPLETE)", 1, 64)

PC = Domain(
    "Pc",
    (
        "idle",
        "top",  # lines 50-53: the next iteration of Traverse's loop
        "flush",  # Section 5.3's queue: complete an abandoned update's write on ws(w) first
        "flush_collect",  # Section 5.3's queue: first finish an abandoned update's collect on ws(w)
        "upd_collect",  # line 54: update_i(w, desiredView \ w), Algorithm 1 line 2's collect
        "upd_write",  # line 54: Algorithm 1 line 3's Mem[i].Write
        "riv_scan1",  # line 34: scan_i(w), first collect (Alg. 1 line 7)
        "riv_scan2",  # line 34: scan_i(w), second collect (Alg. 1 line 9)
        "riv_cq",  # line 35: ContactQ(R, w.members), waiting at line 75
        "wiv_cq",  # line 42: ContactQ(W, w.members), waiting at line 75
        "wiv_scan1",  # line 43: scan_i(w), first collect
        "wiv_scan2",  # line 43: scan_i(w), second collect
        "notifyq",  # line 31: NotifyQ's wait
    ),
)
PCS = {name: ir.const(EnumT(PC), i) for i, name in enumerate(PC.names)}
WAITING = (
    "upd_collect",
    "upd_write",
    "riv_scan1",
    "riv_scan2",
    "riv_cq",
    "wiv_cq",
    "wiv_scan1",
    "wiv_scan2",
    "flush",
    "flush_collect",
)
"""The program counters where a Traverse blocks (lines 34, 43, 54, 75): a NOTIFY may restart it there."""

OP = Domain("Op", ("none", "read", "write", "reconfig"))
OPS = {name: ir.const(EnumT(OP), i) for i, name in enumerate(OP.names)}

HISTORY_NAMES = {
    "read_return": "read-return",
    "write_return": "write-return",
    "reconfig_return": "reconfig-return",
    "enable_operations": "enable-operations",
}
STORE_HISTORY_ACTIONS = frozenset(
    {"read", "write", "reconfig", "read_return", "write_return", "reconfig_return", "enable_operations", "crash"}
)


def majority(n: int) -> int:
    return n // 2 + 1


@dataclasses.dataclass(frozen=True)
class ViewSpace:
    """The views of a scope: Init ∪ X for X ⊆ C, as bitmasks over the proposable changes C."""

    n: int
    init: int

    @property
    def changes(self) -> tuple[tuple[str, int], ...]:
        """C: (Remove, i) for i in Init, then (Add, j) for j outside Init (0-based process index)."""
        return tuple(("-", i) for i in range(self.init)) + tuple(("+", j) for j in range(self.init, self.n))

    @property
    def size(self) -> int:
        return 1 << len(self.changes)

    def name(self, x: int) -> str:
        parts = [f"{sign}p{i + 1}" for b, (sign, i) in enumerate(self.changes) if x >> b & 1]
        return "{" + ",".join(parts) + "}"

    def member(self, x: int, i: int) -> bool:
        """i ∈ (Init ∪ X).members = join \\ remove."""
        bits = {c: bool(x >> b & 1) for b, c in enumerate(self.changes)}
        if i < self.init:
            return not bits[("-", i)]
        return bits[("+", i)]

    def joined(self, x: int, i: int) -> bool:
        """i ∈ (Init ∪ X).join (line 96 tests join, not members)."""
        return i < self.init or bool(x >> self.changes.index(("+", i)) & 1)

    def removed(self, x: int, i: int) -> bool:
        return i < self.init and bool(x >> self.changes.index(("-", i)) & 1)


class ViewOps:
    """The views of a scope as records of booleans, one field per proposable change of C (a view
    Init ∪ X has field b true iff the b-th change of C is in X; a set of changes ⊆ C likewise), and
    the paper's operations on them as small terms: ∪, \\, ⊆, |·| (beyond |Init|), members, join,
    remove (Section 3's w.members = w.join \\ w.remove)."""

    def __init__(self, n: int, init: int) -> None:
        vs = self.views = ViewSpace(n, init)
        self.n, self.init = n, init
        self.m = len(vs.changes)
        self.fields = tuple(("rm" if sign == "-" else "add") + f"_p{i + 1}" for sign, i in vs.changes)
        self._W = RecordT("View", tuple((f, BoolT()) for f in self.fields))
        self._PT = EnumT(Domain.numbered("P", n, "p"))
        self._Chg = EnumT(Domain("Chg", tuple(f"{sign}p{i + 1}" for sign, i in vs.changes)))
        self.zero = ir.const(self._W, (False,) * self.m)

    def make(self, bits: Any) -> Any:
        return ir.record(self._W, *bits)

    def union(self, a: Any, b: Any) -> Any:
        return self.make([a[k] | b[k] for k in range(self.m)])

    def minus(self, a: Any, b: Any) -> Any:
        return self.make([a[k] & ~b[k] for k in range(self.m)])

    def subset(self, a: Any, b: Any) -> Any:
        return ir.And(*[ir.Implies(a[k], b[k]) for k in range(self.m)])

    def size(self, w: Any) -> Any:
        """|w| - |Init| (line 50 compares sizes of views that all contain Init)."""
        one, zero = ir.const(IntT(0, self.m), 1), ir.const(IntT(0, self.m), 0)
        out = zero
        for k in range(self.m):
            out = out + ir.ite(w[k], one, zero)
        return out

    def _per_process(self, q: Any, f: Any) -> Any:
        return ir.Or(*[(q == ir.const(self._PT, i)) & f(i) for i in range(self.n)])

    def _bit(self, w: Any, sign: str, i: int) -> Any:
        ch = self.views.changes
        return w[ch.index((sign, i))] if (sign, i) in ch else ir.const(BoolT(), False)

    def members_of(self, w: Any, q: Any) -> Any:
        """q ∈ w.members."""
        return self._per_process(q, lambda i: ~self._bit(w, "-", i) if i < self.init else self._bit(w, "+", i))

    def joined(self, w: Any, q: Any) -> Any:
        """q ∈ w.join (line 96)."""
        return self._per_process(q, lambda i: ir.const(BoolT(), True) if i < self.init else self._bit(w, "+", i))

    def added(self, w: Any, q: Any) -> Any:
        """(+, q) ∈ w for a change set w ⊆ C."""
        return self._per_process(q, lambda i: self._bit(w, "+", i))

    def removed(self, w: Any, q: Any) -> Any:
        """(−, q) ∈ w."""
        return self._per_process(q, lambda i: self._bit(w, "-", i))

    def single(self, c: Any) -> Any:
        """{c} for a change c ∈ C."""
        return self.make([c == ir.const(self._Chg, k) for k in range(self.m)])

    def big_union(self, sets: Any) -> Any:
        """⋃ of a set of change sets (line 60 over every c ∈ ChangeSets)."""
        return self.make([ir.exists(sets, lambda c, k=k: c[k]) for k in range(self.m)])

    def _processes(self) -> list[Any]:
        return [ir.const(self._PT, k) for k in range(self.n)]


class DynaStore(MessagePassing):
    """DynaStore, Algorithms 2–3 (Section 5), with the weak snapshots of Algorithm 1 inlined at L1
    and the (A1) crash adversary; see the module docstring.

    Scope: ``processes``, ``init`` (|Init|), ``values``, ``max_ops``, ``reconfigs``, ``crashes``,
    ``max_contacts``, ``capacity``, ``history`` (the checks of ``specs/dynastore/monitors.py``).
    The defaults are the smallest scope with a reconfiguration: Init = {(+,p1)}, reconfig({(+,p2)})
    and one read or write (2,866 states); three processes explode (``docs/dynastore.md``).
    """

    name = "dynastore"
    source = "DynaStore (Aguilera, Keidar, Malkhi, Shraer), Algorithms 2-3, weak snapshots at L1 (Alg. 1)"
    history_automaton = "atomic-register"
    parameters = (
        PROCESSES,
        INIT,
        VALUES,
        MAX_OPS,
        RECONFIGS,
        dataclasses.replace(CRASHES, default=0),
        MAX_CONTACTS,
        CAPACITY,
        STORE_HISTORY,
    )
    MESSAGES: ClassVar[dict[str, tuple[str, ...]]] = {
        "REQ": ("wr", "num", "v", "ts"),
        "REPLY": ("num", "v", "ts"),
        "NOTIFY": ("w",),
    }
    """⟨REQ, msgType, num, v, ts⟩ (``wr``: msgType = W), ⟨REPLY, num[, v, ts]⟩ (a write's REPLY
    carries ⊥ and (0, ⊥)), ⟨NOTIFY, w⟩ (Algorithm 2, lines 29, 72, 74; Algorithm 3, 86, 88, 92)."""

    # -- declarations --------------------------------------------------------------------------
    def message_types(self, sc: Scope, d: Decl) -> dict[str, tuple[Type, ...]]:
        MN, Vb, TS, W = (d.types[n] for n in ("MsgNum", "Vb", "TS", "W"))
        return {"REQ": (BoolT(), MN, Vb, TS), "REPLY": (MN, Vb, TS), "NOTIFY": (W,)}

    def capacity(self, sc: Scope) -> int:
        """The scope's ``capacity``: messages in flight to one process (a send past it is a step
        cut off by the scope: INCOMPLETE, never dropped silently)."""
        return sc["capacity"]

    def declare_processes(self, sc: Scope, d: Decl) -> None:
        g = sc.as_dict()
        n, init = g["processes"], g["init"]
        if init > n:
            from ioakit.lang.types import SchemaError

            raise SchemaError(f"dynastore: init={init} exceeds processes={n} (Init's members are processes)")
        self._n, self._init = n, init
        vs = self.views = ViewSpace(n, init)
        P = d.domain(Domain.numbered("P", n, "p"))
        PT = EnumT(P)
        Pb = d.type("Pb", EnumT(P, bottom=True))
        V = d.domain(Domain.numbered("V", g["values"], "v"))
        Vb = d.type("Vb", EnumT(V, bottom=True))
        ops = self.ops = ViewOps(n, init)
        W = self._W = d.type("W", ops._W)
        Wb = d.type("Wb", OptionT(W))  # a register of ws(w): a set of changes or ⊥
        d.domain(ops._Chg.domain)
        self._Chg = ops._Chg
        d.type("MsgNum", IntT(0, g["max_contacts"]))
        TS = self._TS = d.type("TS", RecordT("TS", (("num", IntT(0, g["max_ops"])), ("pid", Pb))))
        self._ts0 = (0, -1)
        self.ts0 = ir.const(TS, self._ts0)
        self.vbot = ir.const(Vb, -1)
        self.w0 = ops.zero
        self.wbot = ir.const(Wb, None)
        d.type("Cset", SetT(W))

        # the inlined weak snapshots ws(w): Mem[w, k] (Algorithm 1), shared, ⊥ initially
        d.var("mem", MapT((W, PT), Wb), (None,) * (vs.size * n))
        # lines 2-9
        self.local(d, "v", Vb, -1)
        self.local(d, "ts", TS, self._ts0)
        self.local(d, "vmax", Vb, self.vmax_start())
        self.local(d, "tsmax", TS, self._ts0)
        self.local(d, "pick", BoolT(), False)
        self.local(d, "msgnum", d.types["MsgNum"], 0)
        self.local(d, "cur", W, self.w0)
        # M_i (line 7) for the current msgNum_i: who replied, and the best (ts, v) of lines 77-78
        self.local(d, "replied", SetT(PT))
        self.local(d, "bestts", TS, self._ts0)
        self.local(d, "bestv", Vb, -1)
        # the operation and its Traverse (lines 12-26, 46-67)
        self.local(d, "op", EnumT(OP), OPS["none"])
        self.local(d, "arg_v", Vb, -1)  # write's v
        self.local(d, "arg_c", W, self.w0)  # reconfig's cng
        self.local(d, "pc", EnumT(PC), PCS["idle"])
        self.local(d, "desired", W, self.w0)
        self.local(d, "front", SetT(W))
        self.local(d, "w", W, self.w0)
        self.local(d, "cs", SetT(W))  # ChangeSets
        self.local(d, "nq", W, self.w0)  # NotifyQ's w
        # the weak snapshot operation in progress: the collect's next register and its C so far
        self.local(d, "k", IntT(0, n - 1), 0)
        self.local(d, "acc", SetT(W))
        self.local(d, "enabled", BoolT(), False)
        self.local(d, "to_enable", BoolT(), False)  # line 96 fired: enable operations is due
        # NOTIFY ⟨w⟩ received, per view, from whom (lines 28, 31, 91)
        d.var("notified", MapT((PT, W), SetT(PT)), (frozenset(),) * (n * vs.size))
        d.var("halted", MapT((PT,), BoolT()), (False,) * n)
        # Section 5.3's queue at L1: the value of p's update on ws(w) abandoned by a restart, or ⊥
        d.var("owed", MapT((PT, W), Wb), (None,) * (n * vs.size))
        # ... and how far its collect had gone (the next register; n: the collect was over, ∅)
        d.var("owed_k", MapT((PT, W), IntT(0, n)), (0,) * (n * vs.size))
        # ghost and environment state: V(t), proposed changes, written values, ops used
        d.var("g_v", W, self.w0.value)
        d.var("g_prop", W, self.w0.value)
        d.var("used", SetT(EnumT(V)))
        d.var("env_reconfigs", IntT(0, g["reconfigs"]), 0)
        self.monitor: StoreMonitor | None = None
        if g.get("history", 0):
            self.monitor = StoreMonitor(self.ops)
            self.monitor.declare(d, sc)

    def _build(self, given: Any, environment: bool) -> Any:
        m = super()._build(given, environment)
        # line 11: the processes of Init.join start with operations enabled
        start = m.start_states[0]
        names = [v for v, _ in m.variables]
        idx = names.index("enabled")
        enabled = tuple(i < self._init for i in range(self._n))
        start = start[:idx] + (enabled,) + start[idx + 1 :]
        hidden = m.hidden_vars | {"used", "env_reconfigs"}
        return dataclasses.replace(m, start_states=(start,), hidden_vars=frozenset(hidden))

    def vmax_start(self) -> int:
        """Line 4: vmax_i ∈ V ∪ {⊥}, initially ⊥."""
        return -1

    # -- view helpers ----------------------------------------------------------------------------
    def union(self, a: Any, b: Any) -> Any:
        return self.ops.union(a, b)

    def minus(self, a: Any, b: Any) -> Any:
        return self.ops.minus(a, b)

    def subset(self, a: Any, b: Any) -> Any:
        return self.ops.subset(a, b)

    def members_of(self, w: Any, q: Any) -> Any:
        return self.ops.members_of(w, q)

    def quorum_alive(self, s: Any, w: Any) -> Any:
        """A majority of w.members is neither crashed nor halted (ws(w)'s registers are live)."""
        ps = self._processes()
        mem = ir.setof(ps, lambda q: q, where=lambda q: self.members_of(w, q))
        live = ir.setof(ps, lambda q: q, where=lambda q: self.members_of(w, q) & s.up[q])
        return live.card() + live.card() > mem.card()

    def majority_of(self, senders: Any, w: Any) -> Any:
        """``senders`` holds a majority of w.members (lines 31 and 75)."""
        ps = self._processes()
        mem = ir.setof(ps, lambda q: q, where=lambda q: self.members_of(w, q))
        got = ir.setof(ps, lambda q: q, where=lambda q: self.members_of(w, q) & senders.contains(q))
        return got.card() + got.card() > mem.card()

    def send_members(self, s: Any, i: Any, to: Any, tag: str, **fields: Any) -> None:
        """Send to every p_j ∈ w.members (lines 29, 72, 74, 92)."""
        for q in self._processes():
            with s.when(self.members_of(to, q)):
                self.send(s, i, q, tag, **fields)

    # -- (A1) of Definition 3.2 ------------------------------------------------------------------
    def a1(self, s: Any, crashed: Any, prop: Any) -> Any:
        """(A1) at a state whose crashed set is ``crashed`` (a predicate on q) and proposed changes
        ``prop``: |(V.members ∪ P.join) ∩ (F ∪ P.remove)| < |V.members| / 2, P = prop \\ V."""
        V = s.g_v
        P = self.minus(prop, V)
        ps = self._processes()
        vm = ir.setof(ps, lambda q: q, where=lambda q: self.members_of(V, q))
        pjoin = lambda q: self.ops.added(P, q)  # noqa: E731
        counted = ir.setof(
            ps,
            lambda q: q,
            where=lambda q: (self.members_of(V, q) | pjoin(q)) & (crashed(q) | self.ops.removed(P, q)),
        )
        return counted.card() + counted.card() < vm.card()

    def crashed_now(self, s: Any) -> Any:
        return lambda q: ~s.up[q] & ~s.halted[q]

    def may_crash(self, s: Any, p: Any) -> Any:
        """The crash adversary: crash p only if (A1) still holds with p in F(t)."""
        now = self.crashed_now(s)
        return ~s.halted[p] & self.a1(s, lambda q: now(q) | (q == p), s.g_prop)

    # -- history ---------------------------------------------------------------------------------
    def history(self, events: Any) -> list[Any]:
        """The run as an ``atomic-register`` history (see ``history_of_store``)."""
        return history_of_store(events)

    def idle(self, s: Any, p: Any) -> Any:
        return (s.op[p] == OPS["none"]) & s.enabled[p]

    # -- operations (lines 12-26) ---------------------------------------------------------------
    def begin(self, s: Any, p: Any, op: str, cng: Any) -> None:
        """Lines 13/18/23 and the call of Traverse (lines 14, 19, 24): lines 47-48."""
        s.op[p] = OPS[op]
        s.pick[p] = op == "write"  # lines 13, 18, 23
        s.arg_c[p] = cng
        self.start_traverse(s, p, s.cur[p], cng)

    def start_traverse(self, s: Any, p: Any, cur: Any, cng: Any) -> None:
        """Lines 47-48: desiredView ← curView_i ∪ cng; Front ← {curView_i}; then the loop (line 49)."""
        s.desired[p] = self.union(cur, cng)
        s.front[p] = ir.set_lit(SetT(self._W), cur)
        s.pc[p] = PCS["top"]
        s.cs[p] = ir.const(SetT(self._W), frozenset())
        s.k[p] = 0
        s.acc[p] = ir.const(SetT(self._W), frozenset())

    @input(p="P", at="p")
    def read(self, s: Any, p: Any) -> None:
        """read_i() (line 12)."""
        self.invoke(s, p)
        self.begin(s, p, "read", self.w0)
        if self.monitor:
            self.monitor.read_invoked(s, p)

    @input(p="P", v="V", at="p")
    def write(self, s: Any, p: Any, v: Any) -> None:
        """write_i(v) (line 17); the environment writes each value at most once (Section 3)."""
        self.invoke(s, p)
        s.assume(~s.used.contains(v))
        s.used = s.used.add(v)
        s.arg_v[p] = v
        self.begin(s, p, "write", self.w0)
        if self.monitor:
            self.monitor.write_invoked(s, p, v)

    @input(p="P", c="Chg", at="p")
    def reconfig(self, s: Any, p: Any, c: Any) -> None:
        """reconfig_i({c}) (line 22); c is proposed now (P(t)), and the environment proposes it only
        if (A1) stays true (a removal counts at once)."""
        self.invoke(s, p)
        s.assume(s.env_reconfigs < self._scope["reconfigs"])
        s.env_reconfigs = s.env_reconfigs + 1
        cng = self.ops.single(c)
        prop = self.union(s.g_prop, cng)
        s.assume(self.a1(s, self.crashed_now(s), prop))
        s.g_prop = prop
        self.begin(s, p, "reconfig", cng)

    def respond(self, s: Any, p: Any) -> None:
        """After NotifyQ's wait (line 31): the operation returns (lines 16, 21, 26)."""
        s.require(s.pc[p] == PCS["notifyq"])
        s.require(self.majority_of(s.notified[p, s.nq[p]], s.nq[p]))
        s.op[p] = OPS["none"]
        s.pc[p] = PCS["idle"]
        s.arg_v[p] = self.vbot
        s.arg_c[p] = self.w0
        s.desired[p] = self.w0
        s.front[p] = ir.const(SetT(self._W), frozenset())
        s.w[p] = self.w0
        s.nq[p] = self.w0

    @output(p="P", v=from_state("Vb"), at="p")
    def read_return(self, s: Any, p: Any) -> None:
        """Line 16: return vmax_i."""
        s.require(s.op[p] == OPS["read"])
        s.bind(v=s.vmax[p])
        if self.monitor:
            self.monitor.read_returned(s, p, s.vmax[p], s.tsmax[p])
        self.respond(s, p)

    @output(p="P", at="p")
    def write_return(self, s: Any, p: Any) -> None:
        """Line 21: return OK."""
        s.require(s.op[p] == OPS["write"])
        if self.monitor:
            self.monitor.write_returned(s, p)
        self.respond(s, p)

    @output(p="P", at="p")
    def reconfig_return(self, s: Any, p: Any) -> None:
        """Line 26: return OK; the changes join V(t) now (Section 3: at the response)."""
        s.require(s.op[p] == OPS["reconfig"])
        s.g_v = self.union(s.g_v, s.arg_c[p])
        self.respond(s, p)

    @output(p="P", at="p")
    def enable_operations(self, s: Any, p: Any) -> None:
        """Line 96's ``enable operations`` (an output of p_i)."""
        s.require(s.to_enable[p])
        s.to_enable[p] = False
        s.enabled[p] = True

    # -- Traverse (lines 46-67) ------------------------------------------------------------------
    @internal(p="P", at="p", w=from_state("W"))
    def traverse_top(self, s: Any, p: Any) -> None:
        """Lines 50-54/56: pick a smallest w ∈ Front (line 51: each choice an instance); halt if
        i ∉ w.members (line 52); if w ≠ desiredView, update_i(w, desiredView \\ w) (lines 53-54),
        else ReadInView(w)'s scan (line 56 → line 34). Section 5.3: an operation of p_i on ws(w)
        abandoned by a restart is completed first."""
        s.require(s.pc[p] == PCS["top"])
        w = s.choose("view", self._W)
        s.require(s.front[p].contains(w))
        s.require(ir.forall(s.front[p], lambda l: self.ops.size(l) >= self.ops.size(w)))  # lines 50-51
        s.bind(w=w)
        s.w[p] = w
        gone = self.halts(s, p, w)
        with s.when(gone):
            self.halt(s, p)
        with s.when(~gone):
            owed = s.owed[p, w]
            with s.when(owed != self.wbot):
                ok = s.owed_k[p, w]
                s.pc[p] = ir.ite(ok == self._n, PCS["flush"], PCS["flush_collect"])
                s.k[p] = ir.ite(ok == self._n, ir.const(s.k[p].type, 0), ok)
            with s.when(owed == self.wbot):
                self.begin_ws(s, p, w)

    def halts(self, s: Any, p: Any, w: Any) -> Any:
        """Line 52's test: ``i ∉ w.members`` (printed "i ∈": the OCR's lost ∉)."""
        return ~self.members_of(w, p)

    def halt(self, s: Any, p: Any) -> None:
        """Line 52: halt_i — no further step; nothing more is received (modelled as down)."""
        s.halted[p] = True
        s.up[p] = False
        s.net[p] = ir.const(self._box, ())
        s.pc[p] = PCS["idle"]

    def begin_ws(self, s: Any, p: Any, w: Any) -> None:
        """Line 53: update first if w ≠ desiredView (line 54), else ReadInView's scan (line 34)."""
        upd = self.needs_update(s, p, w)
        self.start_collect(s, p, ir.ite(upd, PCS["upd_collect"], PCS["riv_scan1"]))

    def needs_update(self, s: Any, p: Any, w: Any) -> Any:
        """Line 53: ``w ≠ desiredView``."""
        return w != s.desired[p]

    def start_collect(self, s: Any, p: Any, pc: Any) -> None:
        """Algorithm 1, line 12: C ← ∅; read Mem[w, p_1] first."""
        s.pc[p] = pc
        s.k[p] = 0
        s.acc[p] = ir.const(SetT(self._W), frozenset())

    def register(self, s: Any, p: Any) -> Any:
        """Mem[w, k] for the collect's current k (Algorithm 1, line 14)."""
        w, k = s.w[p], s.k[p]
        ps = self._processes()
        out = s.mem[w, ps[-1]]
        for kk in reversed(range(self._n - 1)):
            out = ir.ite(k == kk, s.mem[w, ps[kk]], out)
        return out

    @internal(p="P", at="p")
    def ws_read(self, s: Any, p: Any) -> None:
        """Algorithm 1, lines 13-15: one ``Mem[w, k].Read()`` of the collect of an update (line 54)
        or a scan (lines 34, 43) on ws(w); after the last register, the collect returns (line 16)."""
        pc = s.pc[p]
        collecting = ir.Or(*[pc == PCS[x] for x in ("upd_collect", "riv_scan1", "riv_scan2", "wiv_scan1", "wiv_scan2")])
        resumed = pc == PCS["flush_collect"]
        s.require(collecting | resumed)
        s.require(self.quorum_alive(s, s.w[p]))
        if self.monitor:
            self.monitor.ws_access(s, p, s.w[p])
        c = self.register(s, p)
        last = s.k[p] == self._n - 1
        with s.when(resumed):
            self.resumed_read(s, p, c, last)
        with s.when(~resumed):
            acc = ir.ite(c.is_some(), s.acc[p].add(c.get()), s.acc[p])  # Algorithm 1, line 15: c ≠ ⊥
            with s.when(~last):
                s.acc[p] = acc
                s.k[p] = s.k[p] + 1
            with s.when(last):
                self.collected(s, p, acc)

    def resumed_read(self, s: Any, p: Any, c: Any, last: Any) -> None:
        """A read of the abandoned update's collect, resumed (Section 5.3's queue). Its reads so far
        found ⊥ (else nothing was owed): a value now means the update returns without writing
        (Algorithm 1, line 2); ⊥ at the last register means its write is due (``flush``)."""
        w = s.w[p]
        with s.when(c.is_some()):
            s.owed[p, w] = self.wbot
            s.owed_k[p, w] = 0
            self.begin_ws(s, p, w)
        with s.when(~c.is_some()):
            with s.when(last):
                s.pc[p] = PCS["flush"]
                s.k[p] = 0
            with s.when(~last):
                s.k[p] = s.k[p] + 1

    def collected(self, s: Any, p: Any, C: Any) -> None:
        """A collect on ws(w) returned C (Algorithm 1, line 16): continue its caller."""
        pc = s.pc[p]
        empty = C.card() == 0
        w = s.w[p]
        with s.when(pc == PCS["upd_collect"]):
            # Algorithm 1, line 2: write only if the collect is empty; else the update returns
            with s.when(empty):
                s.pc[p] = PCS["upd_write"]
            with s.when(~empty):
                self.start_collect(s, p, PCS["riv_scan1"])  # line 56: ReadInView(w), line 34
        for first, second, then in (("riv_scan1", "riv_scan2", "riv"), ("wiv_scan1", "wiv_scan2", "wiv")):
            with s.when(pc == PCS[first]):
                # Algorithm 1, line 8: an empty first collect is the scan's result
                with s.when(empty):
                    self.scanned(s, p, w, C, then)
                with s.when(~empty):
                    self.second_collect(s, p, PCS[second], C, then)
            with s.when(pc == PCS[second]):
                self.scanned(s, p, w, C, then)  # Algorithm 1, line 10

    def second_collect(self, s: Any, p: Any, pc: Any, C: Any, then: str) -> None:
        """Algorithm 1, line 9: collect again."""
        self.start_collect(s, p, pc)

    def scanned(self, s: Any, p: Any, w: Any, C: Any, then: str) -> None:
        """scan_i(w) returned C: line 34 (then ContactQ(R), line 35) or line 43 (then line 64)."""
        s.cs[p] = C
        if self.monitor:
            self.monitor.scan_returned(s, p, w, C)
        if then == "riv":
            self.contact(s, p, w, write=False)  # line 35
        else:
            self.loop_end(s, p, C)

    @internal(p="P", at="p")
    def ws_write(self, s: Any, p: Any) -> None:
        """Algorithm 1, line 3: ``Mem[w, i].Write(desiredView \\ w)`` (the update of line 54), then
        ReadInView(w) (line 56 → line 34); or, at ``flush``, the write of an update abandoned by a
        restart (Section 5.3's queue), then this iteration's own operation on ws(w)."""
        pc = s.pc[p]
        s.require((pc == PCS["upd_write"]) | (pc == PCS["flush"]))
        w = s.w[p]
        s.require(self.quorum_alive(s, w))
        if self.monitor:
            self.monitor.ws_access(s, p, w)
        flush = pc == PCS["flush"]
        c = ir.ite(flush, s.owed[p, w], ir.some(self.update_value(s, p, w)))
        if self.monitor:
            self.monitor.mem_written(s, p, w, c)
        s.mem[w, p] = c
        with s.when(flush):
            s.owed[p, w] = self.wbot
            s.owed_k[p, w] = 0
            self.begin_ws(s, p, w)
        with s.when(~flush):
            self.start_collect(s, p, PCS["riv_scan1"])

    def update_value(self, s: Any, p: Any, w: Any) -> Any:
        """Line 54's change set: desiredView \\ w."""
        return self.minus(s.desired[p], w)

    # -- ContactQ (lines 68-82), ReadInView / WriteInView (33-45), the loop's end (57-66) ---------
    def contact(self, s: Any, p: Any, w: Any, *, write: bool) -> None:
        """Lines 69-74: M_i ← ∅; msgNum_i++; send REQ to w.members; then wait (line 75)."""
        num = s.msgnum[p] + 1
        s.msgnum[p] = num
        s.replied[p] = ir.const(SetT(EnumT(self._P)), frozenset())
        s.bestts[p] = self.ts0
        s.bestv[p] = self.vbot
        if write:
            self.send_members(s, p, w, "REQ", wr=True, num=num, v=s.vmax[p], ts=s.tsmax[p])  # line 72
            s.pc[p] = PCS["wiv_cq"]
        else:
            self.send_members(s, p, w, "REQ", wr=False, num=num, v=self.vbot, ts=self.ts0)  # line 74
            s.pc[p] = PCS["riv_cq"]

    @internal(p="P", at="p")
    def contactq_done(self, s: Any, p: Any) -> None:
        """Line 75's wait is over (REPLYs from a majority of w.members); for R, lines 76-80; then
        ReadInView returns (line 36) to lines 57-63, or WriteInView's scan starts (line 43)."""
        pc = s.pc[p]
        w = s.w[p]
        s.require((pc == PCS["riv_cq"]) | (pc == PCS["wiv_cq"]))
        s.require(self.majority_of(s.replied[p], w))
        with s.when(pc == PCS["riv_cq"]):
            tm, vm = s.bestts[p], s.bestv[p]
            with s.when(tm > s.tsmax[p]):  # lines 79-80
                s.vmax[p] = vm
                s.tsmax[p] = tm
            self.after_read_in_view(s, p, w)
        with s.when(pc == PCS["wiv_cq"]):
            self.start_collect(s, p, PCS["wiv_scan1"])  # line 43

    def after_read_in_view(self, s: Any, p: Any, w: Any) -> None:
        """Lines 57-63: edges found → Front and desiredView grow, next iteration; none →
        WriteInView(w, v) (line 63: lines 39-42)."""
        cs = s.cs[p]
        found = cs.card() > 0
        with s.when(found):
            grown = ir.setof(cs, lambda c: self.union(w, c), typ=SetT(self._W))
            s.front[p] = s.front[p].remove(w).union(grown)  # lines 58, 61
            s.desired[p] = self.union(s.desired[p], self.ops.big_union(cs))  # line 60
            s.pc[p] = PCS["top"]
        with s.when(~found):
            self.write_in_view(s, p, w)  # line 63

    def write_in_view(self, s: Any, p: Any, w: Any) -> None:
        """Lines 39-42: on the first WriteInView of a write, pick the timestamp (line 40); then
        ContactQ(W, w.members)."""
        with s.when(s.pick[p]):
            ts = self.new_timestamp(s, p)
            if self.monitor:
                self.monitor.timestamp_picked(s, p, s.arg_v[p], ts)
            s.pick[p] = self.pick_after(s, p)
            s.vmax[p] = s.arg_v[p]
            s.tsmax[p] = ts
        self.contact(s, p, w, write=True)

    def new_timestamp(self, s: Any, p: Any) -> Any:
        """Line 40: ``(tsmax_i.num + 1, i)``."""
        return ir.record(self._TS, s.tsmax[p].num + 1, p)

    def pick_after(self, s: Any, p: Any) -> Any:
        """Line 40: pickNewTS_i ← FALSE."""
        return ir.const(BoolT(), False)

    def loop_end(self, s: Any, p: Any, C: Any) -> None:
        """Line 64: loop while ChangeSets ≠ ∅; else lines 65-66 (curView_i ← desiredView, return
        it) and NotifyQ(desiredView) (lines 15, 20, 25 → 27-30)."""
        more = C.card() > 0
        with s.when(more):
            s.pc[p] = PCS["top"]
        with s.when(~more):
            d = s.desired[p]
            if self.monitor:
                self.monitor.view_adopted(s, p, d, s.front[p])
            s.cur[p] = d  # line 65
            s.nq[p] = d
            s.pc[p] = PCS["notifyq"]
            with s.when(s.notified[p, d].card() == 0):  # line 28
                self.send_members(s, p, d, "NOTIFY", w=d)  # line 29
                if self.monitor:
                    self.monitor.notify_sent(s, d)

    # -- Algorithm 3: upon-clauses (lines 83-98) --------------------------------------------------
    def on_REQ(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """Lines 83-88: a W request updates (v_i, ts_i) if its ts is higher (line 85) and is
        acknowledged (line 86); an R request is answered with (v_i, ts_i) (line 88)."""
        with s.when(m.wr):
            self.store(s, i, m)
            self.send(s, i, j, "REPLY", num=m.num, v=self.vbot, ts=self.ts0)
        with s.when(~m.wr):
            self.reply_read(s, i, j, m)

    def store(self, s: Any, i: Any, m: Any) -> None:
        """Line 85: if ts > ts_i then (v_i, ts_i) ← (v, ts)."""
        with s.when(m.ts > s.ts[i]):
            s.v[i] = m.v
            s.ts[i] = m.ts

    def reply_read(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """Line 88: send ⟨REPLY, num, v_i, ts_i⟩."""
        self.send(s, i, j, "REPLY", num=m.num, v=s.v[i], ts=s.ts[i])

    def on_REPLY(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """Lines 89-90: add the REPLY to M_i. Only replies numbered msgNum_i while p_i waits in
        ContactQ are ever read (line 75): others are dropped here, which nothing can tell apart."""
        pc = s.pc[i]
        counts = self.reply_counts(s, i, m) & ((pc == PCS["riv_cq"]) | (pc == PCS["wiv_cq"]))
        with s.when(counts):
            s.replied[i] = s.replied[i].add(j)
            with s.when(m.ts > s.bestts[i]):  # lines 77-78: the maximal timestamp and its value
                s.bestts[i] = m.ts
                s.bestv[i] = m.v
            if self.monitor:
                self.monitor.reply_seen(s, i, m.v, m.ts)

    def reply_counts(self, s: Any, i: Any, m: Any) -> Any:
        """Line 75: only ⟨REPLY, msgNum_i, ...⟩ answers the current ContactQ."""
        return m.num == s.msgnum[i]

    def on_NOTIFY(self, s: Any, i: Any, j: Any, m: Any) -> None:
        """Lines 91-98: on the first ⟨NOTIFY, w⟩, forward it to w.members (line 92); if
        curView_i ⊂ w, adopt w (line 95), enable operations if i ∈ w.join (line 96), and restart a
        Traverse blocked at a wait from line 47 (lines 94, 97) with the same (cng, v). A NOTIFY is
        not delivered while p_i runs the local segment ``top`` (no wait: no restart there)."""
        w = m.w
        s.require(s.pc[i] != PCS["top"])
        first = s.notified[i, w].card() == 0
        s.notified[i, w] = s.notified[i, w].add(j)
        with s.when(first):
            self.forward_notify(s, i, w)  # line 92
            newer = self.newer(s, i, w)  # line 93
            with s.when(newer):
                if self.monitor:
                    self.monitor.view_adopted(s, i, w, None)
                s.cur[i] = w  # line 95
                with s.when(self.ops.joined(w, i) & ~s.enabled[i]):
                    self.enable_due(s, i)  # line 96
                pc = s.pc[i]
                waiting = ir.Or(*[pc == PCS[x] for x in WAITING])
                with s.when(waiting):
                    self.restart(s, i, w)

    def forward_notify(self, s: Any, i: Any, w: Any) -> None:
        """Line 92: forward the first ⟨NOTIFY, w⟩ to w.members."""
        self.send_members(s, i, w, "NOTIFY", w=w)

    def enable_due(self, s: Any, i: Any) -> None:
        """Line 96: ``enable operations`` at p_i (the output ``enable_operations`` is then due)."""
        s.to_enable[i] = True

    def newer(self, s: Any, i: Any, w: Any) -> Any:
        """Line 93: ``curView_i ⊂ w`` (strict)."""
        return self.subset(s.cur[i], w) & (s.cur[i] != w)

    def restart(self, s: Any, i: Any, w: Any) -> None:
        """Lines 94, 97: the Traverse restarts from line 47 with curView_i = w. An update on ws(u)
        left unfinished is owed to ws(u) (Section 5.3's queue): its write if its collect found ∅,
        the rest of its collect if that had found ∅ so far; a collect that found a value owes
        nothing (the update returns without writing), nor does an abandoned scan (no effect)."""
        pc, u, n = s.pc[i], s.w[i], self._n
        with s.when(pc == PCS["upd_write"]):
            s.owed[i, u] = ir.some(self.update_value(s, i, u))
            s.owed_k[i, u] = n
        with s.when((pc == PCS["upd_collect"]) & (s.acc[i].card() == 0)):
            s.owed[i, u] = ir.some(self.update_value(s, i, u))
            s.owed_k[i, u] = s.k[i]
        with s.when(pc == PCS["flush_collect"]):
            s.owed_k[i, u] = s.k[i]  # the owed value stays; its collect's progress is kept
        self.start_traverse(s, i, w, s.arg_c[i])


def history_of_store(events: Any) -> list[Any]:
    """An execution's events as an ``atomic-register`` history (the trace contract): ``read``
    ``{p}``, ``read-return`` ``{p, v}`` (``null`` for ⊥), ``write`` ``{p, v}``, ``write-return``
    ``{p}``, ``reconfig`` ``{p, changes: {add: [...], remove: [...]}}``, ``reconfig-return``
    ``{p}``, ``enable-operations`` ``{p}``, ``crash`` ``{p}``."""
    from ioakit.traces import Event

    out = []
    for e in events:
        if e["action"] not in STORE_HISTORY_ACTIONS:
            continue
        args = dict(e["args"])
        if e["action"] == "reconfig":
            c = args.pop("c")
            sign, who = c[0], c[1:]
            args["changes"] = {"add": [who] if sign == "+" else [], "remove": [who] if sign == "-" else []}
        out.append(Event(HISTORY_NAMES.get(e["action"], e["action"]), e["kind"], args))
    return out
