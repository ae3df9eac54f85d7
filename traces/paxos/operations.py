"""Recorded Deconstructing Paxos histories read into operations (invocation, response).

Boichat, Dutta, Frølund, Guerraoui, *Deconstructing Paxos*, Section 3: the round-based register
(3.1), round-based consensus (3.2) and weak leader election (3.3) are shared objects whose
operations are invoked and return at processes; "a process invokes at most one operation at a
time" on an object, and a process that crashes (Section 2.1) abandons the operation it had
invoked: that operation never returns. Footnote 8: "o' is subsequent to o" when o' is invoked
after o returned.

:func:`history_operations` turns the events of a recorded history (``traces/FORMAT.md``,
"Deconstructing Paxos histories") into :class:`Operation` objects, each with its invocation
index ``inv`` and response index ``res`` (0-based indices of events, counting every event passed
in; for the events of :func:`~ioakit.traces.format.read_trace`, file line = index + 2). It is
the one reading of the contract, shared by the property checkers of
:mod:`ioakit.traces.paxos.histories` and by anything that records an implementation's run.

What is skipped and what is malformed (raised as
:class:`~ioakit.traces.format.TraceFormatError` naming the line):

* internal and time-passage events are skipped, whatever their name (in a full simulation of an
  implementation, message steps and hidden sub-object operations are internal);
* an external event whose action is not one of the abstraction's actions (underscore spellings
  such as ``read_return`` are the same actions as ``read-return``), a known action with the wrong
  kind, a missing or ill-typed argument, a response with no pending invocation of that operation
  at its process, a second invocation while one is pending at the same process, any event at a
  crashed process other than ``recover``, and ``recover`` at a process that is up, are malformed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ioakit.traces.format import Event, TraceFormatError, check_event_signature, close_pending, event_line

__all__ = [
    "ABSTRACTIONS",
    "History",
    "Operation",
    "event_line",
    "history_operations",
    "parse_history",
]

REGISTER: Final = "round-based-register"
CONSENSUS: Final = "round-based-consensus"
LEADER: Final = "weak-leader-election"

_INVOCATIONS: Final = {
    "read": "read-return",
    "write": "write-return",
    "propose": "propose-return",
    "leader": "leader-return",
}
_RESPONSES: Final = {ret: inv for inv, ret in _INVOCATIONS.items()}

ABSTRACTIONS: Final[Mapping[str, frozenset[str]]] = {
    REGISTER: frozenset({"read", "write", "read-return", "write-return", "crash", "recover"}),
    CONSENSUS: frozenset({"propose", "propose-return", "crash", "recover"}),
    LEADER: frozenset({"leader", "leader-return", "crash", "recover", "stabilize"}),
}
"""The external actions of each abstraction's histories (header ``"automaton"`` → action names)."""


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _process(x: object) -> str | None:
    return None if isinstance(x, str) and x else 'a process name such as "p1"'


def _round(x: object) -> str | None:
    return None if _is_int(x) and x >= 1 else "a round number, an integer ≥ 1"  # type: ignore[operator]


def _value(x: object) -> str | None:
    return None if isinstance(x, str) and x else 'a value such as "v1" (⊥ is never written or proposed)'


def _value_or_bottom(x: object) -> str | None:
    return None if x is None or (isinstance(x, str) and x) else 'a value such as "v1", or null for ⊥'


def _status(x: object) -> str | None:
    return None if x in ("commit", "abort") else '"commit" or "abort"'


_Check = Callable[[object], "str | None"]

_SIGNATURE: Final[Mapping[str, tuple[str, Mapping[str, _Check]]]] = {
    "read": ("input", {"p": _process, "k": _round}),
    "write": ("input", {"p": _process, "k": _round, "v": _value}),
    "read-return": ("output", {"p": _process, "status": _status, "v": _value_or_bottom}),
    "write-return": ("output", {"p": _process, "status": _status}),
    "propose": ("input", {"p": _process, "k": _round, "v": _value}),
    "propose-return": ("output", {"p": _process, "status": _status, "v": _value_or_bottom}),
    "leader": ("input", {"p": _process}),
    "leader-return": ("output", {"p": _process, "l": _process}),
    "crash": ("input", {"p": _process}),
    "recover": ("input", {"p": _process}),
    "stabilize": ("input", {"l": _process}),
}
"""Each action's kind and required arguments (extra arguments are ignored)."""


@dataclass(frozen=True)
class Operation:
    """One operation of a history: its invocation and, when it returned, its response.

    * ``name`` — ``"read"``, ``"write"``, ``"propose"`` or ``"leader"``; ``p`` the invoking process;
    * ``k`` — the round (``None`` for ``leader``); ``v`` — the value written or proposed;
    * ``inv`` — the invocation's event index, Inv(o); ``res`` — the response's, Res(o), or ``None``
      when the operation has not returned (still pending at the end, or abandoned by a crash);
    * ``status`` — ``"commit"`` / ``"abort"`` (``None`` for ``leader`` and when not returned);
    * ``rv`` — the value returned by ``read``/``propose`` (``None`` is ⊥), or the process ``l``
      returned by ``leader``;
    * ``crashed`` — the index of the crash of ``p`` that abandoned it, if any.
    """

    name: str
    p: str
    inv: int
    k: int | None = None
    v: str | None = None
    res: int | None = None
    status: str | None = None
    rv: str | None = None
    crashed: int | None = None

    @property
    def returned(self) -> bool:
        return self.res is not None

    @property
    def committed(self) -> bool:
        """ "o commits": o returned with status commit (Section 3.1)."""
        return self.status == "commit"

    @property
    def aborted(self) -> bool:
        return self.status == "abort"

    def subsequent_to(self, other: Operation) -> bool:
        """Footnote 8: this operation was invoked after ``other`` returned, Inv(self) > Res(other)."""
        return other.res is not None and self.inv > other.res

    def describe(self) -> str:
        """The operation in the paper's notation, e.g. ``write(1, v2) by p3``."""
        if self.name == "leader":
            return f"leader() by {self.p}"
        args = f"{self.k}" if self.name == "read" else f"{self.k}, {self.v}"
        return f"{self.name}({args}) by {self.p}"

    def returned_as(self) -> str:
        """The response in words, e.g. ``commit v1`` / ``abort``."""
        if self.res is None:
            return "no response"
        if self.name == "leader":
            return f"returned {self.rv}"
        if self.name == "write":
            return f"{self.status}"
        return f"{self.status} {_show_value(self.rv)}"


def _show_value(v: str | None) -> str:
    return "⊥" if v is None else v


@dataclass(frozen=True)
class History:
    """A parsed history: its operations in invocation order and its environment events.

    ``crashes`` and ``recoveries`` are ``(event index, process)`` pairs; ``stabilizations`` are
    ``(event index, l)`` pairs (weak leader election's marker); ``processes`` every process named;
    ``crashed_at_end`` the processes down after the last event; ``events`` the number of events
    read (all kinds).
    """

    abstraction: str | None
    operations: tuple[Operation, ...]
    crashes: tuple[tuple[int, str], ...] = ()
    recoveries: tuple[tuple[int, str], ...] = ()
    stabilizations: tuple[tuple[int, str], ...] = ()
    processes: frozenset[str] = field(default_factory=frozenset)
    crashed_at_end: frozenset[str] = field(default_factory=frozenset)
    events: int = 0


def canonical_action(name: str) -> str:
    """``read_return`` → ``read-return``: ioakit machines name families with underscores."""
    return name.replace("_", "-")


def parse_history(events: Iterable[Event], abstraction: str | None = None, path: str = "<history>") -> History:
    """Read ``events`` into a :class:`History`, raising :class:`TraceFormatError` (``path``, line =
    index + 2) for malformed input (module docstring). ``abstraction`` (a header ``"automaton"``
    of :data:`ABSTRACTIONS`) restricts the known actions to that abstraction's; ``None`` accepts
    the actions of all three."""
    if abstraction is not None and abstraction not in ABSTRACTIONS:
        raise ValueError(f"unknown abstraction {abstraction!r}; expected one of {', '.join(ABSTRACTIONS)}")
    known = ABSTRACTIONS[abstraction] if abstraction is not None else frozenset(_SIGNATURE)
    slots: list[dict[str, Any]] = []
    pending: dict[str, int] = {}  # process -> position in slots of its pending operation
    down: dict[str, int] = {}  # crashed process -> index of its crash
    crashes: list[tuple[int, str]] = []
    recoveries: list[tuple[int, str]] = []
    stabilizations: list[tuple[int, str]] = []
    processes: set[str] = set()
    count = 0
    for index, event in enumerate(events):
        count = index + 1
        if event.kind not in ("input", "output"):
            continue
        line = event_line(index)

        def fail(message: str, line: int = line) -> TraceFormatError:
            return TraceFormatError(path, line, message)

        action = canonical_action(event.action)
        if action not in known:
            where = f" of {abstraction} histories" if abstraction is not None else ""
            raise fail(
                f"unknown external action {event.action!r} (the {event.kind} actions{where} are "
                f'{", ".join(sorted(known))}; internal steps must have kind "internal")'
            )
        kind, params = _SIGNATURE[action]
        check_event_signature(event, kind, params, fail, closed=False)
        args = event.args
        if action == "stabilize":
            stabilizations.append((index, args["l"]))
            continue
        p: str = args["p"]
        processes.add(p)
        if action == "recover":
            if p not in down:
                raise fail(f"recover of {p}, which is not crashed")
            del down[p]
            recoveries.append((index, p))
            continue
        if p in down:
            raise fail(f"{event.action} at {p}, which crashed at event {down[p]} (line {event_line(down[p])})")
        if action == "crash":
            down[p] = index
            crashes.append((index, p))
            if p in pending:  # the crash abandons the pending operation: it never returns
                slots[pending.pop(p)]["crashed"] = index
            continue
        if action in _INVOCATIONS:
            if p in pending:
                other = slots[pending[p]]
                raise fail(
                    f"{event.action} at {p} while its {other['name']} invoked at event {other['inv']} "
                    f"(line {event_line(other['inv'])}) is pending (one operation at a time per process)"
                )
            op: dict[str, Any] = {"name": action, "p": p, "inv": index}
            if "k" in params:
                op["k"] = args["k"]
            if "v" in params:
                op["v"] = args["v"]
            pending[p] = len(slots)
            slots.append(op)
            continue
        invocation = _RESPONSES[action]
        op = close_pending(event, p, invocation, pending, slots, fail)
        op["res"] = index
        if "status" in params:
            op["status"] = args["status"]
        if "v" in params:
            op["rv"] = args["v"]
        if "l" in params:
            op["rv"] = args["l"]
            processes.add(args["l"])
    return History(
        abstraction=abstraction,
        operations=tuple(Operation(**op) for op in slots),
        crashes=tuple(crashes),
        recoveries=tuple(recoveries),
        stabilizations=tuple(stabilizations),
        processes=frozenset(processes | {l for _, l in stabilizations}),
        crashed_at_end=frozenset(down),
        events=count,
    )


def history_operations(
    events: Iterable[Event], abstraction: str | None = None, path: str = "<history>"
) -> list[Operation]:
    """The operations of a recorded history, in invocation order (see :func:`parse_history`)."""
    return list(parse_history(events, abstraction, path).operations)
