"""The round-based register's and round-based consensus's properties as history variables, so that
the explorer checks them on every execution of an implementation (exhaustively, at a scope).

Source: *Deconstructing Paxos* (Boichat, Dutta, Frølund, Guerraoui), Section 3.1 (Read-write-abort,
Read-write-commit, Read-commit, Write-commit) and Section 3.2 (Validity, Agreement, Termination);
footnote 8 defines "subsequent": o' is subsequent to o iff o' is invoked after o returned.

Each property is a boolean history variable ``bad_<name>`` set by the step that violates it, so
the property "never bad" is a state invariant and the explorer's shortest counterexample is the
shortest execution whose history violates the property. The variables are added by a model when
its scope has ``history=1`` (the default), through the hooks ``invoked``/``returned``.

Properties that refer to the rest of a run. Write-commit's premise ("no subsequent write(k', *)
is invoked with k' ≥ k") speaks of the whole run. An implementation's runs are closed under
prefixes (its environment may stop invoking at any point), so *some finite run violates
Write-commit* iff *some reachable prefix violates it when evaluated as a whole run*: a prefix
where a write committed, no later-invoked write of a round ≥ its round exists (yet), and a read
of a higher round committed with another value. That is what ``bad_write_commit`` records: each
finite execution is judged as a whole recorded run, and one violating run suffices.

The paper's Write-commit as printed is checked (``write_commit``), and beside it the named variant
``write_commit_no_other`` ("no *other* write(k', *) with k' ≥ k is invoked", without "subsequent"):
the printed one is violated by Figure 5 when the overwriting write is concurrent with the
committed one or precedes it (see ``docs/paxos.md``); Lemma 5's proof reasons as if no other
write existed at all.
"""

from __future__ import annotations

from typing import Any

from ioakit.engines.explore import Property
from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Machine, Scope, ScopeParam
from ioakit.lang.types import BoolT, EnumT, IntT, MapT, SetT, TupleT

HISTORY = ScopeParam("history", 1, "1: keep history variables that check the abstraction's properties; 0: do not", 0, 1)

REGISTER_PROPERTIES = (
    (
        "read_write_abort",
        "Section 3.1, Read-write-abort (Lemma 2)",
        "an aborted read(k)/write(k, ·) has a higher-round operation invoked before it returned",
    ),
    (
        "read_write_commit",
        "Section 3.1, Read-write-commit (Lemma 3)",
        "no operation subsequent to a committed one of round k commits with a lower round",
    ),
    (
        "read_commit",
        "Section 3.1, Read-commit (Lemma 4)",
        "a read(k) committing with v ≠ ⊥ has a write(k', v), k' ≤ k, invoked before it returned",
    ),
    (
        "write_commit",
        "Section 3.1, Write-commit as printed (Lemma 5), each execution judged as a whole run",
        "a committed write(k, v) with no subsequent write of a round ≥ k: committed reads of higher rounds return v",
    ),
    (
        "write_commit_no_other",
        "Section 3.1, Write-commit without 'subsequent' (our variant), each execution judged as a whole run",
        "a committed write(k, v) with no other write of a round ≥ k: every committed read of a higher round returns v",
    ),
)

CONSENSUS_PROPERTIES = (
    ("validity", "Section 3.2, Validity (Lemma 8)", "a decided value was proposed (before the decision)"),
    ("agreement", "Section 3.2, Agreement (Lemma 9)", "no two decisions differ (uniform: every process, every round)"),
    (
        "termination_abort",
        "Section 3.2, Termination, first part (Lemma 10)",
        "an abort of round k has a proposal of a round k' > k invoked before it returned",
    ),
    (
        "termination_commit",
        "Section 3.2, Termination, second part (Lemma 10)",
        "no propose subsequent to a commit of round k commits a round k' < k",
    ),
)


def _flags(d: Decl, names: Any) -> None:
    for name, _, _ in names:
        d.var(f"bad_{name}", BoolT(), False)


def properties(m: Machine, table: Any) -> list[Property]:
    """The history properties of ``table`` (register or consensus) as explorer properties."""
    if not m.scope.as_dict().get("history", 0):
        return []
    return [
        Property(name, m.predicate(lambda s, n=name: ~getattr(s, f"bad_{n}")), ref, text) for name, ref, text in table
    ]


class RegisterMonitor:
    """History variables of a round-based register (Section 3.1) and their updates."""

    def declare(self, d: Decl, sc: Scope) -> None:
        P, V, Vb = d.types["P"], d.types["V"], d.types["Vb"]
        R = sc["rounds"]
        K, K0 = IntT(1, R), IntT(0, R)
        d.var("h_maxinv", K0, 0)  # the highest round invoked so far (Read-write-abort)
        d.var("h_maxc", K0, 0)  # the highest round committed so far (Read-write-commit)
        d.var("h_maxc_at_inv", MapT((P,), K0), (0,) * len(d.domains["P"]))  # h_maxc when p's op was invoked
        d.var("h_kind", MapT((P,), BoolT()), (False,) * len(d.domains["P"]))  # p's pending op is a write
        d.var("h_k", MapT((P,), K0), (0,) * len(d.domains["P"]))
        d.var("h_v", MapT((P,), Vb), (-1,) * len(d.domains["P"]))
        d.var("h_minw", MapT((V,), IntT(0, R + 1)), (R + 1,) * len(d.domains["V"]))  # least round of a write of v
        d.var("h_wcount", MapT((K,), IntT(0, 2)), (0,) * R)  # writes invoked per round (2 = two or more)
        d.var("h_live", SetT(TupleT(K, Vb)))  # committed writes with no subsequent write of a round ≥ theirs
        d.var("h_alone", SetT(TupleT(K, Vb)))  # committed writes with no other write of a round ≥ theirs
        d.var("h_reads", SetT(TupleT(K, Vb)))  # committed reads (round, value)
        _flags(d, REGISTER_PROPERTIES)
        self._R = R
        self._K = K
        self._Vb = EnumT(d.domains["V"], bottom=True)

    def invoked(self, s: Any, p: Any, is_write: bool, k: Any, v: Any = None) -> None:
        s.h_maxinv = ir.ite(k > s.h_maxinv, k, s.h_maxinv)
        s.h_maxc_at_inv[p] = s.h_maxc
        s.h_kind[p] = is_write
        s.h_k[p] = k
        s.h_v[p] = ir.const(s.h_v[p].type, -1) if v is None else v
        if is_write:
            s.h_minw[v] = ir.ite(k < s.h_minw[v], k, s.h_minw[v])
            s.h_wcount[k] = ir.ite(s.h_wcount[k] < 2, s.h_wcount[k] + 1, 2)
            # the new write is subsequent to every committed one and other than each
            s.h_live = ir.setof(s.h_live, lambda w: w, where=lambda w: w[0] > k, typ=s.h_live.type)
            s.h_alone = ir.setof(s.h_alone, lambda w: w, where=lambda w: w[0] > k, typ=s.h_alone.type)

    def returned(self, s: Any, p: Any, commit: Any, v: Any = None) -> None:
        """p's pending operation returns (``commit``: a boolean term; ``v``: a read's value)."""
        k, is_write = s.h_k[p], s.h_kind[p]
        with s.when(~commit):
            s.bad_read_write_abort = s.bad_read_write_abort | ~(s.h_maxinv > k)
        with s.when(commit):
            s.bad_read_write_commit = s.bad_read_write_commit | (s.h_maxc_at_inv[p] > k)
            s.h_maxc = ir.ite(k > s.h_maxc, k, s.h_maxc)
        wk = ir.record(TupleT(self._K, self._Vb), k, s.h_v[p])
        with s.when(commit & is_write):
            s.h_live = s.h_live.add(wk)
            # another write of round k (this one is counted once), or a write of a higher round
            other = ir.Or(
                s.h_wcount[k] >= 2,
                *[(k < kk) & (s.h_wcount[ir.const(self._K, kk)] > 0) for kk in range(1, self._R + 1)],
            )
            with s.when(~other):
                s.h_alone = s.h_alone.add(wk)
        if v is not None:
            rv = ir.lift(v, s.h_v[p].type)
            with s.when(commit & ~is_write):
                s.bad_read_commit = s.bad_read_commit | ((rv != ir.const(rv.type, -1)) & ~(s.h_minw[rv] <= k))
                s.h_reads = s.h_reads.add(ir.record(TupleT(self._K, rv.type), k, rv))
        s.bad_write_commit = s.bad_write_commit | self._wc_broken(s, s.h_live)
        s.bad_write_commit_no_other = s.bad_write_commit_no_other | self._wc_broken(s, s.h_alone)

    def _wc_broken(self, s: Any, writes: Any) -> Any:
        return ir.exists(
            writes,
            lambda w: ir.exists(s.h_reads, lambda r: (r[0] > w[0]) & (r[1] != w[1])),
        )


class ConsensusMonitor:
    """History variables of a round-based consensus (Section 3.2) and their updates."""

    def declare(self, d: Decl, sc: Scope) -> None:
        P, V, Vb = d.types["P"], d.types["V"], d.types["Vb"]
        K0 = IntT(0, sc["rounds"])
        n = len(d.domains["P"])
        d.var("h_proposed", SetT(V))  # values proposed so far (Validity)
        d.var("h_decided", Vb)  # the value decided first, ⊥ before (Agreement)
        d.var("h_maxinv", K0, 0)  # the highest round proposed so far (Termination 1)
        d.var("h_maxc", K0, 0)  # the highest round committed so far (Termination 2)
        d.var("h_maxc_at_inv", MapT((P,), K0), (0,) * n)
        d.var("h_k", MapT((P,), K0), (0,) * n)
        _flags(d, CONSENSUS_PROPERTIES)

    def invoked(self, s: Any, p: Any, k: Any, v: Any) -> None:
        s.h_proposed = s.h_proposed.add(v)
        s.h_maxinv = ir.ite(k > s.h_maxinv, k, s.h_maxinv)
        s.h_maxc_at_inv[p] = s.h_maxc
        s.h_k[p] = k

    def returned(self, s: Any, p: Any, commit: Any, v: Any) -> None:
        """p's propose returns ``(commit ? commit : abort, v)``."""
        k = s.h_k[p]
        with s.when(~commit):
            s.bad_termination_abort = s.bad_termination_abort | ~(s.h_maxinv > k)
        with s.when(commit):
            s.bad_validity = s.bad_validity | ~s.h_proposed.contains(v)
            bot = ir.const(s.h_decided.type, -1)
            s.bad_agreement = s.bad_agreement | ((s.h_decided != bot) & (s.h_decided != v))
            s.h_decided = ir.ite(s.h_decided == bot, v, s.h_decided)
            s.bad_termination_commit = s.bad_termination_commit | (s.h_maxc_at_inv[p] > k)
            s.h_maxc = ir.ite(k > s.h_maxc, k, s.h_maxc)
