"""One exception root for everything ioakit raises on purpose.

* ``UserError`` — the input was wrong (a malformed scope, an unknown machine, a located error
  in an invariant file, a bad trace line, an action that cannot be traced). The command line
  prints its message and exits with status 2; it is never a traceback.
* ``InternalError`` — ioakit itself is wrong (an invariant of the implementation broke). The
  command line prints a short "internal error" with a way to report it and exits with status 4,
  never 1 (which means "violated").

``UserError`` is also a ``ValueError`` so that library callers catching the built-in keep working.
"""

from __future__ import annotations


class IoakitError(Exception):
    """Root of every exception ioakit raises on purpose."""


class UserError(IoakitError, ValueError):
    """Bad input from the user (exit status 2 at the command line)."""


class InternalError(IoakitError):
    """A bug in ioakit (exit status 4 at the command line)."""
