"""Checkers for Deconstructing Paxos histories (round-based register, round-based consensus, weak
leader election; Section 3): :mod:`.operations` reads a history into operations,
:mod:`.histories` judges the properties (``traces/FORMAT.md``, "Deconstructing Paxos histories")."""
