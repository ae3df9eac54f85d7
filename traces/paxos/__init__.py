"""Checkers for Deconstructing Paxos histories (round-based register, round-based consensus, weak
leader election; Section 3)."""
