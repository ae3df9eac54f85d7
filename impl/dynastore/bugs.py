"""Seeded bugs in Algorithms 1–3 of DynaStore: plausible wrong implementations (ours, NOT the
paper's), to measure what catches a careless implementer's mistake.

Source: Aguilera, Keidar, Malkhi, Shraer, *Dynamic Atomic Storage Without Consensus*, Section 4
(Algorithm 1, the weak snapshot, ``impl/dynastore/weak_snapshot.py``). Each variant is a subclass
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


SEEDED_BUGS = (UpdateAlwaysWrites, ScanOneCollect, CollectMajority, UpdateSkipsOwn, CollectNoTest)
BASE_OF = {cls.name: WS for cls in (UpdateAlwaysWrites, ScanOneCollect, CollectMajority, UpdateSkipsOwn, CollectNoTest)}
"""Seeded variant name → the machine it changes (whose properties it is checked with)."""
