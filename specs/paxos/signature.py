"""The external signature shared by the Deconstructing Paxos specifications and implementations.

Source: R. Boichat, P. Dutta, S. Frølund, R. Guerraoui, *Deconstructing Paxos* (ACM SIGACT News
34(1), 2003; EPFL TR IC/2001/76), Section 3 (the abstractions' operations) and Section 2.1
(processes crash and, in Section 5, recover).

A specification automaton (``specs/paxos/``) and an algorithm of the paper (``impl/paxos/``) that
implements it declare their domains and external actions through this module, so that trace
inclusion (``ioakit compare`` / ``ioakit refine``) compares like with like, and so that recorded
histories (``traces/FORMAT.md``, "Deconstructing Paxos histories") read the same from both.

* ``P`` — the processes ``p1 … pn`` (scope parameter ``processes``), Section 2.1's Π.
* ``V`` — the register / proposal values ``v1 … vm`` (``values``); the register's initial value
  ⊥ ∈ V (Section 3.1) is the enum's ⊥ (JSON ``null``). An operation writes or proposes a proper
  value (the environment never writes ⊥: the paper's examples never do, and Read-commit speaks
  of reads returning ``v ≠ ⊥``).
* ``K`` — round numbers ``1 … rounds`` the environment may use (``rounds``); ``K0`` adds 0, the
  initial ``read_i``/``write_i`` of Figure 5, lines 2–3.
* ``Status`` — ``commit`` / ``abort`` (the paper's glyphs decode to these words; Section 3.1).

External actions (their names are the trace contract; a history writes ``read_return`` as
``read-return``):

=====================  ======  ===============================================
``read(p, k)``         input   p invokes ``read(k)``
``write(p, k, v)``     input   p invokes ``write(k, v)``
``read_return(p, status, v)``   output  ``read`` returns ``(status, v)``
``write_return(p, status)``     output  ``write`` returns ``status``
``propose(p, k, v)``   input   p invokes ``propose(k, v)`` (Section 3.2)
``propose_return(p, status, v)`` output ``propose`` returns ``(status, v)``
``leader(p)``          input   p invokes ``leader()`` (Section 3.3)
``leader_return(p, l)`` output ``leader()`` returns l
``crash(p)``           input   p crashes (Section 2.1)
``recover(p)``         input   p recovers (crash-recovery models only)
=====================  ======  ===============================================
"""

from __future__ import annotations

from typing import Any

from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, ScopeParam
from ioakit.lang.types import Domain, EnumT, IntT

# The max= below keep a mistyped scope from taking minutes and gigabytes before a word is said
# (Figure 5 traced: processes=12 in 8 s and 0.7 GB, max_ops=30 in 15 s and 0.75 GB, max_ops=100 in
# 35 s and 2.5 GB); the largest scopes used anywhere are processes=5, rounds=6, max_ops=20.
PROCESSES = ScopeParam("processes", 3, "number of processes n (p1, p2, ...)", min=1, max=10)
VALUES = ScopeParam(
    "values", 2, "number of proper values v1, v2, ... (⊥ is the register's initial value)", min=1, max=20
)
ROUNDS = ScopeParam("rounds", 3, "round numbers 1..rounds that the environment may use", min=1, max=20)
MAX_OPS = ScopeParam("max_ops", 3, "operations the environment invokes, in total", min=0, max=30)
CRASHES = ScopeParam("crashes", 1, "crash events the environment may cause, in total", min=0, max=20)

STATUS = Domain("Status", ("commit", "abort"))
COMMIT, ABORT = ir.const(EnumT(STATUS), 0), ir.const(EnumT(STATUS), 1)
"""``commit`` and ``abort`` as terms (their concrete values are 0 and 1)."""

HISTORY_NAMES = {
    "read_return": "read-return",
    "write_return": "write-return",
    "propose_return": "propose-return",
    "leader_return": "leader-return",
}
"""Action family name → its name in a recorded history (the issue's trace contract)."""


HISTORY_ACTIONS = {
    "round-based-register": frozenset({"read", "write", "read_return", "write_return", "crash", "recover"}),
    "round-based-consensus": frozenset({"propose", "propose_return", "crash", "recover"}),
    "weak-leader-election": frozenset({"leader", "leader_return", "crash", "recover", "stabilize"}),
}
"""The actions a history of each abstraction records (``traces/FORMAT.md``, Deconstructing Paxos
histories); an implementation's other actions (messages, Ω's outputs) are not part of it."""


def history_events(events: Any, automaton: str | None = None) -> list[Any]:
    """The events of an execution (``Execution.events()`` dictionaries) that belong to a history
    of ``automaton`` (by default: of any of the three), as trace ``Event``s with the history's
    action names (``read-return``)."""
    from ioakit.traces import Event

    keep = HISTORY_ACTIONS[automaton] if automaton else frozenset().union(*HISTORY_ACTIONS.values())
    return [
        Event(HISTORY_NAMES.get(e["action"], e["action"]), e["kind"], e["args"])  # the contract: no "at"
        for e in events
        if e["action"] in keep
    ]


def declare_common(d: Decl, sc: Scope) -> None:
    """Declare ``P``, ``V`` (with ⊥: ``Vb``), ``K``, ``K0`` and ``Status`` in ``d``."""
    d.domain(Domain.numbered("P", sc["processes"], "p"))
    V = d.domain(Domain.numbered("V", sc["values"], "v"))
    d.type("Vb", EnumT(V, bottom=True))
    d.type("K", IntT(1, sc["rounds"]))
    d.type("K0", IntT(0, sc["rounds"]))
    d.domain(STATUS)


def majority(n: int) -> int:
    """⌈(n+1)/2⌉, the quorum size of Figure 5, lines 7 and 15 (2 of 3, 3 of 4, 3 of 5)."""
    return n // 2 + 1
