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

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


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


@runtime_checkable
class Report(Protocol):
    """What the result of every check offers, whatever the engine (exploration, simulation, an
    invariant file checked, BMC, induction, a trace checked, two machines compared, the main job):

    * ``verdict`` — the one ``Verdict`` of the result (its exit status at the command line);
    * ``to_json()`` — the machine-readable result, a JSON object with a ``"verdict"`` key;
    * ``show()`` — the human-readable result.

    Finer detail stays on each report (e.g. the prover's ``Outcome``: inductive, not inductive,
    violated initially), but the verdict is always this one field, so callers never re-derive it
    from booleans or strings. The command line renders every report with ``render_json`` or
    ``show()`` and nothing else (``ioakit.cli._emit``).
    """

    @property
    def verdict(self) -> Verdict: ...

    def to_json(self) -> dict[str, Any]: ...

    def show(self) -> str: ...


def render_json(report: Report, *, compact: bool = False) -> str:
    """The one JSON rendering of a report: ``report.to_json()``, with its ``"verdict"`` filled in
    from ``report.verdict`` when the report's JSON does not already carry it."""
    data = report.to_json()
    data.setdefault("verdict", report.verdict.value)
    return json.dumps(data, indent=None if compact else 2, ensure_ascii=False)


@dataclass(frozen=True)
class SimpleReport:
    """A ``Report`` built from parts: for results that are not checks (``ioakit list``, a picture
    written by ``ioakit render``) or that combine several reports (``ioakit prove``)."""

    verdict: Verdict
    data: dict[str, Any] = field(default_factory=dict)
    text: str | Callable[[], str] = ""
    parts: tuple[Any, ...] = ()
    """The engines' results this report combines (``ioakit prove``: BMC, induction, step
    obligations, or the lemma table), for readers that need more than the JSON (``ioakit.junit``)."""

    def to_json(self) -> dict[str, Any]:
        return {**self.data, "verdict": self.data.get("verdict", self.verdict.value)}

    def show(self) -> str:
        return self.text() if callable(self.text) else self.text
