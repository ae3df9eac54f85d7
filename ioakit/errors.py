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
  ``FingerprintHazardError`` and ``CompactOverflowError`` (``ioakit.engines.fingerprints``),
  ``RenderError`` (``ioakit.render``), ``RegistryError`` (``ioakit.registry``) and the command
  line's own ``UsageError`` (``ioakit.cli``).
* ``InternalError``: ``ProverInternalError`` (``ioakit.engines.prove``; also an
  ``AssertionError``, as it always was), ``FingerprintCollisionError``
  (``ioakit.engines.fingerprints``: a collision of the fingerprint store caught).

The command line catches ``UserError`` once, in ``ioakit.cli.main``; nothing re-wraps it.
"""

from __future__ import annotations

MAX_MESSAGE_LINE = 2000
"""Characters of one line of an error message printed at most (``printable``): a message quoting a
user's 16 MB token must not echo it back."""


def _escaped(c: str) -> str:
    """``c`` as Python writes it in a string literal (``\\x1b``, ``\\u202e``)."""
    return repr(c)[1:-1]


def printable(text: str, *, keep_tabs: bool = False, limit: int = MAX_MESSAGE_LINE) -> str:
    """``text`` safe to print on a terminal: control characters (C0 but the newline, DEL, C1) and
    the bidirectional overrides escaped as ``\\x1b``, so that a file quoted in a message can
    neither retitle the terminal nor reorder what is shown; each line cut after ``limit``
    characters with ``… (N more characters)``. Tabs are kept with ``keep_tabs`` (source excerpts,
    where they align the caret)."""
    out = []
    for line in text.split("\n"):
        if len(line) > limit:
            line = f"{line[:limit]}… ({len(line) - limit:,} more characters)"
        out.append(
            "".join(
                _escaped(c)
                if (ord(c) < 32 and not (keep_tabs and c == "\t"))
                or 0x7F <= ord(c) < 0xA0
                or 0x202A <= ord(c) <= 0x202E
                or 0x2066 <= ord(c) <= 0x2069
                else c
                for c in line
            )
        )
    return "\n".join(out)


class IoakitError(Exception):
    """Root of every exception ioakit raises on purpose."""


class UserError(IoakitError, ValueError):
    """Bad input from the user (exit status 2 at the command line)."""


class InternalError(IoakitError):
    """A bug in ioakit (exit status 4 at the command line)."""


class ModelCodeError(UserError):
    """A model's own Python code (an action body, ``declare``, a derived variable) raised an
    exception that is not ioakit's: the user's model is at fault, so it is an input error that
    names the model's file and line, not an internal error of ioakit."""


def model_code_error(e: Exception, what: str, hint: str = "") -> ModelCodeError:
    """The ``ModelCodeError`` for ``e``, raised by ``what`` (e.g. ``Ring: action pass_(p=p1)``),
    located at the innermost traceback frame outside the ioakit package (the user's line)."""
    import traceback
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    where = ""
    for fr in reversed(traceback.extract_tb(e.__traceback__)):
        if not str(Path(fr.filename).resolve()).startswith(root) or "/tests/" in fr.filename:
            where = f"{fr.filename}:{fr.lineno}: "
            if fr.line:
                where += f"`{fr.line.strip()}`: "
            break
    text = f"{what}: {where}{type(e).__name__}: {e}"
    return ModelCodeError(text + (f" ({hint})" if hint else ""))


def is_interrupt(e: BaseException | None) -> bool:
    """Whether ``e`` is a Ctrl-C in disguise: a ``KeyboardInterrupt`` in its cause or context, or
    ctypes' ``ArgumentError`` wrapping one (raised while converting the arguments of a Z3 call)."""
    seen: set[int] = set()
    x = e
    while x is not None and id(x) not in seen:
        seen.add(id(x))
        if isinstance(x, KeyboardInterrupt) or (type(x).__name__ == "ArgumentError" and "KeyboardInterrupt" in str(x)):
            return True
        x = x.__cause__ or x.__context__
    return False


def is_interrupted_z3_finalizer(unraisable: object) -> bool:
    """Whether an "Exception ignored" report (``sys.unraisablehook``'s argument) comes from a Z3
    object's ``__del__``: after Ctrl-C lands inside a Z3 constructor, the half-built object has no
    ``ctx`` and its finalizer fails when collected. That is noise from the interrupt, not a bug
    to report; the interrupt itself is reported as INCOMPLETE."""
    obj = getattr(unraisable, "object", None)
    return str(getattr(obj, "__module__", "") or "").startswith("z3") or type(obj).__module__.startswith("z3")
