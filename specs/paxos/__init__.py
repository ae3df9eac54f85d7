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

from ioakit.registry import Paper

from .consensus_spec import RoundBasedConsensus
from .register_spec import RoundBasedRegister

PAPER = Paper(
    key="paxos",
    title="Deconstructing Paxos",
    citation="R. Boichat, P. Dutta, S. Frølund, R. Guerraoui. Deconstructing Paxos. ACM SIGACT News 34(1), 2003",
    machines=(RoundBasedRegister, RoundBasedConsensus),
)

__all__ = ["PAPER", "RoundBasedConsensus", "RoundBasedRegister"]
