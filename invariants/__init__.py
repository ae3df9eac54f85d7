"""ioakit.invariants: the invariant language — grammar, parser, type checker, compiler — and the
invariant files for the papers' lemmas.

A file names its machine, holds definitions and named invariants (see ``LANGUAGE.md``)::

    machine VS-machine, WeakVS-machine
    invariant lemma_4_1_10 "Lemma 4.1(10)":
      "next[p, g] <= length(queue[g]) + 1"
      forall p in P, g in G: next[p, g] <= len(queue[g]) + 1

Library use (the CLI's ``ioakit check`` is these calls)::

    from ioakit.invariants import load_invariants, check_invariants, format_check_report, lemma_file
    m = get_spec("VS-machine").build({})
    invs = load_invariants(lemma_file("vs_lemma_4_1"), m)   # InvariantError on bad input
    report = check_invariants(m, invs)
    print(format_check_report(report))

Each invariant compiles to ONE ``ioakit.lang.ir`` term (``invs.properties[i].term``), whose
concrete meaning the explorer runs and whose Z3 meaning (``ioakit.backends.symbolic.predicate``)
the prover uses. A ``step`` item (a step property: ``x'`` is x after the step) compiles to one
``ioakit.lang.steps.StepProperty`` (``invs.step_properties``), checked by ``check_invariants`` on
every step explored.
"""

from .check import (
    HOLDS,
    INCOMPLETE,
    VIOLATED,
    CheckReport,
    InvariantOutcome,
    check_invariants,
    format_check_report,
)
from .errors import (
    InvariantError,
    InvariantFileError,
    InvariantMachineError,
    InvariantScopeError,
    InvariantSyntaxError,
    InvariantTypeError,
    SourceFile,
    Span,
)
from .loader import InvariantInfo, InvariantSet, StepInfo, lemma_file, lemma_files, load_invariants
from .typecheck import DefinitionInfo

__all__ = [
    "HOLDS",
    "INCOMPLETE",
    "VIOLATED",
    "CheckReport",
    "DefinitionInfo",
    "InvariantError",
    "InvariantFileError",
    "InvariantInfo",
    "InvariantMachineError",
    "InvariantOutcome",
    "InvariantScopeError",
    "InvariantSet",
    "InvariantSyntaxError",
    "InvariantTypeError",
    "SourceFile",
    "Span",
    "StepInfo",
    "check_invariants",
    "format_check_report",
    "lemma_file",
    "lemma_files",
    "load_invariants",
]
