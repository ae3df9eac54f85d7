"""Boichat, Dutta, Frølund, Guerraoui: *Deconstructing Paxos* (ACM SIGACT News 34(1), 2003; EPFL
TR IC/2001/76) — the paper's bundle.

What ioakit ships for it, and where (part 1: Sections 3.1–3.3 and 4.1–4.3):

* the shared signature (``signature.py``): processes, values, rounds, the external actions;
* specifications (here): the round-based register (Section 3.1, ``register_spec.py``:
  ``round-based-register``) and round-based consensus (Section 3.2, ``consensus_spec.py``:
  ``round-based-consensus``) as history automata, driven by well-formed clients
  (``environment.py``), and their properties over recorded histories (``traces/paxos/``);
* the paper's algorithms (``impl/paxos/``) on the message-passing substrate (``impl/net/``).
"""

from __future__ import annotations

from typing import Any

from ioakit.registry import Paper, TraceCheck


def _check_register(header: Any, events: Any) -> Any:
    from ioakit.traces.paxos.histories import check_register_history

    return check_register_history(events, scope=header.scope)


def _check_consensus(header: Any, events: Any) -> Any:
    from ioakit.traces.paxos.histories import check_consensus_history

    return check_consensus_history(events, scope=header.scope)


def _check_leader(header: Any, events: Any) -> Any:
    from ioakit.traces.paxos.histories import check_leader_history

    return check_leader_history(events, scope=header.scope)


def _history_properties(table: str) -> Any:
    """The abstraction's properties as history variables of an implementation (``monitors.py``)."""

    def trace(m: Any) -> list[Any]:
        from . import monitors

        return monitors.properties(m, getattr(monitors, table))

    return trace


from ioakit.impl.paxos.bugs import BASE_OF, SEEDED_BUGS  # noqa: E402
from ioakit.impl.paxos.consensus import Fig6Consensus, Fig6ConsensusSharedRounds  # noqa: E402
from ioakit.impl.paxos.leader import Fig7LeaderElection, Fig7LeaderElectionSingle, eventual_leader_property  # noqa: E402
from ioakit.impl.paxos.register import Fig5Register  # noqa: E402

from .consensus_spec import RoundBasedConsensus  # noqa: E402
from .register_spec import RoundBasedRegister  # noqa: E402

_PROPERTIES: dict[str, Any] = {
    Fig5Register.name: _history_properties("REGISTER_PROPERTIES"),
    Fig6Consensus.name: _history_properties("CONSENSUS_PROPERTIES"),
    Fig6ConsensusSharedRounds.name: _history_properties("CONSENSUS_PROPERTIES"),
    Fig7LeaderElection.name: eventual_leader_property,
    Fig7LeaderElectionSingle.name: eventual_leader_property,
}
_PROPERTIES |= {bug: _PROPERTIES[base] for bug, base in BASE_OF.items()}
"""Default properties; a seeded bug (``impl/paxos/bugs.py``) is checked with its base machine's."""

PAPER = Paper(
    key="paxos",
    title="Deconstructing Paxos",
    citation="R. Boichat, P. Dutta, S. Frølund, R. Guerraoui. Deconstructing Paxos. ACM SIGACT News 34(1), 2003",
    machines=(
        RoundBasedRegister,
        RoundBasedConsensus,
        Fig5Register,
        Fig6Consensus,
        Fig6ConsensusSharedRounds,
        Fig7LeaderElection,
        Fig7LeaderElectionSingle,
        *SEEDED_BUGS,
    ),
    properties=_PROPERTIES,
    trace_checks=(
        TraceCheck(
            ("round-based-register",),
            "Section 3.1: Read-write-abort, Read-write-commit, Read-commit, Write-commit "
            "(Write-commit over the whole recorded run)",
            _check_register,
        ),
        TraceCheck(
            ("round-based-consensus",),
            "Section 3.2: Validity, Agreement, Termination (1) and (2); round-number uniqueness "
            "(Section 4.2) reported as an assumption",
            _check_consensus,
        ),
        TraceCheck(
            ("weak-leader-election",),
            "Section 3.3: some process is an eventual perpetual leader, judged after the run's last stabilize marker",
            _check_leader,
        ),
    ),
)

__all__ = ["BASE_OF", "PAPER", "SEEDED_BUGS", "RoundBasedConsensus", "RoundBasedRegister"]
