"""Step properties checked along a recorded trace file, streaming.

``check_trace_steps(machine, step_props, trace)`` reads a trace file (``traces/FORMAT.md``) event by
event and judges every step property (``ioakit.lang.steps``) on each recorded step (state before
the event, the event's action instance, the event's ``state`` snapshot). It holds one pre-state and
a few counters, never the events: memory is constant in the length of the trace. A violation names
the event's line in the file (the header is line 1, event ``i`` is on line ``i + 2``).

How a recorded step is read:

* **States.** The first pre-state is the header's ``start_state``, else the machine's only start
  state. Snapshots are decoded with ``Machine.state_from_json``; the paper's spelling of a variable
  (``current-viewid``) is accepted for ``current_viewid``, and a missing ``inputs_issued`` (the
  explorer's input budget, not a variable of the paper) is the count of inputs so far. An event
  without a snapshot takes the post-state of the machine's own step.
* **Actions.** The event's instance is the one of that name (paper spelling accepted: ``to-order``)
  whose arguments, taken from the pre-state where the action binds them, are the event's ``args``.
  When several instances fit (an effect's ``choose``), the one whose step leads to the snapshot is
  taken. Time-passage events (kind ``time``) are not steps of an untimed automaton and are skipped.
* **Recorded, not replayed.** Properties are judged on the recorded states: a step that the
  machine would not take from the recorded pre-state (or not to the recorded post-state) is still
  judged, and counted as ``unexplained`` (the first such line is kept), since the trace may come
  from an implementation under test or omit internal steps.

A trace that names no instance of the machine, or an unreadable snapshot, is a
``TraceFormatError`` at its line (exit 2 at the command line).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from ioakit.backends.codegen import OUT_OF_BOUNDS
from ioakit.engines.steps import StepChecks
from ioakit.errors import UserError
from ioakit.lang.automaton import INPUTS_ISSUED, Kind, Machine
from ioakit.lang.steps import StepProperty
from ioakit.results import Verdict
from ioakit.traces.format import Event, TraceFormatError, TraceHeader, TraceReader

State = tuple[Any, ...]
TraceSource = str | os.PathLike[str] | IO[str] | IO[bytes] | tuple[TraceHeader, Iterable[Event]]
"""A trace file's path or stream, or an already read ``(header, events)`` pair."""


@dataclass(frozen=True)
class StepTraceViolation:
    """The first recorded step that breaks a step property: its event's ``line`` in the file."""

    machine: Machine = field(repr=False, compare=False)
    line: int
    pre: State
    action: int
    post: State

    @property
    def index(self) -> int:
        """The event's 0-based index (``FORMAT.md``: line ``L`` holds event ``L - 2``)."""
        return self.line - 2

    @property
    def label(self) -> str:
        return self.machine.label_of(self.action, self.pre)

    def to_json(self) -> dict[str, Any]:
        m = self.machine
        return {
            "line": self.line,
            "event_index": self.index,
            "action": self.label,
            "pre": m.state_json(self.pre),
            "post": m.state_json(self.post),
        }


@dataclass(frozen=True)
class StepTraceItem:
    """One step property along a trace: its verdict, first violation and number of violations."""

    name: str
    reference: str
    first: StepTraceViolation | None
    violations: int

    @property
    def verdict(self) -> Verdict:
        """OK when no recorded step breaks it (the trace is read to its end: never INCOMPLETE)."""
        return Verdict.OK if self.first is None else Verdict.VIOLATED

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "reference": self.reference,
            "verdict": self.verdict.value,
            "violations": self.violations,
        }
        if self.first is not None:
            out["first_violation"] = self.first.to_json()
        return out


@dataclass(frozen=True)
class StepTraceReport:
    """Step properties judged on every step of one trace (an ``ioakit.results.Report``)."""

    machine: str
    source: str
    events: int
    items: tuple[StepTraceItem, ...]
    unexplained: int = 0
    """Recorded steps the machine does not take from the recorded pre-state to the recorded post-state."""
    first_unexplained_line: int | None = None

    @property
    def verdict(self) -> Verdict:
        return Verdict.combine(it.verdict for it in self.items)

    def item(self, name: str) -> StepTraceItem:
        for it in self.items:
            if it.name == name:
                return it
        raise KeyError(name)

    def show(self) -> str:
        lines = [f"{self.source}: {self.machine}, {self.events} events, step properties {self.verdict.value}"]
        w = max((len(i.name) for i in self.items), default=0)
        for it in self.items:
            line = f"  {it.name:<{w}}  {it.verdict.value}"
            if it.first is not None:
                line += f" at line {it.first.line} ({it.first.label}); {it.violations} violating step(s)"
            lines.append(line)
        if self.unexplained:
            lines.append(
                f"  note: {self.unexplained} recorded step(s) are not steps of {self.machine} from the recorded "
                f"state (first at line {self.first_unexplained_line}); they were judged as recorded"
            )
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "source": self.source,
            "mode": "trace-steps",
            "verdict": self.verdict.value,
            "events": self.events,
            "unexplained": self.unexplained,
            "first_unexplained_line": self.first_unexplained_line,
            "step_properties": [it.to_json() for it in self.items],
        }


def _canonical(j: Any) -> str:
    """One text per JSON value (tuples and lists alike), to compare arguments."""
    return json.dumps(j, sort_keys=True, ensure_ascii=False)


class _Decoder:
    """Snapshots and actions of one machine as the trace records them."""

    def __init__(self, m: Machine, path: str) -> None:
        self.m = m
        self.path = path
        self.names = set(m.var_names)
        self.budget = m.var_index(INPUTS_ISSUED) if INPUTS_ISSUED in self.names else None
        self.static: dict[tuple[str, str], list[int]] = {}
        self.dynamic: dict[str, list[int]] = {}
        for k, a in enumerate(m.actions):
            if a.bound:
                self.dynamic.setdefault(a.name, []).append(k)
            else:
                self.static.setdefault((a.name, _canonical(a.args_json())), []).append(k)
        self.families = {a.name for a in m.actions}
        self.steps = m.compiled().steps

    def state(self, j: Mapping[str, Any], line: int, inputs: int) -> State:
        """A snapshot as a state; ``inputs`` is ``inputs_issued`` when the snapshot lacks it."""
        if not isinstance(j, Mapping):
            raise TraceFormatError(self.path, line, f"a state snapshot is an object, got {j!r}")
        snap = {(n if n in self.names else n.replace("-", "_")): v for n, v in j.items()}
        if self.budget is not None and INPUTS_ISSUED not in snap:
            snap[INPUTS_ISSUED] = inputs
        try:
            return self.m.state_from_json(snap)
        except (UserError, ValueError, KeyError, TypeError, IndexError) as e:
            raise TraceFormatError(self.path, line, f"state snapshot is not a state of {self.m.name}: {e}") from None

    def candidates(self, ev: Event, pre: State, line: int) -> list[int]:
        """The instances named by the event's action and arguments (from ``pre`` where bound)."""
        name = ev.action if ev.action in self.families else ev.action.replace("-", "_")
        if name not in self.families:
            known = ", ".join(sorted(self.families))
            raise TraceFormatError(self.path, line, f"{self.m.name} has no action {ev.action!r} (actions: {known})")
        want = _canonical(dict(ev.args))
        out = list(self.static.get((name, want), ()))
        out += [k for k in self.dynamic.get(name, ()) if _canonical(self.m.args_json_of(k, pre)) == want]
        if not out:
            raise TraceFormatError(
                self.path, line, f"no {name} action of {self.m.name} has the arguments {want} in the state before it"
            )
        return out

    def step(self, ev: Event, pre: State, line: int) -> tuple[int, State, bool]:
        """``(instance, post-state, explained)``: the event's instance, the recorded (or, with no
        snapshot, the machine's) post-state, and whether the machine's step gives that state."""
        cands = self.candidates(ev, pre, line)
        outs = [(k, self.steps[k](pre)) for k in cands]
        if ev.state is None:
            taken = [(k, o) for k, o in outs if o is not None and o is not OUT_OF_BOUNDS]
            if len(taken) != 1:
                why = "is not enabled" if not taken else "is ambiguous (several choices are enabled)"
                raise TraceFormatError(
                    self.path, line, f"the event has no state snapshot and its step {why} in the state before it"
                )
            return taken[0][0], taken[0][1], True
        inputs = 0 if self.budget is None else pre[self.budget] + (self.m.actions[cands[0]].kind is Kind.INPUT)
        post = self.state(ev.state, line, inputs)
        for k, o in outs:
            if o == post:
                return k, post, True
        return cands[0], post, False


def check_trace_steps(m: Machine, props: Sequence[StepProperty], trace: TraceSource) -> StepTraceReport:
    """Judge every step property in ``props`` on every recorded step of ``trace`` (streaming: one
    pre-state in memory). The header must name ``m``; errors are ``TraceFormatError`` at a line."""
    if isinstance(trace, tuple):
        header, events, path = trace[0], iter(trace[1]), "<trace>"
    else:
        reader = TraceReader(trace)
        header, events, path = reader.header, iter(reader), reader.path
    if header.automaton.casefold() != m.name.casefold():
        raise TraceFormatError(path, 1, f"the trace is of {header.automaton}, not of {m.name}")
    checks = StepChecks(m, props)
    dec = _Decoder(m, path)
    if header.start_state is not None:
        pre = dec.state(header.start_state, 1, 0)
    elif len(m.start_states) == 1:
        pre = m.start_states[0]
    else:
        raise TraceFormatError(path, 1, f"{m.name} has several start states: the header needs a start_state")
    first: list[StepTraceViolation | None] = [None] * len(props)
    counts = [0] * len(props)
    unexplained, first_unexplained = 0, None
    n = 0
    for n, ev in enumerate(events, start=1):
        line = n + 1
        if ev.kind == "time":  # time passage: no step of an (untimed) I/O automaton
            continue
        k, post, explained = dec.step(ev, pre, line)
        if not explained:
            unexplained += 1
            first_unexplained = first_unexplained or line
        for j in checks.broken(k, pre, post):
            counts[j] += 1
            if first[j] is None:
                first[j] = StepTraceViolation(m, line, pre, k, post)
        pre = post
    items = tuple(StepTraceItem(p.name, p.reference, f, c) for p, f, c in zip(props, first, counts))
    return StepTraceReport(m.name, path, n, items, unexplained, first_unexplained)
