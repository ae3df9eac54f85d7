"""Seeded bugs in Algorithms 1–3 of DynaStore: plausible wrong implementations (ours, NOT the
paper's), to measure what catches a careless implementer's mistake.

Source: Aguilera, Keidar, Malkhi, Shraer, *Dynamic Atomic Storage Without Consensus*, Section 4
(Algorithm 1, the weak snapshot, ``impl/dynastore/weak_snapshot.py``) and Section 5 (Algorithms
2–3, DynaStore, ``impl/dynastore/dynastore.py``). Each variant is a subclass
that changes ONE thing — the smallest method holding the line it deviates from; its docstring names
that line and says what the variant does instead. Each is registered by the dynastore bundle
(``specs/dynastore/__init__.py``) as ``<base name>-bug-<slug>`` with its base's properties;
``docs/dynastore-seeded-bugs.md`` says what catches each and how long its shortest counterexample
is; ``tests/impl/test_dynastore_bugs.py`` pins it.
"""

from __future__ import annotations

from typing import Any

from ioakit.lang import ir
from ioakit.lang.types import BoolT

from .dynastore import OPS, PCS, DynaStore
from .weak_snapshot import S_DONE, U_WRITE, WeakSnapshotAlg1

SEEDED = "SEEDED BUG (ours, not the paper's)"
"""The words that start a seeded variant's ``source`` (shown by ``ioakit list``)."""

WS = WeakSnapshotAlg1.name


class UpdateAlwaysWrites(WeakSnapshotAlg1):
    """SEEDED BUG: line 2 without the collect test — ``update_i(c)`` always writes ``Mem[i]``.

    Algorithm 1, line 2: write only if ``collect() = ∅``. Here the collect is done but its result
    ignored (the implementer takes line 2 for a warm-up read), so every update writes: a process's
    second update overwrites ``Mem[i]`` (Lemma 4.1's "at most once"), and a value seen by one scan
    can vanish from a later one."""

    name = f"{WS}-bug-always-write"
    source = f"{SEEDED}: update writes Mem[i] whatever its collect returned (Alg. 1, line 2)"

    def after_update_collect(self, s: Any, p: Any, C: Any) -> None:
        """Line 2 without its test: always go on to line 3."""
        s.phase[p] = U_WRITE


class ScanOneCollect(WeakSnapshotAlg1):
    """SEEDED BUG: ``scan_i()`` returns its first collect (lines 8–9 dropped).

    Algorithm 1, lines 7–10: collect, return ∅ if empty, else collect *again* and return that.
    Here the first collect is returned as is (the second collect looks redundant). Two scans
    concurrent with two updates can then return disjoint non-empty sets (PR4)."""

    name = f"{WS}-bug-one-collect"
    source = f"{SEEDED}: scan returns its first collect (Alg. 1, lines 8-9 dropped)"

    def after_first_collect(self, s: Any, p: Any, C: Any, empty: Any) -> None:
        """Line 7 then line 10: return the first collect's C."""
        s.result[p] = C
        s.phase[p] = S_DONE


class CollectMajority(WeakSnapshotAlg1):
    """SEEDED BUG: ``collect()`` reads only the registers of a majority of P (line 13).

    Algorithm 1, line 13: for each p_k ∈ P. Here the loop stops after ⌊n/2⌋+1 registers — the
    implementer transfers ABD's "a majority suffices" from the register emulation to the collect.
    An update written by p_n is then invisible to every scan (PR2)."""

    name = f"{WS}-bug-collect-majority"
    source = f"{SEEDED}: collect reads Mem[k] of a majority of P only (Alg. 1, line 13)"

    def last_register(self) -> int:
        return self._n // 2


class UpdateSkipsOwn(WeakSnapshotAlg1):
    """SEEDED BUG: ``collect()`` does not read the caller's own register ``Mem[i]`` (line 14).

    Algorithm 1, lines 13–14: for each p_k ∈ P, *including p_i*, ``Mem[k].Read()``. Here p_i skips
    its own register (the implementer thinks p_i knows what it wrote; after a crash or a restart it
    does not, and the code never remembered it). A process's second update then finds ∅ when the
    others' registers are empty and writes ``Mem[i]`` again (Lemma 4.1)."""

    name = f"{WS}-bug-skip-own"
    source = f"{SEEDED}: collect skips the caller's own register Mem[i] (Alg. 1, lines 13-14)"

    def register_read(self, s: Any, p: Any) -> Any:
        """Line 14, with ⊥ for Mem[i] itself."""
        own = ir.Or(*[(s.k[p] == kk) & (p == q) for kk, q in enumerate(self._processes())])
        return ir.ite(own, ir.const(s.mem[p].type, -1), super().register_read(s, p))


class CollectNoTest(WeakSnapshotAlg1):
    """SEEDED BUG: line 15 without its test — ``C ← C ∪ {c}`` whatever c is.

    Algorithm 1, line 15: add c only if ``c ≠ ⊥``. The scanned paper prints "if c = ⊥" (the ≠ was
    lost); an implementer who finds that test absurd and drops it adds ⊥ too. A collect is then
    never empty: no update ever writes, and scans return {⊥}, a value nobody updated (PR1)."""

    name = f"{WS}-bug-no-bottom-test"
    source = f"{SEEDED}: collect adds c to C even when c = ⊥ (Alg. 1, line 15 without its test)"

    def keeps(self, c: Any) -> Any:
        """Line 15 without ``if c ≠ ⊥``."""
        return ir.const(BoolT(), True)


# -- Algorithms 2-3: DynaStore ---------------------------------------------------------------------

DS = DynaStore.name


class NoHalt(DynaStore):
    """SEEDED BUG: line 52 missing — a process that finds itself removed does not halt.

    Algorithm 2, line 52: ``if i ∉ w.members then halt_i``. Here the test is dropped (the
    implementer reads the OCR's "if i ∈ w.members then halt", finds it absurd, and deletes it): a
    removed process keeps traversing and updates ws(w) of a view it is not a member of, which the
    weak snapshot of w.members does not allow (Lemma 5.3's setting, DS2)."""

    name = f"{DS}-bug-no-halt"
    source = f"{SEEDED}: a removed process does not halt (Alg. 2, line 52)"

    def halts(self, s: Any, p: Any, w: Any) -> Any:
        return ir.const(BoolT(), False)


class SkipUpdate(DynaStore):
    """SEEDED BUG: lines 53–54 skipped — Traverse never installs the edge w → desiredView.

    Algorithm 2, lines 53–54: if ``w ≠ desiredView`` then ``update_i(w, desiredView \\ w)``. Here
    the update is left out (the implementer "optimises" away a write whose effect a scan already
    shows, C.47's trap): a reconfig then ends its traversal at Init with a desiredView that no weak
    snapshot records, so Front ≠ {desiredView} when the loop exits (Lemma 5.6)."""

    name = f"{DS}-bug-skip-update"
    source = f"{SEEDED}: Traverse does not update ws(w) when w ≠ desiredView (Alg. 2, lines 53-54)"

    def needs_update(self, s: Any, p: Any, w: Any) -> Any:
        return ir.const(BoolT(), False)


class ReplicaNoStore(DynaStore):
    """SEEDED BUG: line 85 missing — a replica acknowledges a write request without storing it.

    Algorithm 3, lines 84–86: on ⟨REQ, W, num, v, ts⟩, ``if ts > ts_i then (v_i, ts_i) ← (v, ts)``,
    then REPLY. Here the REPLY is sent but nothing is stored (the implementer treats the write
    phase as a round of acknowledgements), so a read after a completed write returns ⊥."""

    name = f"{DS}-bug-replica-no-store"
    source = f"{SEEDED}: a REQ-W is acknowledged without storing (v, ts) (Alg. 3, line 85)"

    def store(self, s: Any, i: Any, m: Any) -> None:
        """Line 85 left out."""


class SameTimestamp(DynaStore):
    """SEEDED BUG: line 40 without the increment — the new timestamp is ``(tsmax_i.num, i)``.

    Algorithm 2, line 40: ``tsmax_i ← (tsmax_i.num + 1, i)``. Here the num is not incremented (the
    process id is taken to make it unique). A write by p_1 after a completed write by p_2 gets
    (num, p1) < (num, p2): replicas keep the older value (line 85) and a later read returns it."""

    name = f"{DS}-bug-same-timestamp"
    source = f"{SEEDED}: a write's timestamp is (tsmax.num, i), not (tsmax.num + 1, i) (Alg. 2, line 40)"

    def new_timestamp(self, s: Any, p: Any) -> Any:
        return ir.record(self._TS, s.tsmax[p].num, p)


class ReadNoWriteBack(DynaStore):
    """SEEDED BUG: a read skips WriteInView's ContactQ (line 42) — no write-back.

    Algorithm 2, line 63 → lines 39–43: every operation, reads included, writes (vmax_i, tsmax_i)
    to a majority of the view before its final scan. Here a read goes straight to the scan of line
    43 (the implementer keeps ABD's write-back only for writes), so a read can return a value that
    a majority does not hold yet, and a later read can miss it (new-old inversion)."""

    name = f"{DS}-bug-no-write-back"
    source = f"{SEEDED}: a read does not write back before returning (Alg. 2, line 42 skipped for reads)"

    def write_in_view(self, s: Any, p: Any, w: Any) -> None:
        is_read = s.op[p] == OPS["read"]
        with s.when(is_read):
            self.start_collect(s, p, PCS["wiv_scan1"])
        with s.when(~is_read):
            super().write_in_view(s, p, w)


class PickNotCleared(DynaStore):
    """SEEDED BUG: line 40 does not clear pickNewTS_i.

    Algorithm 2, line 40 sets ``pickNewTS_i ← FALSE`` with the new timestamp, so that a write picks
    its timestamp once, even when its traversal runs WriteInView again (a concurrent reconfig) or
    restarts. Here the flag stays TRUE: each WriteInView of the write picks a fresh timestamp."""

    name = f"{DS}-bug-pick-not-cleared"
    source = f"{SEEDED}: line 40 does not set pickNewTS_i to FALSE (Alg. 2, line 40)"

    def pick_after(self, s: Any, p: Any) -> Any:
        return s.pick[p]


class VmaxStartsAtAValue(DynaStore):
    """SEEDED BUG: line 4's ``vmax_i`` starts at a value, not ⊥.

    Algorithm 2, line 4: ``vmax_i ∈ V ∪ {⊥}, initially ⊥``. Here it starts at v1 (a language's
    zero value for the value type, the implementer never writing the ⊥ case), with tsmax_i still
    (0, ⊥): a read whose ContactQ finds nothing newer returns v1, which nobody wrote."""

    name = f"{DS}-bug-vmax-start"
    source = f"{SEEDED}: vmax_i starts at v1, not ⊥ (Alg. 2, line 4)"

    def vmax_start(self) -> int:
        return 0


class AdoptAnyView(DynaStore):
    """SEEDED BUG: line 93 tests ``curView_i ≠ w`` instead of ``curView_i ⊂ w``.

    Algorithm 3, line 93: adopt a notified view only if it strictly contains curView_i. Here any
    other view is adopted ("a view I do not have is news"): a late NOTIFY of an older view takes
    p_i back to it, and curView_i shrinks."""

    name = f"{DS}-bug-adopt-any-view"
    source = f"{SEEDED}: NOTIFY adopts any other view, not only a larger one (Alg. 3, line 93)"

    def newer(self, s: Any, i: Any, w: Any) -> Any:
        return s.cur[i] != w


class UpdateWholeView(DynaStore):
    """SEEDED BUG: line 54 proposes ``desiredView`` itself, not ``desiredView \\ w``.

    Algorithm 2, line 54: ``update_i(w, desiredView \\ w)``: an edge's label is what it adds to w.
    Here the whole desired view is proposed (the traversal still reaches w ∪ c = desiredView, so
    nothing else changes), and the proposal overlaps w (Lemma 5.3: c ∩ w = ∅)."""

    name = f"{DS}-bug-update-whole-view"
    source = f"{SEEDED}: line 54 updates ws(w) with desiredView, not desiredView minus w (Alg. 2, line 54)"

    def update_value(self, s: Any, p: Any, w: Any) -> Any:
        return s.desired[p]


class NoForward(DynaStore):
    """SEEDED BUG: line 92 missing — a NOTIFY is not forwarded.

    Algorithm 3, line 92: on the first ⟨NOTIFY, w⟩, send it on to w.members. Here it is only read
    (the implementer takes the sender's own broadcast at line 29 for enough). NotifyQ's wait
    (line 31) needs ⟨NOTIFY, w⟩ from a majority of w.members, and every member but the sender
    only heard from the sender: with two members the wait never ends, and no operation
    completes (Definition 3.2's conclusion (2)). Safety is untouched: only liveness catches it."""

    name = f"{DS}-bug-no-forward"
    source = f"{SEEDED}: a NOTIFY is not forwarded to w.members (Alg. 3, line 92)"

    def forward_notify(self, s: Any, i: Any, w: Any) -> None:
        return


class NoEnable(DynaStore):
    """SEEDED BUG: line 96 missing — an added process never enables operations.

    Algorithm 3, line 96: a process that adopts a view whose join contains it enables operations.
    Here it adopts the view and serves REQs, but never enables its own operations (the implementer
    leaves enabling to a later "join complete" message that nothing sends): Definition 3.2's
    conclusion (1) fails once the reconfig adding it completes."""

    name = f"{DS}-bug-no-enable"
    source = f"{SEEDED}: an added process never gets enable operations (Alg. 3, line 96)"

    def enable_due(self, s: Any, i: Any) -> None:
        return


STORE_BUGS = (
    NoHalt,
    SkipUpdate,
    ReplicaNoStore,
    SameTimestamp,
    ReadNoWriteBack,
    PickNotCleared,
    VmaxStartsAtAValue,
    AdoptAnyView,
    UpdateWholeView,
    NoForward,
    NoEnable,
)

SNAPSHOT_BUGS = (UpdateAlwaysWrites, ScanOneCollect, CollectMajority, UpdateSkipsOwn, CollectNoTest)
SEEDED_BUGS = (*SNAPSHOT_BUGS, *STORE_BUGS)
BASE_OF = {cls.name: WS for cls in SNAPSHOT_BUGS} | {cls.name: DS for cls in STORE_BUGS}
"""Seeded variant name → the machine it changes (whose properties it is checked with)."""
