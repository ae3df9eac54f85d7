"""The ioakit trace format: JSON Lines, versioned, validated on read, streamed.

A trace file records an execution (or just a trace) of an I/O automaton: line 1 is a header
(:class:`TraceHeader`), every other line one event (:class:`Event`). The format is specified in
``traces/FORMAT.md``; this module is its reference implementation.

Why these choices:

* The papers' objects are executions (alternating states and actions) and traces (their external
  actions), Fekete, Lynch and Shvartsman, Sec. 2. An event line therefore carries the action, its
  kind (input/output/internal/time-passage) and, optionally, the state after it, so one file
  serves trace checkers (which drop internal events, see :func:`external_events`) and refinement
  checkers (which read the snapshots).
* Timed traces pair each action with its time, times non-decreasing (FLS Sec. 2, "timed sequence
  pair"); the reader enforces that.
* Files can be long (simulator runs). :func:`read_trace` is a lazy iterator over lines: memory
  stays bounded by the longest line, never by the number of events.
* Every malformed line is reported as ``path:LINE: message`` (:class:`TraceFormatError`); nothing
  is evaluated (``json`` only, no ``eval``, no ``pickle``).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO, Any, Final, TextIO

from ioakit.errors import UserError

__all__ = [
    "EVENT_KINDS",
    "EXTERNAL_KINDS",
    "FORMAT_NAME",
    "SUPPORTED_VERSIONS",
    "Event",
    "TraceFormatError",
    "TraceHeader",
    "TraceReader",
    "TraceWriter",
    "decode_map_key",
    "domain_sort_key",
    "dumps_trace",
    "encode_map_key",
    "event_to_json",
    "events_from_jsonl",
    "external_events",
    "loads_trace",
    "read_trace",
    "write_trace",
]

FORMAT_NAME: Final = "ioakit-trace"
"""Value of the header's ``"format"`` member."""

SUPPORTED_VERSIONS: Final = frozenset({1})
"""Format versions this module reads and writes."""

EVENT_KINDS: Final = ("input", "output", "internal", "time")
"""The action kinds of (timed) I/O automata: FLS Sec. 2 (Lynch-Tuttle, Lynch-Vaandrager)."""

EXTERNAL_KINDS: Final = frozenset({"input", "output"})
"""Kinds that belong to a trace: "A trace is the sequence of external actions of an execution"."""

_HEADER_KEYS: Final = frozenset({"format", "version", "automaton", "scope", "created_by", "seed", "start_state"})
_EVENT_KEYS: Final = frozenset({"action", "kind", "args", "time", "state", "at"})
_EXTENSION_PREFIX: Final = "x-"

MAX_LINE_BYTES: Final = 4 * 1024 * 1024
"""The longest line a reader accepts (4 MiB; a state snapshot of the shipped machines is a few KB):
a longer one is an error before it is held in memory whole."""
MAX_DEPTH: Final = 64
"""The deepest nesting of JSON arrays and objects in a line (the deepest value of the shipped
machines, a VStoTO summary in a snapshot, is about 10 levels deep)."""
MAX_INT_DIGITS: Final = 100
"""The most digits of a JSON integer (Python would convert up to 4300 and then raise)."""


class TraceFormatError(UserError):
    """A trace file (or string) that does not follow ``FORMAT.md``.

    ``str(err)`` is ``path:LINE: message`` so editors and CI logs can jump to the line; the parts
    are also available as :attr:`path`, :attr:`line` (1-based; the header is line 1) and
    :attr:`message`.
    """

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class TraceHeader:
    """Line 1 of a trace file: what the events are events *of*.

    ``automaton`` names the automaton (e.g. ``"VS-machine"``, FLS Fig. 5) and ``scope`` holds the
    bounds that made it finite (domain sizes, sequence bounds, environment bounds), so that a
    trace can be re-checked against the same instance. ``start_state`` is the optional snapshot
    of the start state, needed to check the first step of a refinement.
    """

    automaton: str
    scope: Mapping[str, Any] = field(default_factory=dict)
    version: int = 1
    created_by: str | None = None
    seed: int | str | None = None
    start_state: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        problem = _header_field_problem(
            self.automaton, self.scope, self.version, self.created_by, self.seed, self.start_state
        )
        if problem is not None:
            raise ValueError(problem)

    def to_json_object(self) -> dict[str, Any]:
        """The header as the JSON object written on line 1 (optional members only when set)."""
        obj: dict[str, Any] = {
            "format": FORMAT_NAME,
            "version": self.version,
            "automaton": self.automaton,
            "scope": dict(self.scope),
        }
        if self.created_by is not None:
            obj["created_by"] = self.created_by
        if self.seed is not None:
            obj["seed"] = self.seed
        if self.start_state is not None:
            obj["start_state"] = dict(self.start_state)
        return obj


@dataclass(frozen=True)
class Event:
    """One step of an execution: an action occurrence, as one line of a trace file.

    ``args`` holds the action's parameters by the paper's names, e.g. ``gprcv(m)_{p,q}`` of FLS
    Fig. 5 is ``Event("gprcv", "output", {"m": "m1", "p": "p1", "q": "p2"})`` (p = sender,
    q = receiver, as in the paper: Lemma 4.2 calls them the "source" and "destination"
    subscripts). ``time`` is the time of occurrence in a timed execution (non-decreasing along a
    file); ``state`` an optional snapshot of the state *after* the step.
    """

    action: str
    kind: str
    args: Mapping[str, Any] = field(default_factory=dict)
    time: float | None = None
    state: Mapping[str, Any] | None = None
    at: str | None = None
    """The process where the event happens (a domain element's name, ``"p2"``), when the automaton
    declares the action's location; optional."""

    def __post_init__(self) -> None:
        problem = _event_field_problem(self.action, self.kind, self.args, self.time, self.state)
        if problem is None and self.at is not None and (not isinstance(self.at, str) or not self.at):
            problem = f'"at" must be a non-empty string (a process name), got {self.at!r}'
        if problem is not None:
            raise ValueError(problem)

    @property
    def is_external(self) -> bool:
        """True for input and output events, the ones that make up a trace (FLS Sec. 2)."""
        return self.kind in EXTERNAL_KINDS

    def to_json_object(self) -> dict[str, Any]:
        """The event as the JSON object of its line (``time``/``state`` only when set)."""
        obj: dict[str, Any] = {"action": self.action, "kind": self.kind, "args": dict(self.args)}
        if self.time is not None:
            obj["time"] = self.time
        if self.state is not None:
            obj["state"] = dict(self.state)
        if self.at is not None:
            obj["at"] = self.at
        return obj


# --------------------------------------------------------------------------------------------
# Field validation shared by the dataclasses, the reader and the writer.


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _header_field_problem(
    automaton: object, scope: object, version: object, created_by: object, seed: object, start_state: object
) -> str | None:
    if not _is_int(version):
        return f'"version" must be an integer, got {_show(version)}'
    if version not in SUPPORTED_VERSIONS:
        return (
            f"unsupported format version {version} (this reader supports "
            f"{', '.join(str(v) for v in sorted(SUPPORTED_VERSIONS))})"
        )
    if not isinstance(automaton, str) or not automaton:
        return f'"automaton" must be a non-empty string, got {_show(automaton)}'
    if not isinstance(scope, Mapping):
        return f'"scope" must be an object, got {_show(scope)}'
    if created_by is not None and not isinstance(created_by, str):
        return f'"created_by" must be a string, got {_show(created_by)}'
    if seed is not None and not (_is_int(seed) or isinstance(seed, str)):
        return f'"seed" must be an integer or a string, got {_show(seed)}'
    if start_state is not None and not isinstance(start_state, Mapping):
        return f'"start_state" must be an object, got {_show(start_state)}'
    return None


def _event_field_problem(action: object, kind: object, args: object, time: object, state: object) -> str | None:
    # run once per event read or written: a plain dict (what the reader gives) skips the
    # abstract-class check of isinstance(x, Mapping), which costs more than the rest
    if not isinstance(action, str) or not action:
        return f'"action" must be a non-empty string, got {_show(action)}'
    if not isinstance(kind, str) or kind not in EVENT_KINDS:
        return f"unknown kind {_show(kind)} (expected one of {', '.join(EVENT_KINDS)})"
    if type(args) is not dict and not isinstance(args, Mapping):
        return f'"args" must be an object, got {_show(args)}'
    if time is not None and not _is_number(time):
        return f'"time" must be a finite number, got {_show(time)}'
    if state is not None and type(state) is not dict and not isinstance(state, Mapping):
        return f'"state" must be an object, got {_show(state)}'
    return None


def _show(x: object) -> str:
    """Short rendering of a JSON value for error messages."""
    try:
        text = json.dumps(x, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_keys(obj: Mapping[str, Any], allowed: frozenset[str]) -> list[str]:
    return sorted(k for k in obj if k not in allowed and not k.startswith(_EXTENSION_PREFIX))


# --------------------------------------------------------------------------------------------
# Line-level JSON parsing: strict (no NaN/Infinity, no duplicate keys).


class _LineJSONError(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _LineJSONError(f"non-finite number {name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _LineJSONError(f"number {text} is out of range")
    return value


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _LineJSONError(f"duplicate key {json.dumps(key)}")
            seen.add(key)
    return obj


def _bounded_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS + 1:  # (a sign)
        raise _LineJSONError(f"an integer of {len(text)} digits (at most {MAX_INT_DIGITS})")
    return int(text)


_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_no_duplicate_keys,
    parse_float=_finite_float,
    parse_int=_bounded_int,
    parse_constant=_reject_constant,
)


def _too_deep(obj: Any) -> bool:
    """Whether ``obj`` nests arrays/objects more than :data:`MAX_DEPTH` levels (iteratively: no
    recursion on hostile input)."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, dict | list))
    return False


def _parse_line(raw: bytes | str, path: str, line: int) -> dict[str, Any]:
    """Decode one line into a JSON object, or raise a line-numbered :class:`TraceFormatError`."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise TraceFormatError(path, line, f"not UTF-8 ({err.reason} at byte {err.start})") from None
    else:
        text = raw
    text = text.rstrip("\r\n")
    if text.startswith("\ufeff"):
        raise TraceFormatError(path, line, "a byte order mark (BOM) starts the line: save it as UTF-8 without BOM")
    if not text or text.isspace():  # (isspace stops at the first other character: no copy)
        raise TraceFormatError(path, line, "empty line (every line must be one JSON object)")
    start = len(text) - len(text.lstrip()) if text[0].isspace() else 0
    try:
        obj, end = _DECODER.raw_decode(text, start)
    except _LineJSONError as err:
        raise TraceFormatError(path, line, f"invalid JSON: {err}") from None
    except json.JSONDecodeError as err:
        raise TraceFormatError(path, line, f"invalid JSON: {err.msg} at column {err.colno}") from None
    except RecursionError:
        raise TraceFormatError(path, line, f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as err:  # e.g. a number Python cannot convert
        raise TraceFormatError(path, line, f"invalid JSON: {err}") from None
    if end < len(text) and not text[end:].isspace():
        raise TraceFormatError(path, line, f"invalid JSON: extra data at column {end + 1}")
    if not isinstance(obj, dict):
        raise TraceFormatError(path, line, f"expected a JSON object, got {_show(obj)}")
    if text.count("[") + text.count("{") > MAX_DEPTH and _too_deep(obj):
        raise TraceFormatError(path, line, f"JSON nested deeper than {MAX_DEPTH} levels")
    return obj


def _header_from_object(obj: dict[str, Any], path: str) -> TraceHeader:
    if obj.get("format") != FORMAT_NAME:
        if "action" in obj or "kind" in obj:
            raise TraceFormatError(
                path,
                1,
                "missing header: line 1 is an event, but must be the "
                f'header {{"format": "{FORMAT_NAME}", "version": 1, ...}}',
            )
        if "format" not in obj:
            raise TraceFormatError(path, 1, f'missing header: line 1 has no "format": "{FORMAT_NAME}"')
        raise TraceFormatError(
            path, 1, f'not an ioakit trace: "format" is {_show(obj["format"])}, expected "{FORMAT_NAME}"'
        )
    if "version" not in obj:
        raise TraceFormatError(path, 1, 'header is missing "version"')
    for key in ("automaton", "scope"):
        if key not in obj:
            raise TraceFormatError(path, 1, f'header is missing "{key}"')
    unknown = _unknown_keys(obj, _HEADER_KEYS)
    if unknown:
        raise TraceFormatError(
            path,
            1,
            f'unknown header member {json.dumps(unknown[0])} (extensions must start with "{_EXTENSION_PREFIX}")',
        )
    problem = _header_field_problem(
        obj["automaton"], obj["scope"], obj["version"], obj.get("created_by"), obj.get("seed"), obj.get("start_state")
    )
    if problem is not None:
        raise TraceFormatError(path, 1, problem)
    return TraceHeader(
        automaton=obj["automaton"],
        scope=obj["scope"],
        version=obj["version"],
        created_by=obj.get("created_by"),
        seed=obj.get("seed"),
        start_state=obj.get("start_state"),
    )


def _event_from_object(obj: dict[str, Any], path: str, line: int) -> Event:
    try:
        action, kind, args = obj["action"], obj["kind"], obj["args"]
    except KeyError as err:
        hint = " (a second header?)" if "format" in obj else ""
        raise TraceFormatError(path, line, f'event is missing "{err.args[0]}"{hint}') from None
    if not _EVENT_KEYS.issuperset(obj):
        unknown = _unknown_keys(obj, _EVENT_KEYS)
        if unknown:
            raise TraceFormatError(
                path,
                line,
                f'unknown event member {json.dumps(unknown[0])} (extensions must start with "{_EXTENSION_PREFIX}")',
            )
    try:
        # Event.__post_init__ validates the field types (one validation per line, not two).
        return Event(action, kind, args, obj.get("time"), obj.get("state"), obj.get("at"))
    except ValueError as err:
        raise TraceFormatError(path, line, str(err)) from None


class _TimeCheck:
    """Enforces non-decreasing ``time`` over the events that carry one (FLS Sec. 2)."""

    __slots__ = ("last", "last_line")

    def __init__(self) -> None:
        self.last: float | None = None
        self.last_line = 0

    def check(self, time: float | None, path: str, line: int) -> None:
        if time is None:
            return
        if time < 0:
            raise TraceFormatError(path, line, f"time {time} is negative; times are non-negative")
        if self.last is not None and time < self.last:
            raise TraceFormatError(
                path,
                line,
                f"time decreases: {time} after {self.last} (line {self.last_line}); times must be non-decreasing",
            )
        self.last = time
        self.last_line = line


# --------------------------------------------------------------------------------------------
# Reading.


class TraceReader:
    """Streaming reader: parses the header on construction, then yields events lazily.

    Use as a context manager so the file is closed deterministically::

        with TraceReader("run.jsonl") as reader:
            print(reader.header.automaton)
            for event in reader:
                ...

    Only one line is held in memory at a time. Each event line is validated when it is reached,
    so an error in line 1,000,000 is raised by the iteration that reaches it, as a
    :class:`TraceFormatError` naming that line.
    """

    def __init__(self, source: str | os.PathLike[str] | IO[str] | IO[bytes]) -> None:
        if isinstance(source, str | os.PathLike):
            self.path = os.fspath(source)
            self._file: IO[Any] = open(self.path, "rb")  # noqa: SIM115 - closed by close()/iteration end
            self._owns = True
        else:
            self.path = str(getattr(source, "name", "<stream>"))
            self._file = source
            self._owns = False
        self._line = 0
        self._started = False
        try:
            self.header = self._read_header()
        except BaseException:
            self.close()
            raise

    def _read_header(self) -> TraceHeader:
        first = self._readline(1)
        self._line = 1
        if not first:
            raise TraceFormatError(self.path, 1, "missing header: the file is empty")
        return _header_from_object(_parse_line(first, self.path, 1), self.path)

    def __iter__(self) -> Iterator[Event]:
        if self._started:
            raise RuntimeError("a TraceReader can be iterated only once")
        self._started = True
        return self._events()

    def _events(self) -> Iterator[Event]:
        times = _TimeCheck()
        path = self.path
        try:
            while True:
                line = self._line + 1
                raw = self._readline(line)
                if not raw:
                    break
                self._line = line
                event = _event_from_object(_parse_line(raw, path, line), path, line)
                times.check(event.time, path, line)
                yield event
        finally:
            self.close()

    def _readline(self, line: int) -> bytes | str:
        """The next line, at most :data:`MAX_LINE_BYTES` long (a longer one is an error)."""
        raw = self._file.readline(MAX_LINE_BYTES + 1)
        if len(raw) > MAX_LINE_BYTES:
            raise TraceFormatError(self.path, line, f"line longer than {MAX_LINE_BYTES} bytes (the format's limit)")
        return raw

    def close(self) -> None:
        """Close the underlying file if this reader opened it."""
        if self._owns and not self._file.closed:
            self._file.close()

    def __enter__(self) -> TraceReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def read_trace(source: str | os.PathLike[str] | IO[str] | IO[bytes]) -> tuple[TraceHeader, Iterator[Event]]:
    """Read a trace file: the validated header now, the events as a lazy, validating iterator.

    The iterator closes the file when exhausted (or when it is garbage-collected); use
    :class:`TraceReader` as a context manager for deterministic closing of abandoned reads.
    Raises :class:`TraceFormatError` (``path:LINE: message``) for the first malformed line.
    """
    reader = TraceReader(source)
    return reader.header, iter(reader)


def loads_trace(text: str, source: str = "<string>") -> tuple[TraceHeader, Iterator[Event]]:
    """Like :func:`read_trace` for a whole trace (header + events) held in a string."""
    stream = io.StringIO(text)
    stream.name = source  # type: ignore[misc]  # StringIO instances accept a name attribute
    return read_trace(stream)


def events_from_jsonl(text: str, source: str = "<string>") -> list[Event]:
    """Parse header-less JSON Lines of events (as written in tests and docs) into a list.

    Line numbers in errors count from 1 at the first line of ``text``. The same per-line
    validation as :func:`read_trace` applies, including non-decreasing ``time``.
    """
    times = _TimeCheck()
    events = []
    for line, raw in enumerate(text.splitlines(), start=1):
        event = _event_from_object(_parse_line(raw, source, line), source, line)
        times.check(event.time, source, line)
        events.append(event)
    return events


def external_events(events: Iterable[Event]) -> Iterator[Event]:
    """The trace of an execution: its input and output events, lazily (FLS Sec. 2)."""
    return (e for e in events if e.kind in EXTERNAL_KINDS)


# --------------------------------------------------------------------------------------------
# Writing.


def event_line(index: int) -> int:
    """The file line of the event with 0-based ``index``, when the events were read by
    :func:`read_trace` (the header is line 1)."""
    return index + 2


def close_pending(
    event: Event,
    p: str,
    invocation: str,
    pending: dict[str, int],
    slots: list[dict[str, Any]],
    fail: Callable[[str], Exception],
) -> dict[str, Any]:
    """A history walker's response ``event`` at ``p``: the operation pending at ``p`` (a
    ``slots`` entry with ``name`` and ``inv``) must be an ``invocation``; it is no longer pending,
    and is returned for the caller to complete. Raises ``fail(message)`` naming the mismatch."""
    if p not in pending:
        raise fail(f"{event.action} at {p} with no pending {invocation} at {p}")
    op = slots[pending[p]]
    if op["name"] != invocation:
        raise fail(
            f"{event.action} at {p}, but the operation pending at {p} is the {op['name']} invoked at "
            f"event {op['inv']} (line {event_line(op['inv'])})"
        )
    del pending[p]
    return op


def check_event_signature(
    event: Event,
    kind: str,
    params: Mapping[str, Callable[[object], str | None]],
    fail: Callable[[str], Exception],
    *,
    closed: bool = True,
) -> None:
    """Check an external event of a history contract against its action's signature: its kind,
    every parameter present and of the right form (``params[name](value)`` returns None or what
    the value must be), and, when ``closed``, no other argument. Raises ``fail(message)``: the
    caller's exception, naming the trace line."""
    if event.kind != kind:
        raise fail(f"{event.action} is an {kind} action, got kind {event.kind!r}")
    args = event.args
    for name, check in params.items():
        if name not in args:
            raise fail(f'{event.action} is missing argument "{name}"')
        problem = check(args[name])
        if problem is not None:
            raise fail(f'{event.action}: argument "{name}" must be {problem}, got {args[name]!r}')
    if closed:
        extra = sorted(set(args) - set(params))
        if extra:
            raise fail(f"{event.action} takes the arguments {', '.join(params) or '(none)'}; unexpected: {extra[0]!r}")


def _dumps(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def event_to_json(event: Event) -> str:
    """The line (without newline) that encodes ``event``."""
    return _dumps(event.to_json_object())


def _exists(path: str) -> str:
    """The message of :class:`TraceWriter` refusing to replace ``path``."""
    return f"{path}: trace file exists; pass overwrite=True to replace it"


class TraceWriter:
    """Streams a header and events to a path or an open text file, one JSON line each.

    Refuses to replace an existing file unless ``overwrite=True``. A path is written atomically,
    like every file ioakit writes (``ioakit.files``): the lines stream into a temporary file
    ``.NAME.*.tmp`` beside it, which :meth:`close` puts in place (``os.replace`` with
    ``overwrite=True``; else a hard link, which fails rather than replace a file that appeared
    meanwhile, so the check cannot race). A write that fails (a full disk) or is interrupted, or a
    ``with`` block left by an exception, removes the temporary file: the destination is then the
    old file or none, never half a trace. Every event is validated as the reader
    would validate it (kinds, field types, non-decreasing ``time``, JSON-encodable values), so a
    writer never produces a file the reader rejects; errors are :class:`TraceFormatError` naming
    the line that would have been written.
    """

    def __init__(
        self, target: str | os.PathLike[str] | TextIO, header: TraceHeader, *, overwrite: bool = False
    ) -> None:
        self._tmp: str | None = None  # the temporary file a path is streamed to, until close()
        self._overwrite = overwrite
        if isinstance(target, str | os.PathLike):
            self.path = os.fspath(target)
            if not overwrite and os.path.lexists(self.path):
                raise FileExistsError(_exists(self.path))
            folder, name = os.path.split(os.path.abspath(self.path))
            fd, self._tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            try:
                self._file: TextIO = open(fd, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed by close()
            except BaseException:
                os.close(fd)
                self._discard()
                raise
            self._owns = True
        else:
            self.path = str(getattr(target, "name", "<stream>"))
            self._file = target
            self._owns = False
        self._times = _TimeCheck()
        self._line = 0
        try:
            self._write_line(header.to_json_object())
        except BaseException:
            self.discard()
            raise

    @property
    def events_written(self) -> int:
        """Number of event lines written so far (the header not counted)."""
        return max(self._line - 1, 0)

    def _write_line(self, obj: Mapping[str, Any], time: float | None = None) -> None:
        line = self._line + 1
        try:
            text = _dumps(obj)
        except (TypeError, ValueError) as err:
            raise TraceFormatError(
                self.path,
                line,
                f"value is not JSON-encodable ({err}); see FORMAT.md 'Values' (sets are sorted lists, maps objects)",
            ) from None
        self._times.check(time, self.path, line)
        try:
            self._file.write(text + "\n")
        except BaseException:  # a full disk, or Ctrl-C: no half trace is ever put in place
            self.discard()
            raise
        self._line = line

    def write(self, event: Event) -> None:
        """Append one event line (nothing is written if the event is rejected)."""
        self._write_line(event.to_json_object(), event.time)

    def write_all(self, events: Iterable[Event]) -> int:
        """Append every event; returns how many were written by this call."""
        count = 0
        for event in events:
            self.write(event)
            count += 1
        return count

    def close(self) -> None:
        """Flush; for a path, put the whole file in place (see the class docstring). If that
        fails (an ``OSError``, or ``FileExistsError`` when a file appeared at the path meanwhile
        and ``overwrite`` is false), the temporary file is removed and the error raised."""
        if not self._owns:
            if not self._file.closed:
                self._file.flush()
            return
        if self._tmp is None:  # closed or discarded already
            return
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.chmod(self._tmp, 0o644)  # mkstemp's 0600 would hide the trace from other users
            if self._overwrite:
                os.replace(self._tmp, self.path)
            else:
                try:
                    os.link(self._tmp, self.path)  # fails if the path exists: never replaces a file
                except FileExistsError:
                    raise FileExistsError(_exists(self.path)) from None
                os.unlink(self._tmp)
            self._tmp = None
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Close without putting anything in place: the temporary file of a path is removed, so
        the destination stays as it was (the old file, or none)."""
        if self._owns and not self._file.closed:
            with contextlib.suppress(OSError):  # the flush of a full disk fails again: the file goes anyway
                self._file.close()
        self._discard()

    def _discard(self) -> None:
        if self._tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._tmp)
            self._tmp = None

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()


def write_trace(
    path: str | os.PathLike[str] | TextIO, header: TraceHeader, events: Iterable[Event], overwrite: bool = False
) -> int:
    """Write a whole trace file; returns the number of events written. See :class:`TraceWriter`."""
    with TraceWriter(path, header, overwrite=overwrite) as writer:
        return writer.write_all(events)


def dumps_trace(header: TraceHeader, events: Iterable[Event]) -> str:
    """The whole trace as a string (header line + event lines, newline-terminated)."""
    buffer = io.StringIO()
    write_trace(buffer, header, events)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Value-encoding helpers (FORMAT.md "Values").

_ELEMENT = re.compile(r"^(.*?)(\d+)$")


def encode_map_key(*elements: str | int | bool | None) -> str:
    """The JSON object key of a map entry: the key elements joined with ``","``.

    ``encode_map_key("p1", "g0") == "p1,g0"`` encodes ``pending[p1, g0]`` of FLS Fig. 5. Integers
    are written in decimal, booleans as ``true``/``false``, ⊥ as ``null``.
    """
    parts = []
    for element in elements:
        if element is None:
            parts.append("null")
        elif isinstance(element, bool):
            parts.append("true" if element else "false")
        elif isinstance(element, int):
            parts.append(str(element))
        elif isinstance(element, str):
            if "," in element or not element:
                raise ValueError(f"map key element {element!r} must be non-empty and contain no ','")
            parts.append(element)
        else:
            raise TypeError(f"map key elements are domain elements, ints, bools or None, got {element!r}")
    return ",".join(parts)


def decode_map_key(key: str) -> tuple[str, ...]:
    """Split a map key written by :func:`encode_map_key` into its element strings."""
    return tuple(key.split(","))


def domain_sort_key(value: Any) -> tuple[Any, ...]:
    """Sort key realising the "domain order" used for sets (FORMAT.md "Values").

    ⊥ (``None``) is least (FLS Sec. 2: ⊥ is below every element); then booleans (false < true),
    numbers, finite-domain elements such as ``p2 < p10`` (by prefix, then index, so ``g0`` is the
    minimum view id as in FLS Sec. 4), sequences/tuples lexicographically, records by their
    members in order.
    """
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, int | float):
        return (2, value)
    if isinstance(value, str):
        match = _ELEMENT.match(value)
        if match:
            return (3, match.group(1), int(match.group(2)), value)
        return (3, value, -1, value)
    if isinstance(value, list | tuple):
        return (4, tuple(domain_sort_key(v) for v in value))
    if isinstance(value, Mapping):
        return (5, tuple((k, domain_sort_key(v)) for k, v in value.items()))
    raise TypeError(f"not an encoded trace value: {value!r}")
