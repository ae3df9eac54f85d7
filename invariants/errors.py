"""Source positions and the located errors of the invariant language.

Every problem with a user's invariant file — a parse error, an unknown name, a key of the wrong
domain, a machine the file is not about — is an ``InvariantError`` whose ``str()`` is the full
message in the mypyvy / compiler style::

    bad.inv:4:41: error: key 2 of next_safe must be an element of G, got P
       4 |   forall p in P, q in P: next_safe[p, q] <= next[p, g]
         |                                       ^
    bad.inv:4:18: info: q is bound here, to P

No other exception type escapes the loader for bad input (the fuzz tests hold us to that).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ioakit.errors import UserError, printable

MAX_EXCERPT = 120
"""Characters of a source line shown under a message: a longer line is cut around the caret,
each cut marked ``…`` (a one-line 16 MB formula must not come back as a 16 MB message)."""


@dataclass(frozen=True)
class SourceFile:
    """The text being compiled and the name to print for it."""

    name: str
    text: str
    path: Path | None = field(default=None, compare=False)
    """The file on disk, when read from one (``include`` paths are relative to its folder)."""

    def line(self, n: int) -> str:
        """Line ``n`` (1-based) without its newline; ``""`` past the end."""
        lines = self.text.split("\n")
        return lines[n - 1].rstrip("\r") if 1 <= n <= len(lines) else ""


@dataclass(frozen=True)
class Span:
    """A region of a source file: 1-based line and column of its first and last character.

    ``end_column`` is exclusive (as lark's ``end_column``). Spans are excluded from the equality
    of AST nodes (``field(compare=False)``), so two parses of the same formula are equal.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    start_pos: int = 0
    end_pos: int = 0

    def to(self, other: Span) -> Span:
        """The span from the start of ``self`` to the end of ``other``."""
        return Span(self.line, self.column, other.end_line, other.end_column, self.start_pos, other.end_pos)

    def text(self, src: SourceFile) -> str:
        """The source text the span covers (whitespace runs collapsed to one space)."""
        return " ".join(src.text[self.start_pos : self.end_pos].split())


NOWHERE = Span(0, 0, 0, 0)


@dataclass(frozen=True)
class Note:
    """An ``info:`` line pointing at a related place (e.g. where a variable is bound)."""

    message: str
    span: Span | None = None
    source: SourceFile | None = None
    """The file ``span`` is in, when not the error's own (an included file, or the file including it)."""


class InvariantError(UserError):
    """Base class of every error the invariant language reports about its input.

    ``str(e)`` is ``file:line:col: error: message``, the source line with a caret under the
    offending text, and one ``info:`` line per related place. ``e.others`` holds further errors
    found in the same file (each invariant and definition is checked independently); they are
    printed after the first.
    """

    kind = "error"

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        source: SourceFile | None = None,
        notes: tuple[Note, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.source = source
        self.notes = tuple(notes)
        self.others: tuple[InvariantError, ...] = ()

    @property
    def filename(self) -> str:
        return self.source.name if self.source else "<invariants>"

    @property
    def line(self) -> int:
        return self.span.line if self.span else 0

    @property
    def column(self) -> int:
        return self.span.column if self.span else 0

    def with_note(self, note: Note) -> InvariantError:
        """Add an ``info:`` line (used when an error surfaces inside a definition's expansion)."""
        self.notes = (*self.notes, note)
        return self

    def located(self, source: SourceFile) -> InvariantError:
        if self.source is None:
            self.source = source
        return self

    def _render_one(self) -> str:
        src = self.source
        name = self.filename
        if self.span is None or self.span.line == 0 or src is None:
            head = f"{name}: error: {printable(self.message)}"
            lines = [head]
        else:
            sp = self.span
            lines = [f"{name}:{sp.line}:{sp.column}: error: {printable(self.message)}"]
            lines += _excerpt(src, sp)
        for n in self.notes:
            nm = n.source.name if n.source is not None else name
            if n.span is not None and n.span.line > 0:
                lines.append(f"{nm}:{n.span.line}:{n.span.column}: info: {printable(n.message)}")
            else:
                lines.append(f"{nm}: info: {printable(n.message)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return "\n".join(e._render_one() for e in (self, *self.others))


def _excerpt(src: SourceFile, sp: Span) -> list[str]:
    """The source line of ``sp`` and a caret line under it (tabs copied so columns align).

    Control characters are shown escaped (``\\x1b``: a file must not drive the terminal), the
    caret moved to match; a line longer than ``MAX_EXCERPT`` is cut around the caret."""
    text = src.line(sp.line)
    gutter = f"{sp.line:>4} | "
    start = min(max(sp.column - 1, 0), len(text))
    if sp.end_line == sp.line and sp.end_column > sp.column:
        width = sp.end_column - sp.column
    else:
        width = max(len(text.rstrip()) - start, 1)
    lo = 0 if len(text) <= MAX_EXCERPT else max(0, min(start - MAX_EXCERPT // 3, len(text) - MAX_EXCERPT))
    hi = min(len(text), lo + MAX_EXCERPT)
    width = max(1, min(width, hi - start))
    before = printable(text[lo:start], keep_tabs=True)
    marked = printable(text[start : start + width], keep_tabs=True)
    after = printable(text[start + width : hi], keep_tabs=True)
    head = "…" if lo > 0 else ""
    tail = "…" if hi < len(text) else ""
    pad = "".join(c if c == "\t" else " " for c in head + before)
    return [gutter + head + before + marked + after + tail, " " * (len(gutter) - 2) + "| " + pad + "^" * len(marked)]


class InvariantSyntaxError(InvariantError):
    """The text does not parse (missing ``:``, ``=`` for ``==``, unbalanced brackets, ...)."""


class InvariantTypeError(InvariantError):
    """The formula parses but does not fit the machine's schema (unknown name, wrong arity,
    a key from the wrong domain, ...)."""


class InvariantMachineError(InvariantError):
    """The ``machine`` line names an unknown machine, or not the machine being checked."""


class InvariantScopeError(InvariantError):
    """The formula is well typed but cannot be expanded at this scope (an element such as ``p3``
    that the scope lacks, or a quantifier expansion too large to build)."""


class InvariantFileError(InvariantError):
    """The invariant file cannot be read."""


@dataclass
class ErrorSink:
    """Collects the independent errors of one file (one per definition / invariant at most)."""

    source: SourceFile
    errors: list[InvariantError] = field(default_factory=list)

    def add(self, e: InvariantError) -> None:
        self.errors.append(e.located(self.source))

    def raise_if_any(self) -> None:
        if self.errors:
            first = self.errors[0]
            first.others = tuple(self.errors[1:])
            raise first
