"""One verdict vocabulary for every engine, command and report.

Every check ioakit runs ends in one of four verdicts, defined here once, with the one rule by
which several verdicts combine and the one exit status each maps to at the command line:

* ``OK`` — the property holds in everything the check covered, and the check covered everything
  it claims to (a complete exploration, a proof, a trace checked to its end);
* ``VIOLATED`` — a counterexample was found (exit 1);
* ``INCOMPLETE`` — the check stopped before covering what it claims to (a state or depth limit,
  steps cut off at the scope's bounds, an interrupt): nothing is claimed beyond what was covered;
* ``UNKNOWN`` — the check finished but could not decide (a solver ``unknown`` or timeout, a
  counterexample to induction whose pre-state may be unreachable).

A violation found is a fact even when the rest of a check was cut short, so VIOLATED dominates;
among the undecided verdicts UNKNOWN dominates INCOMPLETE (an undecided question is a stronger
caveat than an unfinished one); OK only when every part is OK.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Verdict(StrEnum):
    """Three-valued outcome (plus INCOMPLETE); never collapsed (exit codes 0 / 1 / 3 at the CLI)."""

    OK = "OK"
    VIOLATED = "VIOLATED"
    INCOMPLETE = "INCOMPLETE"
    UNKNOWN = "UNKNOWN"

    @property
    def exit_code(self) -> int:
        """0 holds, 1 violated, 3 undecided (INCOMPLETE and UNKNOWN alike)."""
        return {Verdict.OK: 0, Verdict.VIOLATED: 1}.get(self, 3)

    @staticmethod
    def combine(verdicts: Iterable[Verdict]) -> Verdict:
        """The verdict of a check made of parts: VIOLATED > UNKNOWN > INCOMPLETE > OK.

        The combination of no parts is OK (nothing was claimed, nothing failed); callers that must
        not claim OK for an empty check (an invariant file with no invariants) refuse it earlier.
        """
        seen = set(verdicts)
        for v in (Verdict.VIOLATED, Verdict.UNKNOWN, Verdict.INCOMPLETE):
            if v in seen:
                return v
        return Verdict.OK


EXIT_OK, EXIT_VIOLATED, EXIT_USAGE, EXIT_UNKNOWN, EXIT_INTERNAL = 0, 1, 2, 3, 4
"""Exit statuses of the command line: 2 is a user's input error, 4 an internal error (a bug)."""
