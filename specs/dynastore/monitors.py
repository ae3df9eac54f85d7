"""The weak snapshot's properties (Section 4, PR1–PR4, and Lemma 4.1's "Mem[i] is written at most
once") as history variables of Algorithm 1, so the explorer checks them at every reached state.

Source: Aguilera, Keidar, Malkhi, Shraer, *Dynamic Atomic Storage Without Consensus* (J. ACM 58(2),
2011), Section 4: PR1 (integrity), PR2 (validity), PR3 (monotonicity of scans), PR4 (non-empty
intersection), and Lemma 4.1 of Section 4.1. The printed PR2 and PR4 read "C = ∅" where the
proofs (Lemmas 4.2 and 4.4) need "C ≠ ∅": we check the latter (with "C = ∅", PR2 would demand that
a scan after a completed update return nothing, which Algorithm 1 never does).

Each property is a boolean ``bad_<name>`` set by the step that violates it, so "never bad" is a
state invariant and the explorer's shortest counterexample is a shortest violating execution.
Every property here is a safety property of the history (or of the register writes), so judging
every reached prefix as a whole run is exact: a violating run has a violating prefix.

* ``pr1``: a scan returning C has, for each c ∈ C, an ``update(c)`` invoked before it returned.
* ``pr2``: a scan invoked after some update completed returns C ≠ ∅.
* ``pr3``: a scan invoked after scans completed returns a superset of the union of their results
  (C ⊆ C' for each of them).
* ``pr4``: the intersection of all non-empty scan results is non-empty (an element common to all).
* ``mem_once``: each ``Mem[i].Write`` happens at most once (Lemma 4.1's proof; the queue of
  Section 5.3 is what guarantees it in DynaStore).
"""

from __future__ import annotations

from typing import Any

from ioakit.engines.explore import Property
from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Machine, ScopeParam
from ioakit.lang.ops import Oracle
from ioakit.lang.types import BoolT, Domain, EnumT, IntT, MapT, SeqT, SetT

HISTORY = ScopeParam("history", 1, "1: keep history variables that check the abstraction's properties; 0: do not", 0, 1)

STORE_HISTORY = ScopeParam(
    "history",
    2,
    "2: history variables and the sequence of read/write events, every reached history judged "
    "linearizable (Definition 3.1, exactly); 1: the history variables only (necessary conditions, "
    "Lemma 5.17, Section 5.5); 0: none",
    0,
    2,
)

SNAPSHOT_PROPERTIES = (
    (
        "pr1",
        "Section 4, PR1 (integrity)",
        "each c in a scan's result C was the argument of an update invoked before the scan returned",
    ),
    (
        "pr2",
        "Section 4, PR2 (validity), with C ≠ ∅ (OCR: 'C = ∅'); Lemma 4.2",
        "a scan invoked after some update completed returns a non-empty set",
    ),
    (
        "pr3",
        "Section 4, PR3 (monotonicity of scans); Lemma 4.3",
        "a scan invoked after another scan returned C returns C' with C ⊆ C'",
    ),
    (
        "pr4",
        "Section 4, PR4 (non-empty intersection), with C ≠ ∅ (OCR: 'C = ∅'); Lemma 4.4",
        "some c belongs to every non-empty set a scan returned",
    ),
    (
        "mem_once",
        "Section 4.1, Lemma 4.1 (its proof: Mem[i].Write is invoked at most once)",
        "no register Mem[i] is written twice",
    ),
)


def properties(m: Machine, table: Any = SNAPSHOT_PROPERTIES) -> list[Property]:
    """The history properties of ``table`` as explorer properties (none with ``history=0``)."""
    if not m.scope.as_dict().get("history", 0):
        return []
    return [
        Property(name, m.predicate(lambda s, n=name: ~getattr(s, f"bad_{n}")), ref, text) for name, ref, text in table
    ]


class SnapshotMonitor:
    """History variables of a weak snapshot object (Section 4) and their updates; ``C`` is the type
    of the values (``SetT(C)`` a scan's result), ``P`` the processes."""

    def declare(self, d: Decl, P: Any, n: int, C: Any) -> None:
        cs = SetT(C)
        d.var("h_invoked", cs)  # values of the updates invoked so far (PR1)
        d.var("h_completed", BoolT(), False)  # some update has completed (PR2)
        d.var("h_after_update", MapT((P,), BoolT()), (False,) * n)  # p's scan began after an update completed
        d.var("h_union", cs)  # union of the results of the scans completed so far (PR3)
        d.var("h_before", MapT((P,), cs), (frozenset(),) * n)  # h_union when p's scan was invoked
        d.var("h_nonempty", BoolT(), False)  # some scan returned a non-empty set (PR4)
        d.var("h_inter", cs)  # the intersection of the non-empty results so far
        d.var("h_writes", MapT((P,), IntT(0, 2)), (0,) * n)  # Mem[i].Write count, 2 = two or more
        for name, _, _ in SNAPSHOT_PROPERTIES:
            d.var(f"bad_{name}", BoolT(), False)

    def update_invoked(self, s: Any, p: Any, c: Any) -> None:
        s.h_invoked = s.h_invoked.add(c)

    def update_returned(self, s: Any, p: Any) -> None:
        s.h_completed = True

    def scan_invoked(self, s: Any, p: Any) -> None:
        s.h_after_update[p] = s.h_completed
        s.h_before[p] = s.h_union

    def scan_returned(self, s: Any, p: Any, C: Any) -> None:
        empty = C.card() == 0
        s.bad_pr1 = s.bad_pr1 | ~C.subset(s.h_invoked)
        s.bad_pr2 = s.bad_pr2 | (s.h_after_update[p] & empty)
        s.bad_pr3 = s.bad_pr3 | ~s.h_before[p].subset(C)
        s.h_union = s.h_union.union(C)
        with s.when(~empty):
            inter = ir.ite(s.h_nonempty, s.h_inter.inter(C), C)
            s.h_inter = inter
            s.h_nonempty = True
            s.bad_pr4 = s.bad_pr4 | (inter.card() == 0)

    def written(self, s: Any, p: Any) -> None:
        """p's ``Mem[p].Write`` happened (line 3)."""
        n = s.h_writes[p]
        s.h_writes[p] = ir.ite(n < 2, n + 1, 2)
        s.bad_mem_once = s.bad_mem_once | (n >= 1)


# -- DynaStore (Algorithms 2-3): history checks and the state predicates of Section 5.5 -------------

STORE_PROPERTIES = (
    (
        "read_integrity",
        "Section 3, sequential specification / Definition 3.1 (a read returns ⊥ or a written value)",
        "a read returning v ≠ ⊥ has write(v) invoked before it returned",
    ),
    (
        "stale_read",
        "Definition 3.1 (linearizability), a necessary condition",
        "a read invoked after write(x) completed returns neither ⊥ nor a value whose write completed "
        "before write(x) was invoked",
    ),
    (
        "new_old_inversion",
        "Definition 3.1 (linearizability), a necessary condition",
        "a read invoked after a read returned x returns neither ⊥ (if x ≠ ⊥) nor a value whose write "
        "completed before write(x) was invoked",
    ),
    (
        "ats_order",
        "Lemma 5.17 (with o' for the OCR's o), Definition 5.15 (ats)",
        "if o completes before o' is invoked, ats(o) ≤ ats(o'), and ats(o) < ats(o') when o' is a write",
    ),
    (
        "ds1_front",
        "Lemmas 5.2, 5.4 and 5.6, line 47",
        "in a Traverse: every w ∈ Front has initView ⊆ w ⊆ desiredView, curView_i ∪ cng ⊆ desiredView, "
        "and Front = {desiredView} when the loop exits (line 65)",
    ),
    (
        "ds2_update",
        "Lemma 5.3 and line 52",
        "every update_i(w, c) has c ≠ ∅, c ∩ w = ∅ and i ∈ w.members",
    ),
    (
        "ds3_member",
        "line 52 (a process not in w.members halts before any operation on ws(w))",
        "every scan_i(w) or update_i(w, ·) is invoked by a member: i ∈ w.members",
    ),
    (
        "ds4_mem_once",
        "Lemma 4.1 (Section 4.1), for every ws(w)",
        "each register Mem[k] of each ws(w) is written at most once, never with ⊥",
    ),
    (
        "ds5_views_chain",
        "Lemma 5.8 (curView_i and NOTIFY views are established) and Definition 5.1",
        "all curView_i and all views sent in NOTIFY messages are pairwise ⊆-comparable",
    ),
    (
        "ds6_proposed",
        "Lemmas 5.19 and 5.20",
        "every change in a desiredView, Front, curView_i or NOTIFY view is in Init or was proposed",
    ),
    (
        "ds7_cur_grows",
        "lines 65 and 93-95",
        "curView_i only grows (line 65 assigns a superset, line 95 a strict one)",
    ),
    (
        "ds8_one_timestamp",
        "lines 39-40, Lemma 5.16(a)",
        "line 40 runs at most once per write operation",
    ),
    (
        "ds9_ts_pairing",
        "proof of Lemma 5.16(b) and (c)",
        "every (x, ts) held or replied has ts = the timestamp line 40 gave write(x) ((0,⊥) for ⊥), and "
        "distinct writes get distinct timestamps",
    ),
    (
        "ds10_halted",
        "line 52 and Lemma 5.20",
        "a halted process was proposed for removal",
    ),
)
"""The checks on DynaStore: history variables (flags set by the violating step) and state predicates."""

STATE_PREDICATES = ("ds1_front", "ds5_views_chain", "ds6_proposed", "ds9_ts_pairing", "ds10_halted")
"""Checked as predicates of each state (the others are flags set by the violating step; ds9 is both)."""


def store_properties(m: Machine) -> list[Property]:
    """DynaStore's checks as explorer properties (none with ``history=0``)."""
    if not m.scope.as_dict().get("history", 0):
        return []
    from ioakit.impl.dynastore.dynastore import ViewOps

    g = m.scope.as_dict()
    mon = StoreMonitor(ViewOps(g["processes"], g["init"]))
    mon.types(m.decl)
    out = []
    if g["history"] >= 2:
        out.append(linearizable_property(m))
    for name, ref, text in STORE_PROPERTIES:
        if name in STATE_PREDICATES:
            term = m.predicate(lambda s, n=name: ~getattr(s, f"bad_{n}") & getattr(mon, n)(s))
        else:
            term = m.predicate(lambda s, n=name: ~getattr(s, f"bad_{n}"))
        out.append(Property(name, term, ref, text))
    return out


LIVENESS_CONCLUSIONS = (
    (
        "enabled_when_added",
        "Definition 3.2, conclusion (1); Theorem 5.28(a)",
        "every active process that a complete reconfig added (Init's included) has enabled operations",
    ),
    (
        "ops_complete",
        "Definition 3.2, conclusion (2); Theorem 5.28(b)",
        "no operation (read, write or reconfig) is pending at an active process",
    ),
)
"""Definition 3.2's conclusions as predicates of a quiescent state (``ioakit.engines.quiescence``).
A process is *active* ("does not crash, some process invokes a reconfig to add it, and no process
invokes a reconfig to remove it"; Init's members were added by the reconfig(Init) of time 0) when
it is up, in Init or proposed for addition, and not proposed for removal; "a complete reconfig
added it": it is in V(t).join (``g_v``, grown at each ``reconfig_return``)."""


def liveness_conclusions(m: Machine) -> list[Property]:
    """DynaStore's :data:`LIVENESS_CONCLUSIONS` as state predicates of ``m`` (history variables
    not needed: the state holds V(t), the proposed changes, crashes and pending operations)."""
    from ioakit.impl.dynastore.dynastore import OPS, ViewOps

    g = m.scope.as_dict()
    vo = ViewOps(g["processes"], g["init"])
    ps = [ir.const(EnumT(m.decl.domains["P"]), k) for k in range(g["processes"])]

    def active(s: Any, q: Any) -> Any:
        return s.up[q] & vo.joined(s.g_prop, q) & ~vo.removed(s.g_prop, q)

    def enabled_when_added(s: Any) -> Any:
        return ir.And(*[ir.Implies(active(s, q) & vo.joined(s.g_v, q), s.enabled[q]) for q in ps])

    def ops_complete(s: Any) -> Any:
        return ir.And(*[ir.Implies(active(s, q), s.op[q] == OPS["none"]) for q in ps])

    fns = {"enabled_when_added": enabled_when_added, "ops_complete": ops_complete}
    return [Property(n, m.predicate(fns[n]), ref, text) for n, ref, text in LIVENESS_CONCLUSIONS]


SNAPSHOT_LIVENESS = (
    (
        "pr5_terminates",
        "Section 4, PR5 (termination)",
        "if a majority of P never crashes, every update and scan of a process that never crashes completes",
    ),
)
"""PR5 as a predicate of a quiescent state (``ioakit.engines.quiescence``): crash-stop, so the
processes up at the end are those that never crash; when they are not a majority, PR5 promises
nothing (the conclusion holds vacuously)."""


def snapshot_liveness(m: Machine) -> list[Property]:
    """:data:`SNAPSHOT_LIVENESS` for Algorithm 1 (at L1 or over ABD) and its variants."""
    from ioakit.impl.dynastore.weak_snapshot import IDLE

    n = m.scope.as_dict()["processes"]
    P = EnumT(m.decl.domains["P"])
    ps = [ir.const(P, k) for k in range(n)]

    def pr5_terminates(s: Any) -> Any:
        up = ir.setof(P, lambda q: q, where=lambda q: s.up[q]).card()
        done = ir.And(*[ir.Implies(s.up[q], s.phase[q] == IDLE) for q in ps])
        return ir.Implies(up + up > n, done)

    return [Property(n_, m.predicate(pr5_terminates), ref, text) for n_, ref, text in SNAPSHOT_LIVENESS]


class StoreMonitor:
    """History variables and state predicates of DynaStore (``STORE_PROPERTIES``); ``spec`` is the
    ``DynaStore`` model whose view tables (union, subset, members) the predicates use."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec

    def declare(self, d: Decl, sc: Any) -> None:
        PT = ir_enum(d, "P")
        V = ir_enum(d, "V")
        Vb, TS, W = d.types["Vb"], d.types["TS"], d.types["W"]
        n, nv = len(d.domains["P"]), len(d.domains["V"])
        d.var("h_written", SetT(V))  # values whose write was invoked
        d.var("h_wdone", SetT(V))  # values whose write completed
        d.var("h_pred", MapT((V,), SetT(V)), (frozenset(),) * nv)  # writes completed before write(v) was invoked
        d.var("h_fw", SetT(Vb))  # forbidden to reads invoked now, by completed writes
        d.var("h_fr", SetT(Vb))  # forbidden to reads invoked now, by completed reads
        d.var("h_forbid_w", MapT((PT,), SetT(Vb)), (frozenset(),) * n)
        d.var("h_forbid_r", MapT((PT,), SetT(Vb)), (frozenset(),) * n)
        d.var("h_maxats", TS, (0, -1))  # the highest ats of the operations completed so far
        d.var("h_floor", MapT((PT,), TS), ((0, -1),) * n)  # h_maxats when p's operation was invoked
        d.var("h_wts", MapT((PT,), TS), ((0, -1),) * n)  # ats of p's pending write (line 40)
        d.var("h_tsof", MapT((V,), TS), ((0, -1),) * nv)  # the timestamp line 40 gave write(v)
        d.var("h_nviews", SetT(W))  # views sent in NOTIFY messages
        for name, _, _ in STORE_PROPERTIES:
            d.var(f"bad_{name}", BoolT(), False)
        self.log: RegisterLog | None = None
        if sc["history"] >= 2:
            self.log = RegisterLog(d.domains["P"], d.domains["V"], sc["max_ops"])
            self.log.declare(d)
        self.types(d)

    def types(self, d: Decl) -> None:
        """The types the hooks and predicates build constants of."""
        self._ts0 = ir.const(d.types["TS"], (0, -1))
        self._Vb = d.types["Vb"]
        self._V = ir_enum(d, "V")

    # -- hooks called by the algorithm's steps ---------------------------------------------------
    def read_invoked(self, s: Any, p: Any) -> None:
        if self.log:
            self.log.append(s, self.log.read_ev[p])
        s.h_forbid_w[p] = s.h_fw
        s.h_forbid_r[p] = s.h_fr
        s.h_floor[p] = s.h_maxats

    def write_invoked(self, s: Any, p: Any, v: Any) -> None:
        if self.log:
            self.log.append(s, self.log.write_ev[p, v])
        s.h_written = s.h_written.add(v)
        s.h_pred[v] = s.h_wdone
        s.h_floor[p] = s.h_maxats
        s.h_wts[p] = self._ts0

    def _older(self, s: Any, x: Any) -> Any:
        """{⊥} ∪ the values whose writes completed before write(x) was invoked."""
        bot = ir.const(self._Vb, -1)
        older = ir.setof(s.h_pred[x], lambda y: ir.lift(y, self._Vb), typ=SetT(self._Vb))
        return older.add(bot)

    def read_returned(self, s: Any, p: Any, v: Any, ts: Any) -> None:
        bot = ir.const(self._Vb, -1)
        if self.log:
            self.log.append(s, ir.ite(v == bot, self.log.bottom_ev[p], self.log.return_ev[p, v]))
        s.bad_read_integrity = s.bad_read_integrity | ((v != bot) & ~s.h_written.contains(v))
        s.bad_stale_read = s.bad_stale_read | s.h_forbid_w[p].contains(v)
        s.bad_new_old_inversion = s.bad_new_old_inversion | s.h_forbid_r[p].contains(v)
        s.bad_ats_order = s.bad_ats_order | (ts < s.h_floor[p])
        with s.when(v != bot):
            s.h_fr = s.h_fr.union(self._older(s, v))
        s.h_maxats = ir.ite(ts > s.h_maxats, ts, s.h_maxats)

    def write_returned(self, s: Any, p: Any) -> None:
        if self.log:
            self.log.append(s, self.log.ok_ev[p])
        v = s.arg_v[p]
        ts = s.h_wts[p]
        s.h_wdone = s.h_wdone.add(v)
        s.h_fw = s.h_fw.union(self._older(s, v))
        s.bad_ats_order = s.bad_ats_order | ~(ts > s.h_floor[p])
        s.h_maxats = ir.ite(ts > s.h_maxats, ts, s.h_maxats)

    def timestamp_picked(self, s: Any, p: Any, v: Any, ts: Any) -> None:
        """Line 40 ran for p's write(v) with timestamp ts."""
        s.bad_ds8_one_timestamp = s.bad_ds8_one_timestamp | (s.h_wts[p] != self._ts0)
        clash = ir.exists(self._V, lambda x: s.h_tsof[x] == ts)
        s.bad_ds9_ts_pairing = s.bad_ds9_ts_pairing | clash
        s.h_wts[p] = ts
        s.h_tsof[v] = ts

    def reply_seen(self, s: Any, i: Any, v: Any, ts: Any) -> None:
        s.bad_ds9_ts_pairing = s.bad_ds9_ts_pairing | ~self.paired(s, v, ts)

    def mem_written(self, s: Any, p: Any, w: Any, c: Any) -> None:
        sp = self.spec
        s.bad_ds4_mem_once = s.bad_ds4_mem_once | s.mem[w, p].is_some() | ~c.is_some()
        cw = c.get()
        ok = (cw != sp.zero) & (sp.minus(cw, w) == cw) & sp.members_of(w, p)
        s.bad_ds2_update = s.bad_ds2_update | ~ok

    def ws_access(self, s: Any, p: Any, w: Any) -> None:
        """p accesses a register of ws(w) (a step of its scan or update)."""
        s.bad_ds3_member = s.bad_ds3_member | ~self.spec.members_of(w, p)

    def scan_returned(self, s: Any, p: Any, w: Any, C: Any) -> None:
        """Nothing to record (the weak snapshots' own properties are Algorithm 1's, checked there)."""

    def view_adopted(self, s: Any, p: Any, d: Any, front: Any) -> None:
        """curView_i ← d: at line 65 (``front`` given: by Lemma 5.6 Front = {desiredView} there)
        or at line 95 (``front`` None)."""
        s.bad_ds7_cur_grows = s.bad_ds7_cur_grows | ~self.spec.subset(s.cur[p], d)
        if front is not None:
            single = ir.set_lit(front.type, d)
            s.bad_ds1_front = s.bad_ds1_front | (front != single)

    def notify_sent(self, s: Any, w: Any) -> None:
        s.h_nviews = s.h_nviews.add(w)

    # -- state predicates ------------------------------------------------------------------------
    def paired(self, s: Any, x: Any, ts: Any) -> Any:
        bot = ir.const(self._Vb, -1)
        return ir.ite(x == bot, ts == self._ts0, s.h_tsof[ir.ite(x == bot, ir.const(self._Vb, 0), x)] == ts)

    def _traversing(self, s: Any, q: Any) -> Any:
        from ioakit.impl.dynastore.dynastore import PCS

        pc = s.pc[q]
        return (pc != PCS["idle"]) & (pc != PCS["notifyq"]) & ~s.halted[q]

    def ds1_front(self, s: Any) -> Any:
        sp = self.spec
        return ir.And(
            *[
                ir.Implies(
                    self._traversing(s, q),
                    ir.forall(s.front[q], lambda l, q=q: sp.subset(s.cur[q], l) & sp.subset(l, s.desired[q]))
                    & sp.subset(sp.union(s.cur[q], s.arg_c[q]), s.desired[q]),
                )
                for q in sp._processes()
            ]
        )

    def ds5_views_chain(self, s: Any) -> Any:
        sp = self.spec
        views = s.h_nviews
        for q in sp._processes():
            views = views.add(s.cur[q])
        return ir.forall(views, lambda a: ir.forall(views, lambda b: sp.subset(a, b) | sp.subset(b, a)))

    def ds6_proposed(self, s: Any) -> Any:
        sp = self.spec
        prop = s.g_prop
        parts = [ir.forall(s.h_nviews, lambda x: sp.subset(x, prop))]
        for q in sp._processes():
            parts.append(sp.subset(s.cur[q], prop) & sp.subset(s.desired[q], prop))
            parts.append(ir.forall(s.front[q], lambda x: sp.subset(x, prop)))
        return ir.And(*parts)

    def ds9_ts_pairing(self, s: Any) -> Any:
        sp = self.spec
        return ir.And(
            *[self.paired(s, s.v[q], s.ts[q]) & self.paired(s, s.vmax[q], s.tsmax[q]) for q in sp._processes()]
        )

    def ds10_halted(self, s: Any) -> Any:
        sp = self.spec
        return ir.And(*[ir.Implies(s.halted[q], sp.removed(s.g_prop, q)) for q in sp._processes()])


# -- Definition 3.1 exactly: the reads and writes in order, judged by the linearizability checker ---


class RegisterLog:
    """σ|RW of the run so far as a ghost sequence ``h_log`` of events (``read p1``, ``read-return p1
    v1``, ``write p2 v1``, ``write-return p2``; crashes leave an operation pending, reconfigs are not
    in σ|RW), and the property that it is linearizable (Definition 3.1).

    Why a log and not more history variables: the other checks of this module are necessary
    conditions (and Lemma 5.17 is the paper's own proof step); linearizability of the whole history
    is the definition, and it is decided here by the same checker that judges recorded traces
    (``ioakit.traces.dynastore.linearizability``). The
    log makes each reached state carry its history, so "every reached state's log is linearizable"
    is "every execution of the scope is linearizable" (a prefix of an execution is an execution).
    The property is an oracle (``ir.oracle``: a Python predicate, :func:`log_decider`) on the log; a
    log judged not linearizable is a violation whose shortest execution the explorer prints. Its
    cost is one judgement per distinct log, not per state."""

    def __init__(self, P: Domain, V: Domain, max_ops: int) -> None:
        processes, values = P.names, V.names
        self.domain = Domain("RW", register_events(P, V))
        self.E = EnumT(self.domain)
        ix = self.domain.index
        PT, VT = EnumT(P), EnumT(V)

        def table(keys: tuple[Any, ...], names_of: Any) -> Any:
            return ir.const(MapT(keys, self.E), tuple(ix(x) for x in names_of))

        self.read_ev = table((PT,), [f"read {p}" for p in processes])
        self.bottom_ev = table((PT,), [f"read-return {p} ⊥" for p in processes])
        self.return_ev = table((PT, VT), [f"read-return {p} {v}" for p in processes for v in values])
        self.write_ev = table((PT, VT), [f"write {p} {v}" for p in processes for v in values])
        self.ok_ev = table((PT,), [f"write-return {p}" for p in processes])
        self.type = SeqT(self.E, 2 * max_ops)

    def declare(self, d: Decl) -> None:
        d.domain(self.domain)
        d.var("h_log", self.type)

    def append(self, s: Any, event: Any) -> None:
        s.h_log = s.h_log.append(event)


def linearizable_property(m: Machine) -> Property:
    """``linearizable``: the history a state of ``m`` carries (``h_log``) is linearizable
    (:func:`log_decider`)."""
    decide = log_decider(m.decl.domains["P"], m.decl.domains["V"])
    return Property(
        "linearizable",
        m.predicate(lambda s: ir.oracle(decide, s.h_log)),
        "Definition 3.1 (linearizability of σ|RW); Theorem 5.18",
        "the run's reads and writes so far form a linearizable history (judged by the trace checker)",
    )


def log_decider(P: Domain, V: Domain) -> Oracle:
    """Definition 3.1 on a ``h_log`` value (a tuple of :class:`RegisterLog` event indices), decided
    by the trace checker's ``is_linearizable`` (Gibbons–Korach zones: written values are unique
    here, Section 3), memoised per log. A log that is not well-formed (two operations pending at a
    process, a response without its invocation) is judged not linearizable: the algorithm's
    environment never makes one, so it would be a bug in the model."""
    names = register_events(P, V)
    memo: dict[tuple[int, ...], bool] = {}

    def decide(log: tuple[int, ...]) -> bool:
        known = memo.get(log)
        if known is not None:
            return known
        ok = (not log or decide(log[:-1])) and _judge([names[e].split(" ") for e in log])
        memo[log] = ok
        return ok

    return Oracle("linearizable", decide)


def register_events(P: Domain, V: Domain) -> tuple[str, ...]:
    """The names of :class:`RegisterLog`'s events, in their index order: per process ``read p``,
    ``read-return p ⊥``, ``read-return p v`` for each value, ``write p v`` for each value,
    ``write-return p``."""
    names: list[str] = []
    for p in P.names:
        names += [f"read {p}", f"read-return {p} ⊥", *(f"read-return {p} {v}" for v in V.names)]
        names += [*(f"write {p} {v}" for v in V.names), f"write-return {p}"]
    return tuple(names)


def _judge(events: list[list[str]]) -> bool:
    """``events``: ``[kind, p]`` / ``[kind, p, value]`` in order; well-formed and linearizable."""
    from ioakit.traces.dynastore.linearizability import RWOp, is_linearizable

    pending: dict[str, tuple[str, str | None, int]] = {}
    ops = []
    for t, (kind, p, *rest) in enumerate(events):
        if kind in ("read", "write"):
            if p in pending:
                return False
            pending[p] = (kind, rest[0] if rest else None, t)
            continue
        inv = pending.pop(p, None)
        if inv is None or inv[0] != kind.removesuffix("-return"):
            return False
        value = None if kind == "read-return" and rest[0] == "⊥" else (rest[0] if rest else inv[1])
        ops.append(RWOp(inv[0], p, inv[2], t, value))
    ops += [RWOp(k, p, inv, None, v) for p, (k, v, inv) in pending.items()]
    return bool(is_linearizable(ops))


def ir_enum(d: Decl, name: str) -> Any:
    from ioakit.lang.types import EnumT

    return EnumT(d.domains[name])
