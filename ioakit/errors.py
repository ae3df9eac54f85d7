"""One exception root for everything ioakit raises on purpose.

* ``UserError`` — the input was wrong (a malformed scope, an unknown machine, a located error
  in an invariant file, a bad trace line, an action that cannot be traced). The command line
  prints its message and exits with status 2; it is never a traceback.
* ``InternalError`` — ioakit itself is wrong (an invariant of the implementation broke). The
  command line prints a short "internal error" with a way to report it and exits with status 4,
  never 1 (which means "violated").

``UserError`` is also a ``ValueError`` so that library callers catching the built-in keep working.

The families (each defined next to the code that raises it):

* ``UserError``: ``ScopeError`` (``ioakit.lang.automaton``), ``SchemaError`` and its
  ``CompositionError`` (``ioakit.lang.types``, ``ioakit.lang.compose``), ``TraceError``
  (``ioakit.lang.ir``; also a ``TypeError``, as it always was, for callers that catch that),
  ``CodegenLimitError`` (``ioakit.backends.codegen``), the ``InvariantError`` family
  (``ioakit.invariants.errors``), ``TraceFormatError`` (``ioakit.traces.format``),
  ``RenderError`` (``ioakit.render``), ``RegistryError`` (``ioakit.registry``) and the command
  line's own ``UsageError`` (``ioakit.cli``).
* ``InternalError``: ``ProverInternalError`` (``ioakit.engines.prove``; also an
  ``AssertionError``, as it always was).

The command line catches ``UserError`` once, in ``ioakit.cli.main``; nothing re-wraps it.
"""

from __future__ import annotations


class IoakitError(Exception):
    """Root of every exception ioakit raises on purpose."""


class UserError(IoakitError, ValueError):
    """Bad input from the user (exit status 2 at the command line)."""


class InternalError(IoakitError):
    """A bug in ioakit (exit status 4 at the command line)."""
