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

from functools import cache
from typing import Any

from ioakit.registry import Paper, TraceCheck, lazy_bundle


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


REGISTER_SCOPE = {"processes": 3, "values": 2, "rounds": 2, "max_ops": 2, "crashes": 0}
"""Figure 5's main-job scope: 3 processes (majorities of 2), rounds 1..2, 2 operations (the same
with a crash takes 46 s: a slow test, ``tests/impl/test_paxos_register.py``)."""
WC_SCOPE = {"processes": 2, "values": 2, "rounds": 3, "max_ops": 3, "crashes": 0}
"""The least scope we found where Write-commit as printed fails for Figure 5 (three operations)."""
CONSENSUS_SCOPE = {"processes": 2, "values": 2, "rounds": 3, "max_ops": 2, "crashes": 1}
"""Figure 6's main-job scope (p1 proposes rounds 1 and 3, p2 round 2)."""
LEADER_SCOPE = {"processes": 3, "max_ops": 2, "crashes": 1}


@cache
def _explored(machine: str, scope: tuple[tuple[str, int], ...]) -> Any:
    """One exploration of ``machine`` with its history properties, shared by the claims that read it."""
    from ioakit.engines.explore import Explorer
    from ioakit.registry import default_properties, get_spec

    m = get_spec(machine).build(dict(scope))
    r = Explorer(m).check(default_properties(m)).run()
    if r.interrupted:
        _explored.cache_clear()
        raise KeyboardInterrupt
    return r


def _properties_job(
    machine: str, scope: dict[str, int], names: tuple[str, ...], claim: str, *, want_violation: bool = False
) -> Any:
    """The verdict on the named history properties of one exploration. With ``want_violation`` the
    claim is that the property *fails* (the paper says so: footnote 15): OK iff it is violated."""
    import time

    from ioakit.papers import JobResult, scoped
    from ioakit.results import Verdict

    t0 = time.perf_counter()
    r = _explored(machine, tuple(sorted(scope.items())))
    picked = [x for x in r.results if x.name in names]
    bad = [x for x in picked if x.verdict is Verdict.VIOLATED]
    detail = f"{r.states:,} states, {r.transitions:,} transitions: "
    if not r.complete:
        verdict, detail = Verdict.INCOMPLETE, detail + f"INCOMPLETE: {r.reason}"
    elif bad:
        steps = min(len(x.counterexample) for x in bad if x.counterexample is not None)
        detail += f"violated: {', '.join(x.name for x in bad)} (shortest execution: {steps} steps)"
        verdict = Verdict.OK if want_violation else Verdict.VIOLATED
    else:
        detail += f"{', '.join(names)} hold"
        verdict = Verdict.VIOLATED if want_violation else Verdict.OK
    job = JobResult(f"explore {machine}", claim, verdict, detail, time.perf_counter() - t0, {"properties": names})
    return scoped(job, machine, scope)


def _claims() -> list[Any]:
    from ioakit import papers as J
    from ioakit.registry import Claim
    from ioakit.results import Verdict

    fig5, fig6 = "round-based-register-fig5", "round-based-consensus-fig6"
    reg = ("read_write_abort", "read_write_commit", "read_commit")
    no_history = {"history": 0}
    return [
        Claim(
            "Proposition 11 (Ω as printed)",
            lambda: _properties_job(
                "weak-leader-election-fig7",
                LEADER_SCOPE,
                ("eventual_perpetual_leader",),
                "Figure 7 with Ω as printed (a list always holding one correct process): eventual perpetual leader",
            ),
            expected=Verdict.VIOLATED,
            fixed_by="Proposition 11 (Ω outputs one process)",
        ),
        Claim(
            "Proposition 11 (Ω outputs one process)",
            lambda: _properties_job(
                "weak-leader-election-fig7-single",
                LEADER_SCOPE,
                ("eventual_perpetual_leader",),
                "Figure 7 with Ω as Chandra-Hadzilacos-Toueg define it gives an eventual perpetual leader",
            ),
        ),
        Claim(
            "Lemmas 2-4 (Figure 5)",
            lambda: _properties_job(
                fig5,
                REGISTER_SCOPE,
                (*reg, "write_commit_no_other"),
                "Figure 5: Read-write-abort, Read-write-commit, Read-commit, and Write-commit without 'subsequent'",
            ),
        ),
        Claim(
            "Lemma 5 (as printed)",
            lambda: _properties_job(fig5, WC_SCOPE, ("write_commit",), "Figure 5: Write-commit as printed (Lemma 5)"),
            expected=Verdict.VIOLATED,
            fixed_by="Lemma 5 (no other write)",
        ),
        Claim(
            "Lemma 5 (no other write)",
            lambda: _properties_job(
                fig5,
                WC_SCOPE,
                (*reg, "write_commit_no_other"),
                "Figure 5: Write-commit without 'subsequent' (how Lemma 5's proof reads it), with Lemmas 2-4",
            ),
        ),
        Claim(
            "Proposition 1 (automaton)",
            lambda: J.trace_inclusion_job(
                fig5,
                {**REGISTER_SCOPE, **no_history},
                "round-based-register",
                REGISTER_SCOPE,
                "traces(Fig. 5) ⊆ traces(register)",
                "every history of Figure 5 is one of the round-based register automaton (Section 3.1)",
            ),
        ),
        Claim(
            "Lemmas 8-10 (Figure 6)",
            lambda: _properties_job(
                fig6,
                CONSENSUS_SCOPE,
                ("validity", "agreement", "termination_abort", "termination_commit"),
                "Figure 6 over Figure 5: Validity, Agreement, Termination (round-number uniqueness assumed)",
            ),
        ),
        Claim(
            "Proposition 7 (automaton)",
            lambda: J.trace_inclusion_job(
                fig6,
                {**CONSENSUS_SCOPE, **no_history},
                "round-based-consensus",
                CONSENSUS_SCOPE,
                "traces(Fig. 6) ⊆ traces(consensus)",
                "every history of Figure 6 is one of the round-based consensus automaton (Section 3.2)",
            ),
        ),
        Claim(
            "footnote 15",
            lambda: _properties_job(
                "round-based-consensus-fig6-shared-rounds",
                CONSENSUS_SCOPE,
                ("agreement",),
                "without round-number uniqueness, Figure 6 can violate Agreement (footnote 15)",
                want_violation=True,
            ),
        ),
    ]


def _paper() -> Paper:
    """The bundle, built on first use: the algorithms (``impl/paxos/``) import this package's
    ``signature`` and ``monitors``, so importing them here at import time would be circular."""
    from ioakit.impl.paxos.bugs import BASE_OF, SEEDED_BUGS
    from ioakit.impl.paxos.consensus import Fig6Consensus, Fig6ConsensusSharedRounds
    from ioakit.impl.paxos.leader import Fig7LeaderElection, Fig7LeaderElectionSingle, eventual_leader_property
    from ioakit.impl.paxos.register import Fig5Register

    from .consensus_spec import RoundBasedConsensus
    from .register_spec import RoundBasedRegister

    properties = {
        Fig5Register.name: _history_properties("REGISTER_PROPERTIES"),
        Fig6Consensus.name: _history_properties("CONSENSUS_PROPERTIES"),
        Fig6ConsensusSharedRounds.name: _history_properties("CONSENSUS_PROPERTIES"),
        Fig7LeaderElection.name: eventual_leader_property,
        Fig7LeaderElectionSingle.name: eventual_leader_property,
    }
    # a seeded bug (impl/paxos/bugs.py) is checked with its base machine's properties
    properties |= {bug: properties[base] for bug, base in BASE_OF.items()}
    return Paper(
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
        properties=properties,
        claims=_claims,
        trace_checks=(
            TraceCheck(
                ("round-based-register",),
                "Section 3.1: Read-write-abort, Read-write-commit, Read-commit, Write-commit and our variant "
                "Write-commit (no other write) "
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
                "Section 3.3: some process is an eventual perpetual leader, judged after the last stabilize marker",
                _check_leader,
            ),
        ),
    )


__getattr__ = lazy_bundle(__name__, _paper)

__all__ = ["PAPER"]
