"""Recorded DynaStore histories read into operations: the dynamic atomic register (``"atomic-register"``,
Section 3) and the weak snapshot (``"weak-snapshot"``, Section 4) of Aguilera, Keidar, Malkhi,
Shraer, *Dynamic Atomic Storage Without Consensus* (``traces/FORMAT.md``, "DynaStore histories").

Section 3: a history is the sequence of invocations and responses of an execution; it is
well-formed when "the sequence of events at each client consists of alternating invocations and
matching responses, starting with an invocation"; ``crash_i`` "disables all actions at p_i" (so
the operation p_i had pending never returns, and no event of p_i follows); "the read, write and
reconfig input actions at a process p_i are initially disabled, until an enable operations event
occurs at p_i" — processes of Init are enabled when they start (Algorithm 2, line 11).

:func:`parse_register_history` and :func:`parse_snapshot_history` check exactly that and the
arguments' syntax, raising :class:`~ioakit.traces.format.TraceFormatError` naming the file line
(index + 2) of the first malformed event. Internal and time-passage events are skipped whatever
their name (a full simulation's message steps). The ``quiescent`` marker (the run's declaration
that it ended fairly and quiescently, :mod:`ioakit.traces.dynastore.liveness`) must be the last
event: anything after it contradicts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ioakit.traces.format import Event, TraceFormatError, check_event_signature, close_pending, event_line
from ioakit.traces.paxos.histories import HistoryPropertyResult

__all__ = [
    "REGISTER",
    "SNAPSHOT",
    "Op",
    "RegisterHistory",
    "SnapshotHistory",
    "event_line",
    "parse_process_set",
    "parse_register_history",
    "parse_snapshot_history",
]

REGISTER: Final = "atomic-register"
SNAPSHOT: Final = "weak-snapshot"

PROCESS: Final = re.compile(r"p[1-9][0-9]{0,8}")
"""Process names: ``"p1"``, ``"p2"``, … (the paper's p_i; Π is unbounded, so no upper index but
the name's length)."""
MAX_VALUE_CHARS: Final = 200
"""The longest string value (a written value, an update's c)."""
MAX_SCAN_SET: Final = 100_000
"""The most values one scan may return."""

_INVOCATIONS: Final = {"read": "read-return", "write": "write-return", "reconfig": "reconfig-return"}
_SNAP_INVOCATIONS: Final = {"update": "update-return", "scan": "scan-return"}


def _process(x: object) -> str | None:
    return None if isinstance(x, str) and PROCESS.fullmatch(x) else 'a process name "p1", "p2", …'


def _value(x: object) -> str | None:
    if isinstance(x, bool) or not isinstance(x, str | int):
        return "a value: a JSON string or integer (⊥ is never written)"
    if isinstance(x, str) and not 0 < len(x) <= MAX_VALUE_CHARS:
        return f"a value: a non-empty string of at most {MAX_VALUE_CHARS} characters"
    return None


def _value_or_bottom(x: object) -> str | None:
    return None if x is None else (None if _value(x) is None else "a value (JSON string or integer), or null for ⊥")


def _changes(x: object) -> str | None:
    expected = 'an object {"add": [processes], "remove": [processes]}'
    if not isinstance(x, dict) or not set(x) <= {"add", "remove"}:
        return expected
    for key in ("add", "remove"):
        members = x.get(key, [])
        if not isinstance(members, list) or any(_process(m) is not None for m in members):
            return expected + f' ("{key}" must be an array of process names)'
        if len(set(members)) != len(members):
            return expected + f' ("{key}" names a process twice)'
    return None


def _scan_set(x: object) -> str | None:
    if not isinstance(x, list) or len(x) > MAX_SCAN_SET or any(_value(c) is not None for c in x):
        return "a set of values: a JSON array of strings and integers"
    if len({_vkey(c) for c in x}) != len(x):
        return "a set of values: no value twice"
    return None


def _vkey(v: Any) -> tuple[str, Any]:
    return (type(v).__name__, v)


_Check = Callable[[object], "str | None"]

_REGISTER_SIGNATURE: Final[Mapping[str, tuple[str, Mapping[str, _Check]]]] = {
    "read": ("input", {"p": _process}),
    "read-return": ("output", {"p": _process, "v": _value_or_bottom}),
    "write": ("input", {"p": _process, "v": _value}),
    "write-return": ("output", {"p": _process}),
    "reconfig": ("input", {"p": _process, "changes": _changes}),
    "reconfig-return": ("output", {"p": _process}),
    "enable-operations": ("output", {"p": _process}),
    "crash": ("input", {"p": _process}),
    "quiescent": ("input", {}),
}
_SNAPSHOT_SIGNATURE: Final[Mapping[str, tuple[str, Mapping[str, _Check]]]] = {
    "update": ("input", {"p": _process, "c": _value}),
    "update-return": ("output", {"p": _process}),
    "scan": ("input", {"p": _process}),
    "scan-return": ("output", {"p": _process, "C": _scan_set}),
    "crash": ("input", {"p": _process}),
    "quiescent": ("input", {}),
}


@dataclass(frozen=True)
class Op:
    """One operation: ``name`` (``read``, ``write``, ``reconfig``, ``update``, ``scan``), process
    ``p``, invocation index ``inv``, response index ``res`` (``None``: pending at the end or
    abandoned by a crash, then ``crashed`` is the crash's index). ``arg``: the value written, the
    update's c, or a reconfig's changes as a frozenset of ``("+", p)`` / ``("-", p)``; ``ret``: the
    value read (``None`` for ⊥) or the set a scan returned (a frozenset of value keys, see
    ``returned``)."""

    name: str
    p: str
    inv: int
    arg: Any = None
    res: int | None = None
    ret: Any = None
    crashed: int | None = None
    returned: tuple[Any, ...] = ()
    """A scan's returned values as written in the file (``ret`` holds them as type-tagged keys)."""

    def describe(self) -> str:
        if self.name == "write":
            return f"write({_show(self.arg)})"
        if self.name == "update":
            return f"update({_show(self.arg)})"
        if self.name == "reconfig":
            return f"reconfig({show_changes(self.arg)})"
        return f"{self.name}()"


def _show(v: Any) -> str:
    if v is None:
        return "⊥"
    return repr(v) if isinstance(v, str) else str(v)


def show_changes(changes: Iterable[tuple[str, str]]) -> str:
    """``{+p4, −p1}`` in the paper's notation (Section 5.1: (+, i) and (−, i))."""
    items = sorted(changes, key=lambda c: (_pkey(c[1]), c[0]))
    return "{" + ", ".join(("+" if s == "+" else "−") + p for s, p in items) + "}"


def _pkey(p: str) -> int:
    return int(p[1:])


@dataclass(frozen=True)
class RegisterHistory:
    """An ``atomic-register`` history: ``operations`` (reads, writes, reconfigs) in invocation
    order; ``crashes`` and ``enables`` as ``(event index, process)``; ``quiescent`` the marker's
    index or ``None``; ``init`` the members of Init (``None`` when the header does not say);
    ``events`` the number of events read."""

    operations: tuple[Op, ...]
    crashes: tuple[tuple[int, str], ...] = ()
    enables: tuple[tuple[int, str], ...] = ()
    quiescent: int | None = None
    init: frozenset[str] | None = None
    events: int = 0


@dataclass(frozen=True)
class SnapshotHistory:
    """A ``weak-snapshot`` history: ``operations`` (updates, scans) in invocation order,
    ``crashes``, ``quiescent``, ``processes`` the fixed set P (``None`` when the header does not
    say), ``events``."""

    operations: tuple[Op, ...]
    crashes: tuple[tuple[int, str], ...] = ()
    quiescent: int | None = None
    processes: frozenset[str] | None = None
    events: int = 0
    named: frozenset[str] = field(default_factory=frozenset)


def canonical_action(name: str) -> str:
    """``read_return`` → ``read-return``, ``enable_operations`` → ``enable-operations``."""
    return name.replace("_", "-")


def parse_process_set(
    scope: Mapping[str, Any], key: str, path: str, count_key: str | None = None
) -> frozenset[str] | None:
    """The header scope's ``key`` as a set of process names (line-1 error when it is not an array
    of distinct names; ``None`` when absent). A non-negative integer n instead of the array means
    the first n processes p1 … pn — the spelling of the machines' scope parameters, which
    ``ioakit simulate --record`` writes (``init`` of ``dynastore``); ``count_key``, when ``key``
    is absent, is another member read that way (``processes`` for the weak snapshot's P)."""
    if key not in scope and count_key is not None and count_key in scope:
        key = count_key
    if key not in scope:
        return None
    members = scope[key]
    if isinstance(members, int) and not isinstance(members, bool):
        if not 0 <= members <= 64:
            raise TraceFormatError(path, 1, f"scope.{key} must be a number of processes in 0 … 64, got {members}")
        return frozenset(f"p{i}" for i in range(1, members + 1))
    if not isinstance(members, list) or any(_process(m) is not None for m in members):
        raise TraceFormatError(path, 1, f'scope.{key} must be an array of process names "p1", "p2", …')
    if len(set(members)) != len(members):
        raise TraceFormatError(path, 1, f"scope.{key} names a process twice")
    return frozenset(members)


def _walk(
    events: Iterable[Event],
    signature: Mapping[str, tuple[str, Mapping[str, _Check]]],
    invocations: Mapping[str, str],
    automaton: str,
    path: str,
    *,
    enabled_at_start: frozenset[str] | None = None,
    processes: frozenset[str] | None = None,
) -> tuple[list[dict[str, Any]], list[tuple[int, str]], list[tuple[int, str]], int | None, int, set[str]]:
    """The one well-formedness walk of both contracts (module docstring)."""
    responses = {r: i for i, r in invocations.items()}
    slots: list[dict[str, Any]] = []
    pending: dict[str, int] = {}
    down: dict[str, int] = {}
    crashes: list[tuple[int, str]] = []
    enables: list[tuple[int, str]] = []
    enabled: set[str] = set(enabled_at_start or ())
    named: set[str] = set()
    quiescent: int | None = None
    count = 0
    for index, event in enumerate(events):
        count = index + 1
        line = event_line(index)

        def fail(message: str, line: int = line) -> TraceFormatError:
            return TraceFormatError(path, line, message)

        if quiescent is not None:
            raise fail(
                f"an event after the quiescent marker at event {quiescent} (line {event_line(quiescent)}): the "
                "marker declares that nothing happened after it"
            )
        if event.kind not in ("input", "output"):
            continue
        action = canonical_action(event.action)
        if action not in signature:
            raise fail(
                f"unknown external action {event.action!r} (the actions of {automaton} histories are "
                f'{", ".join(signature)}; internal steps must have kind "internal")'
            )
        kind, params = signature[action]
        check_event_signature(event, kind, params, fail)
        args = event.args
        if action == "quiescent":
            quiescent = index
            continue
        p: str = args["p"]
        named.add(p)
        if processes is not None and p not in processes:
            raise fail(f"{p} is not one of the processes P of this history (scope.P)")
        if p in down:
            raise fail(f"{event.action} at {p}, which crashed at event {down[p]} (line {event_line(down[p])})")
        if action == "crash":
            down[p] = index
            crashes.append((index, p))
            if p in pending:
                slots[pending.pop(p)]["crashed"] = index
            continue
        if action == "enable-operations":
            enabled.add(p)
            enables.append((index, p))
            continue
        if action in invocations:
            if p in pending:
                other = slots[pending[p]]
                raise fail(
                    f"{event.action} at {p} while its {other['name']} invoked at event {other['inv']} "
                    f"(line {event_line(other['inv'])}) is pending (invocations and responses alternate)"
                )
            if enabled_at_start is not None and p not in enabled:
                raise fail(
                    f"{event.action} at {p} before enable-operations occurred at {p} (Section 3: read, write and "
                    "reconfig are disabled until then; the processes of Init (scope.init) are enabled at start)"
                )
            op: dict[str, Any] = {"name": action, "p": p, "inv": index}
            if action == "write":
                op["arg"] = args["v"]
            elif action == "update":
                op["arg"] = args["c"]
            elif action == "reconfig":
                ch = args["changes"]
                op["arg"] = frozenset([("+", q) for q in ch.get("add", [])] + [("-", q) for q in ch.get("remove", [])])
                named.update(q for _, q in op["arg"])
            pending[p] = len(slots)
            slots.append(op)
            continue
        invocation = responses[action]
        op = close_pending(event, p, invocation, pending, slots, fail)
        op["res"] = index
        if action == "read-return":
            op["ret"] = args["v"]
        elif action == "scan-return":
            op["ret"] = frozenset(_vkey(c) for c in args["C"])
            op["returned"] = tuple(args["C"])
    return slots, crashes, enables, quiescent, count, named


def parse_register_history(
    events: Iterable[Event], *, scope: Mapping[str, Any] | None = None, path: str = "<history>"
) -> RegisterHistory:
    """Read an ``atomic-register`` history (module docstring). ``scope["init"]``, the members of
    the initial view Init (an array of process names), enables them at start; without it,
    enablement is not checked (and Definition 3.2 is not judged)."""
    init = parse_process_set(scope or {}, "init", path)
    if init is not None and not init:
        raise TraceFormatError(path, 1, "scope.init is empty: Section 3 assumes a non-empty view Init")
    slots, crashes, enables, quiescent, count, _ = _walk(
        events, _REGISTER_SIGNATURE, _INVOCATIONS, REGISTER, path, enabled_at_start=init
    )
    return RegisterHistory(
        operations=tuple(Op(**s) for s in slots),
        crashes=tuple(crashes),
        enables=tuple(enables),
        quiescent=quiescent,
        init=init,
        events=count,
    )


def parse_snapshot_history(
    events: Iterable[Event], *, scope: Mapping[str, Any] | None = None, path: str = "<history>"
) -> SnapshotHistory:
    """Read a ``weak-snapshot`` history (module docstring). ``scope["P"]``, the fixed set of
    processes the object is accessible by (Section 4), makes an event of another process
    malformed; without it, PR5 is not judged."""
    procs = parse_process_set(scope or {}, "P", path, count_key="processes")
    if procs is not None and not procs:
        raise TraceFormatError(path, 1, "scope.P is empty")
    slots, crashes, _, quiescent, count, named = _walk(
        events, _SNAPSHOT_SIGNATURE, _SNAP_INVOCATIONS, SNAPSHOT, path, processes=procs
    )
    return SnapshotHistory(
        operations=tuple(Op(**s) for s in slots),
        crashes=tuple(crashes),
        quiescent=quiescent,
        processes=procs,
        events=count,
        named=frozenset(named),
    )


def property_result(
    name: str, ref: str, violations: list[tuple[int, str, tuple[int, ...]]], note: str = ""
) -> HistoryPropertyResult:
    """One property's verdict on a history from its ``(event index, text, witness indices)``
    violations: held when there are none, else violated at the earliest, with the others counted
    and listed (sorted in place)."""
    violations.sort(key=lambda v: v[0])
    if not violations:
        return HistoryPropertyResult(name, ref, True, None, "", note=note)
    index, text, witnesses = violations[0]
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    return HistoryPropertyResult(
        name,
        ref,
        False,
        index,
        text + more,
        tuple((i, t) for i, t, _ in violations),
        witnesses=tuple(sorted(set(witnesses))),
        note=note,
    )
