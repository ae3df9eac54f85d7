"""Loading an invariant file for one machine: parse, expand its ``include``s (each included file
once, in place; cycles refused; each included file's ``machine`` line checked too), check the
``machine`` line, type-check, compile. The result, an ``InvariantSet``, holds one
``explore.Property`` per invariant (with its vacuity witnesses), ready for the explorer and for the Z3 prover, and one
``ioakit.lang.steps.StepProperty`` per ``step`` item (``Explorer.check_steps``,
``Prover.check_steps``).
"""

from __future__ import annotations

import builtins
import dataclasses
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ioakit.engines.explore import Property
from ioakit.lang.automaton import Machine
from ioakit.lang.steps import StepProperty

from . import syntax as S
from .compiler import Compiler
from .core import CheckedStep, Core
from .errors import (
    ErrorSink,
    InvariantError,
    InvariantFileError,
    InvariantMachineError,
    InvariantSyntaxError,
    InvariantTypeError,
    Note,
    SourceFile,
    Span,
)
from .parser import parse
from .typecheck import CascadeError, Checker, DefinitionInfo, Schema


@dataclass(frozen=True)
class InvariantInfo:
    """One checked and compiled invariant of a file."""

    name: str
    reference: str
    description: str
    span: Span
    property: Property = field(repr=False)
    core: Core = field(repr=False)
    text: str = field(default="", repr=False)
    """The formula as written (whitespace collapsed)."""
    source: SourceFile | None = field(default=None, repr=False, compare=False)
    """The file it is written in: the loaded file, or one it includes (``included``)."""
    included: bool = False

    @builtins.property
    def line(self) -> int:
        return self.span.line


@dataclass(frozen=True)
class StepInfo:
    """One checked and compiled ``step`` item of a file."""

    name: str
    reference: str
    description: str
    span: Span
    step_property: StepProperty = field(repr=False)
    checked: CheckedStep = field(repr=False)
    text: str = field(default="", repr=False)
    source: SourceFile | None = field(default=None, repr=False, compare=False)
    included: bool = False

    @builtins.property
    def line(self) -> int:
        return self.span.line


@dataclass(frozen=True)
class InvariantSet:
    """The invariants of one file, compiled for one machine at one scope.

    ``properties`` are what ``Explorer.check`` and the prover consume; ``invariants`` adds the
    source positions and checked core of each; ``definitions`` are the file's ``def``s.
    """

    machine: Machine = field(repr=False)
    machine_names: tuple[str, ...]
    properties: list[Property] = field(repr=False)
    invariants: list[InvariantInfo] = field(repr=False)
    definitions: dict[str, DefinitionInfo] = field(repr=False)
    source: SourceFile = field(repr=False)
    ast: S.File = field(repr=False)
    steps: list[StepInfo] = field(default_factory=list, repr=False)
    """The file's ``step`` items, in order (their ``StepProperty`` objects: ``step_properties``)."""
    included_files: tuple[SourceFile, ...] = field(default=(), repr=False)
    """The files ``include``d, directly or not, in the order they were first included."""

    @property
    def included(self) -> frozenset[str]:
        """Names of the invariants and step items written in included files (``ioakit prove`` uses
        them as support of the file's own invariants)."""
        return frozenset(
            [*(i.name for i in self.invariants if i.included), *(s.name for s in self.steps if s.included)]
        )

    @property
    def step_properties(self) -> list[StepProperty]:
        return [s.step_property for s in self.steps]

    @property
    def filename(self) -> str:
        return self.source.name

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.invariants]

    @property
    def spans(self) -> dict[str, Span]:
        """Source span of every invariant and definition, by name."""
        out = {n: d.span for n, d in self.definitions.items()}
        out.update({i.name: i.span for i in self.invariants})
        return out

    def invariant(self, name: str) -> InvariantInfo:
        for i in self.invariants:
            if i.name == name:
                return i
        raise KeyError(f"no invariant {name!r} in {self.filename} (invariants: {', '.join(self.names)})")

    def property(self, name: str) -> Property:
        return self.invariant(name).property

    def __len__(self) -> int:
        return len(self.invariants)

    def __iter__(self) -> Iterator[Property]:
        return iter(self.properties)


MAX_FILE_BYTES = 1_000_000
"""The largest invariant file read (1 MB; the shipped ones are under 40 KB): parsing is linear but
not fast, and a file this size is a generated one gone wrong, not a lemma list."""

MAX_LINE_CHARS = 10_000
"""The longest line of an invariant file (10,000 characters): write a long formula over several
lines or split it with definitions."""


def _check_size(src: SourceFile) -> SourceFile:
    """``src`` unless a line is longer than ``MAX_LINE_CHARS`` (a located error at its first
    character past the limit)."""
    if len(src.text) > MAX_LINE_CHARS:
        for n, line in enumerate(src.text.split("\n"), 1):
            if len(line) > MAX_LINE_CHARS:
                at = Span(n, MAX_LINE_CHARS + 1, n, MAX_LINE_CHARS + 2)
                raise InvariantSyntaxError(
                    f"line {n} has {len(line):,} characters; at most {MAX_LINE_CHARS:,} are accepted "
                    "(break the formula over several lines, or name parts of it with definitions)",
                    at,
                    src,
                )
    return src


def read_source(source: str | Path, filename: str | None = None) -> SourceFile:
    """A ``Path`` is read from disk; a ``str`` is the text itself. Either is refused above
    ``MAX_FILE_BYTES``, or with a line above ``MAX_LINE_CHARS``."""
    if isinstance(source, Path):
        name = filename or str(source)
        try:  # at most one byte past the limit is read: /dev/zero or a FIFO is not a file to slurp
            with source.open("rb") as f:
                raw = f.read(MAX_FILE_BYTES + 1)
        except OSError as e:
            raise InvariantFileError(
                f"cannot read the invariant file: {e.strerror or e}", None, SourceFile(name, "")
            ) from None
        if len(raw) > MAX_FILE_BYTES:
            raise InvariantFileError(
                f"the invariant file has more than {MAX_FILE_BYTES:,} bytes; at most that many are read",
                None,
                SourceFile(name, ""),
            )
        try:  # as read_text: UTF-8, universal newlines
            text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8").read()
        except UnicodeDecodeError as e:
            raise InvariantFileError(f"not a UTF-8 text file ({e.reason})", None, SourceFile(name, "")) from None
        return _check_size(SourceFile(name, text, source))
    if not isinstance(source, str):
        raise TypeError(f"load_invariants needs a str (text) or a Path, got {type(source).__name__}")
    if len(source.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise InvariantFileError(
            f"the invariant text has more than {MAX_FILE_BYTES:,} bytes; at most that many are read",
            None,
            SourceFile(filename or "<string>", ""),
        )
    return _check_size(SourceFile(filename or "<string>", source))


def _check_machine_line(
    decl: S.MachineDecl, machine: Machine, src: SourceFile, included: bool = False
) -> tuple[str, ...]:
    import difflib

    from ioakit.registry import machine_classes, user_machine_names

    # registered machines and the one being checked are listed in messages; the machines of users'
    # model files loaded so far are accepted too (siblings in one file), but not listed
    listed = {n.lower(): n for n in machine_classes()}
    listed.setdefault(machine.name.lower(), machine.name)
    known = {**{n.lower(): n for n in user_machine_names()}, **listed}
    names = []
    for ident in decl.names:
        n = ident.name
        if n.lower() not in known:
            close = difflib.get_close_matches(n, list(known.values()), n=2, cutoff=0.6)
            hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
            raise InvariantMachineError(
                f"unknown machine `{n}`{hint} (known machines: {', '.join(listed.values())})", ident.span, src
            )
        names.append(known[n.lower()])
    if machine.name.lower() not in (n.lower() for n in names):
        what = "this included file" if included else "this file"
        raise InvariantMachineError(
            f"{what} is about {', '.join(names)}, not {machine.name}; add {machine.name} to the `machine` line "
            f"if the invariants are meant for it too",
            decl.span,
            src,
        )
    return tuple(names)


def load_invariants(source: str | Path, machine: Machine, *, filename: str | None = None) -> InvariantSet:
    """Parse, type-check and compile an invariant file for ``machine``.

    ``source`` is the file's text (``str``) or its path (a ``Path``, or a ``str`` of one line
    without blanks that ends in ``.inv``: no invariant file's text looks like that, and reading
    such a path as text would only give a puzzling syntax error); ``filename`` is the name used
    in error messages. ``include "ref"`` is resolved relative to the path's folder (to the current
    folder for a text), then as a shipped file's name. Raises an ``InvariantError`` subclass for
    any problem with the input — never another exception — whose ``str()`` is the located message with a caret.
    """
    if isinstance(source, str) and source.endswith(".inv") and not any(c.isspace() for c in source):
        source = Path(source)
    src = read_source(source, filename)
    try:
        return _load(src, machine)
    except RecursionError:
        raise InvariantSyntaxError(
            "the formulas are nested too deeply to process (definitions using definitions?)", None, src
        ) from None


Item = S.Definition | S.InvariantDecl | S.StepDecl


_Frame = tuple[Path | None, SourceFile, S.Include | None]


@dataclass
class _Includes:
    """The items of a file with its ``include``s expanded in place (each file once), each item
    with the file it is written in; ``origin`` says where each included file was included from."""

    machine: Machine
    items: list[tuple[Item, SourceFile]] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    origin: dict[int, Note] = field(default_factory=dict)
    """id of an included ``SourceFile`` -> the note "included from here" (at the ``include``)."""
    done: set[Path] = field(default_factory=set)

    def expand(self, src: SourceFile, ast: S.File, stack: list[_Frame]) -> None:
        """Append the items of ``ast`` (in ``src``), expanding its includes; ``stack`` holds the
        files being included (resolved path, source, the include), for cycles."""
        for item in ast.items:
            if not isinstance(item, S.Include):
                self.items.append((item, src))
                continue
            try:
                path = _resolve_include(item, src)
            except InvariantError as e:
                raise self.note(e) from None
            key = path.resolve()
            on_stack = [k for k, _, _ in stack]
            if key in on_stack:
                chain = [s.name for _, s, _ in stack[on_stack.index(key) :]]
                raise self.note(
                    InvariantFileError(f"include cycle: {' → '.join([*chain, chain[0]])}", item.path_span, src)
                )
            if key in self.done:  # included already (a diamond): its items are in once
                continue
            self.done.add(key)
            try:
                sub = read_source(path, _display_name(item.path, path, src))
            except InvariantFileError as e:  # unreadable, not UTF-8: located at the include
                raise self.note(
                    InvariantFileError(f"cannot include `{item.path}`: {e.message}", item.path_span, src)
                ) from None
            self.origin[id(sub)] = Note("included here", item.span, src)
            self.files.append(sub)
            try:
                sub_ast = parse(sub)
                _check_machine_line(sub_ast.machine, self.machine, sub, included=True)
            except InvariantError as e:
                raise self.note(e) from None
            self.expand(sub, sub_ast, [*stack, (key, sub, item)])

    def note(self, e: InvariantError) -> InvariantError:
        """``e`` with "included from" notes, when it is located in an included file."""
        src = e.source
        seen: set[int] = set()
        while src is not None and id(src) in self.origin and id(src) not in seen:
            seen.add(id(src))
            n = self.origin[id(src)]
            e.with_note(n)
            src = n.source
        return e


def _display_name(ref: str, path: Path, src: SourceFile) -> str:
    """How messages name an included file: relative to the including file's name when found
    relative to it (``lib/defs.inv``), else its path (a shipped file)."""
    if src.path is not None and path == src.path.parent / ref:
        return os.path.normpath(str(Path(src.name).parent / ref))
    return str(path)


def _resolve_include(item: S.Include, src: SourceFile) -> Path:
    """The file ``include "ref"`` names: a path relative to the including file's folder (the
    current folder for a text without a file), else a shipped file of that name."""
    ref = item.path
    base = src.path.parent if src.path is not None else Path.cwd()
    path = base / ref
    if ref and path.is_file():
        return path
    from ioakit.errors import UserError
    from ioakit.registry import invariant_file

    try:
        return invariant_file(ref)
    except UserError:
        shown = os.path.normpath(str(Path(src.name).parent / ref)) if src.path is not None else str(path)
        raise InvariantFileError(
            f"cannot include `{ref}`: no file {shown} and no shipped invariant file of that name (`ioakit list` "
            f"shows the shipped files)",
            item.path_span,
            src,
        ) from None


def _load(src: SourceFile, machine: Machine) -> InvariantSet:
    ast = parse(src)
    names = _check_machine_line(ast.machine, machine, src)
    inc = _Includes(machine)
    top = src.path.resolve() if src.path is not None else None
    if top is not None:
        inc.done.add(top)
    inc.expand(src, ast, [(top, src, None)])
    checker = Checker(Schema.of(machine), src)
    for item, _ in inc.items:
        if isinstance(item, S.Definition):
            checker.later.setdefault(item.name.name, item.name.span.line)
    sink = ErrorSink(src)
    checked: list[tuple[S.InvariantDecl, Core, SourceFile]] = []
    checked_steps: list[tuple[S.StepDecl, CheckedStep, SourceFile]] = []
    seen: dict[str, tuple[S.InvariantDecl | S.StepDecl, SourceFile]] = {}
    for order, (item, isrc) in enumerate(inc.items):
        checker.source = isrc
        try:
            if isinstance(item, S.Definition):
                checker.later.pop(item.name.name, None)
                try:
                    checker.add_definition(item, order)
                except InvariantError:
                    checker.broken.add(item.name.name)
                    raise
                continue
            if item.name.name in seen:
                first, fsrc = seen[item.name.name]
                raise InvariantTypeError(
                    f"{'step' if isinstance(item, S.StepDecl) else 'invariant'} `{item.name.name}` is declared twice",
                    item.name.span,
                    isrc,
                    (Note("first declared here", first.name.span, fsrc),),
                )
            seen[item.name.name] = (item, isrc)
            checker.budget.nodes = 0
            if isinstance(item, S.StepDecl):
                checked_steps.append((item, checker.check_step(item), isrc))
                continue
            body = checker.expect_bool(item.body, {}, f"invariant `{item.name.name}`")
            checked.append((item, body, isrc))
        except CascadeError:
            pass
        except InvariantError as e:
            sink.add(inc.note(e.located(isrc)))
    checker.source = src
    sink.raise_if_any()
    comp = Compiler(machine, src)
    props: list[Property] = []
    infos: list[InvariantInfo] = []
    for item, body, isrc in checked:
        comp.source = isrc
        try:
            p = comp.property(item.name.name, body, item.reference, item.description)
        except InvariantError as e:
            sink.add(inc.note(e.located(isrc)))
            continue
        p = dataclasses.replace(p, statement=item.body.span.text(isrc))
        props.append(p)
        infos.append(
            InvariantInfo(
                item.name.name,
                item.reference,
                item.description,
                item.span,
                p,
                body,
                item.body.span.text(isrc),
                isrc,
                isrc is not src,
            )
        )
    steps: list[StepInfo] = []
    for sitem, st, isrc in checked_steps:
        comp.source = isrc
        try:
            sp = comp.step_property(sitem.name.name, st, sitem.reference, sitem.description)
        except InvariantError as e:
            sink.add(inc.note(e.located(isrc)))
            continue
        steps.append(
            StepInfo(
                sitem.name.name,
                sitem.reference,
                sitem.description,
                sitem.span,
                sp,
                st,
                sitem.body.span.text(isrc),
                isrc,
                isrc is not src,
            )
        )
    sink.raise_if_any()
    return InvariantSet(machine, names, props, infos, dict(checker.defs), src, ast, steps, tuple(inc.files))


def lemma_file(name: str) -> Path:
    """The path of a shipped invariant file: ``lemma_file("vs_lemma_4_1")`` (``.inv`` optional),
    from any registered paper (``ioakit.registry.invariant_file``; ``RegistryError`` if none)."""
    from ioakit.registry import invariant_file

    return invariant_file(name)


def lemma_files() -> list[Path]:
    """Every shipped invariant file, across the registered papers."""
    from ioakit.registry import invariant_files

    return sorted(invariant_files().values())
