"""The round-based register of *Deconstructing Paxos* (Section 3.1) as a history automaton.

Source: R. Boichat, P. Dutta, S. Frølund, R. Guerraoui, *Deconstructing Paxos*, Section 3.1
(the operations ``read(k)`` and ``write(k, v)``, their ``commit``/``abort`` outcomes, and the four
properties Read-write-abort, Read-write-commit, Read-commit, Write-commit; footnotes 8, 10, 11;
Figure 1).

The automaton is the most permissive one whose traces satisfy the three *prefix-closed*
properties: each response is enabled exactly when the property it would otherwise break still
holds. Its state is a set of finite history variables of the invocations and responses so far
(what the properties quantify over), not a register value: footnote 10 (an aborted write may be
read later) rules out any simpler "current value" state.

Write-commit ("if write(k, v) commits and no subsequent write(k', ·) is invoked with k' ≥ k,
then any read(k'') that commits, commits with v if k'' > k") speaks of the rest of the run, so
it is not a guard here: a response cannot know whether a later write will be invoked. It is
checked over whole recorded histories by a separate checker. Consequently this automaton's traces
are the histories whose every prefix satisfies Read-write-abort, Read-write-commit and
Read-commit — a superset of the round-based register's histories.
"""

from __future__ import annotations

from typing import Any

from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, input, output
from ioakit.lang.ir import BOT, ite, record, some
from ioakit.lang.types import BoolT, Domain, EnumT, MapT, OptionT, RecordT

from .environment import WellFormedClients
from .signature import ABORT, COMMIT, CRASHES, MAX_OPS, PROCESSES, ROUNDS, VALUES, declare_common

OP_KIND = Domain("OpKind", ("read", "write"))
READ, WRITE = ir.const(EnumT(OP_KIND), 0), ir.const(EnumT(OP_KIND), 1)
"""The kinds of a pending operation, as constant terms."""


def _max(a: Any, b: Any) -> Any:
    return ite(a > b, a, b)


class RoundBasedRegister(WellFormedClients):
    """Round-based register (Deconstructing Paxos, Section 3.1) as a history automaton.

    State (history variables, all finite at a scope):

    * ``pending[p]`` — p's pending operation, or ⊥: ``kind`` (read / write), round ``k``, value
      ``v`` (⊥ for a read) and ``maxc_at_inv``, the highest round of an operation that had
      *committed* (returned commit) before this one was invoked, 0 if none;
    * ``up[p]`` — p has not crashed (Section 2.1);
    * ``max_invoked`` — the highest round of any operation invoked so far (0 if none);
    * ``max_committed`` — the highest round of a committed operation (0 if none);
    * ``minw[v]`` — the least round of an invoked ``write(·, v)``, ⊥ if none.

    Responses of a pending operation o (the properties as guards, "invoked" read as "invoked
    before this response" so that each is a prefix-closed safety property):

    * abort iff ``max_invoked > o.k`` (Read-write-abort);
    * commit iff ``o.maxc_at_inv ≤ o.k`` (Read-write-commit: no operation that committed before
      o was invoked — footnote 8, "subsequent" = invoked after the other returned — has a higher
      round; equal rounds are allowed) and, for a read committing with ``v ≠ ⊥``, ``minw[v] ≤ o.k``
      (Read-commit).

    A read that aborts returns any value of V ∪ {⊥}: the paper constrains only committed reads,
    and Figure 5 (line 9) returns an unbound ``v`` on abort. Write-commit is not a guard (see the
    module docstring). Different processes may use the same round (footnote 11).

    Ill-formed invocations (at a crashed process, or while p has a pending operation) are outside
    the paper's model; the automaton ignores them (inputs stay enabled), and the environment
    (``WellFormedClients``) never issues them.

    Scope: ``processes``, ``values``, ``rounds``; the environment invokes at most ``max_ops``
    operations (``read``/``write``) and causes at most ``crashes`` crash events, counted
    separately in the hidden ``ops_invoked`` and ``crashes_caused``.
    """

    name = "round-based-register"
    source = "Deconstructing Paxos, Section 3.1"
    parameters = (PROCESSES, VALUES, ROUNDS, MAX_OPS, CRASHES)

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        declare_common(d, sc)
        P, V = EnumT(d.domains["P"]), EnumT(d.domains["V"])
        d.domain(OP_KIND)
        op = d.type(
            "Op",
            RecordT(
                "Op",
                (
                    ("kind", EnumT(OP_KIND)),
                    ("k", d.types["K"]),
                    ("v", d.types["Vb"]),
                    ("maxc_at_inv", d.types["K0"]),
                ),
            ),
        )
        pending = MapT((P,), OptionT(op))
        d.var("pending", pending)
        up = MapT((P,), BoolT())
        d.var("up", up, up.const(True))
        d.var("max_invoked", d.types["K0"], 0)
        d.var("max_committed", d.types["K0"], 0)
        d.var("minw", MapT((V,), OptionT(d.types["K"])))
        self.declare_environment(d, sc)
        return d

    def _invoke(self, s: Any, p: Any, kind: ir.Term, k: Any, v: Any) -> None:
        """Record an invocation by p (ignored if p is crashed or busy: see the class docstring)."""
        with s.when(ir.And(s.up[p], s.pending[p] == BOT)):
            op_type = s.pending[p].type.elem  # the record type Op
            s.pending[p] = some(record(op_type, kind, k, v, s.max_committed))
            s.max_invoked = _max(s.max_invoked, k)

    @input(p="P", k="K", at="p")
    def read(self, s: Any, p: Any, k: Any) -> None:
        """Input read(k) at p. Eff: if p is up and idle, p's pending operation is read(k)."""
        self.client_invokes(s, p)
        self._invoke(s, p, READ, k, BOT)

    @input(p="P", k="K", v="V", at="p")
    def write(self, s: Any, p: Any, k: Any, v: Any) -> None:
        """Input write(k, v) at p. Eff: if p is up and idle, p's pending operation is write(k, v);
        minw[v] ← min(minw[v], k)."""
        self.client_invokes(s, p)
        with s.when(ir.And(s.up[p], s.pending[p] == BOT)):
            w = s.minw[v]
            s.minw[v] = ite(ir.Or(w == BOT, w.get() > k), some(k), w)
        self._invoke(s, p, WRITE, k, v)

    @output(p="P", status="Status", v="Vb", at="p")
    def read_return(self, s: Any, p: Any, status: Any, v: Any) -> None:
        """Output read returns (status, v) at p. Pre: p's pending operation o is a read; abort iff
        max_invoked > o.k (any v); commit iff o.maxc_at_inv ≤ o.k and (v = ⊥ or minw[v] ≤ o.k).
        Eff: no pending operation at p; on commit, max_committed ← max(max_committed, o.k)."""
        o = s.pending[p]
        s.require(o != BOT)
        op = o.get()
        s.require(op.kind == READ)
        self._respond(s, p, status, op)
        if status.value == COMMIT.value:
            w = s.minw[v]
            s.require(ir.Or(v == BOT, ir.And(w != BOT, w.get() <= op.k)))

    @output(p="P", status="Status", at="p")
    def write_return(self, s: Any, p: Any, status: Any) -> None:
        """Output write returns status at p. Pre: p's pending operation o is a write; abort iff
        max_invoked > o.k; commit iff o.maxc_at_inv ≤ o.k. Eff: as read_return."""
        o = s.pending[p]
        s.require(o != BOT)
        op = o.get()
        s.require(op.kind == WRITE)
        self._respond(s, p, status, op)

    @staticmethod
    def _respond(s: Any, p: Any, status: Any, op: Any) -> None:
        """Read-write-abort / Read-write-commit for the response ``status`` of ``op`` at p."""
        if status.value == ABORT.value:
            s.require(s.max_invoked > op.k)
        else:
            s.require(op.maxc_at_inv <= op.k)
            s.max_committed = _max(s.max_committed, op.k)
        s.pending[p] = BOT

    @input(p="P", at="p")
    def crash(self, s: Any, p: Any) -> None:
        """Input crash at p (Section 2.1). Eff: p is down; its pending operation, if any, never
        returns (its invocation stays in the history variables)."""
        self.environment_crashes(s)
        s.up[p] = False
        s.pending[p] = BOT
