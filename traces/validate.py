"""Trace events validated against the automaton their header names, before any property is judged.

A checker of trace properties (Lemma 4.2, TO-machine membership, the Deconstructing Paxos
properties) looks only at the events it knows; without this module a file of unknown actions,
of TO-machine events in a VS-machine trace, of inputs recorded as outputs or of ``p99`` when the
scope has two processors would be judged, and "hold". Here every event is checked against the
*signature* of the header's automaton at the header's scope (``traces/FORMAT.md`` section 6a):

* the action is one of the automaton's action families (``vs-order`` and ``vs_order`` are one);
* its ``kind`` is the family's (an input recorded as an output is an error); ``kind: "time"`` is
  only ν(t), ``{"action": "nu", "args": {"t": t}}`` with t > 0;
* its arguments are exactly the family's parameters, each value decoded against the parameter's
  declared type at the header's scope (``p99`` when ``processors`` is 2 names p1, p2);
* ``at``, when given and the family declares a location, is that argument's value.

The signature comes from the registry: for a ``Spec``, its declaration at the header's scope
(``declare``, no action is traced, so this costs nothing that grows with the scope's product);
for a ``System`` (VStoTO-system), the families of one build at its default scope, their
parameter types re-declared at the header's scope. Before any of this the header's scope is
bounded (:data:`MAX_SCOPE_VALUE`), so a 130-byte header cannot ask for a machine of 10⁸
processors. Deconstructing Paxos histories have their own vocabulary (invocations, responses,
``crash``, ``recover``, ``stabilize``: :mod:`ioakit.traces.paxos.operations`, which checks the
actions, kinds and argument types); this module adds the scope bound and that every process
named is one of p1 … pn when the header gives ``processes`` = n. DynaStore histories (``atomic-register``,
``weak-snapshot``) are read against their contract by :mod:`ioakit.traces.dynastore.history`; this
module bounds their scope and length.

Every error is a :class:`~ioakit.traces.format.TraceFormatError` ``path:LINE: message`` (exit 2).
The validation streams: :func:`validated_events` wraps the lazy event iterator of
:func:`~ioakit.traces.format.read_trace`, so the first bad event of a file of a million stops it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ioakit.traces.format import Event, TraceFormatError, TraceHeader

__all__ = [
    "MAX_BUDGET",
    "MAX_EVENTS",
    "MAX_SCOPE_VALUE",
    "Signature",
    "header_scope",
    "registered_spec",
    "signature_of",
    "validated_events",
]

MAX_SCOPE_VALUE: Final = 64
"""The largest integer a trace header's scope member may hold (and the most elements of an array
member such as ``P0``): far above what any shipped machine is explored at, far below what would
make building the automaton's signature (maps over P × G, …) cost memory."""

MAX_BUDGET: Final = 10**9
"""The largest value of an environment budget, a scope member named ``max_…`` (``max_inputs``,
``max_ops``): a budget only bounds a counter (``with_input_budget``), so a long recorded run may
need a large one and it costs nothing to declare (``tests/ioakit/test_sigint.py`` records
600,000 inputs)."""

MAX_EVENTS: Final = 10_000_000
"""The most events of a judged trace: the checkers keep a little per event (Lemma 4.2's ``cause``,
a history's operations), so the file's length, not only its lines, is bounded (about a GB of
events; the reader itself streams, and refinement along a trace does not go through this)."""

_MAX_SHOWN: Final = 200
_ALIASES: Final = {"P": "processors", "G": "view_ids", "M": "messages", "A": "values"}
"""The paper's names of scope members (FORMAT.md section 2) → the machines' parameter names."""
_PAXOS: Final = frozenset({"round-based-register", "round-based-consensus", "weak-leader-election"})
_DYNASTORE: Final = frozenset({"atomic-register", "weak-snapshot"})
"""DynaStore histories: their checker reads the whole contract (``ioakit.traces.dynastore.history``:
actions, kinds, exact arguments, process names, well-formedness); here only the scope bound and
the event count apply."""
_VS_LIKE: Final = frozenset({"VS-machine", "WeakVS-machine"})
_PROCESS: Final = re.compile(r"p([1-9][0-9]{0,5})")
_VALUE: Final = re.compile(r"v[1-9][0-9]{0,5}")


@dataclass(frozen=True)
class _Family:
    name: str
    kind: str
    params: tuple[tuple[str, Any], ...]  # (name, ioakit.lang.types.Type)
    location: str | None


@dataclass(frozen=True)
class Signature:
    """The action families of an automaton at one scope, by canonical name (``_`` for ``-``)."""

    automaton: str
    families: Mapping[str, _Family]

    def describe(self) -> str:
        """The families as ``name (kind)``, for error messages."""
        return ", ".join(f"{f.name} ({f.kind})" for f in self.families.values())


def _short(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def header_scope(header: TraceHeader, path: str) -> dict[str, Any]:
    """The header's scope with every member bounded (:data:`MAX_SCOPE_VALUE`), or a line-1 error.

    Integers must lie in 0 … MAX_SCOPE_VALUE (0 … MAX_BUDGET for a budget ``max_…``), arrays hold
    at most MAX_SCOPE_VALUE elements, strings at most 200 characters; other members (objects, ⊥,
    booleans, fractions) are refused, since no scope member is one. Checked before anything that
    grows with a scope value is built."""
    out: dict[str, Any] = {}
    for key, value in header.scope.items():
        if isinstance(value, bool) or (isinstance(value, int) and value < 0):
            raise TraceFormatError(path, 1, f"scope.{key} must be a non-negative integer, got {json.dumps(value)}")
        if value is None or isinstance(value, dict | float):
            raise TraceFormatError(path, 1, f"scope.{key} must be an integer, an array or a string")
        limit = MAX_BUDGET if key.startswith("max_") else MAX_SCOPE_VALUE
        if isinstance(value, int) and value > limit:
            raise TraceFormatError(
                path, 1, f"scope.{key} = {_short(str(value))} is outside 0..{limit} (the format's limit)"
            )
        if isinstance(value, list) and len(value) > MAX_SCOPE_VALUE:
            raise TraceFormatError(
                path, 1, f"scope.{key} has {len(value)} elements, more than the format's limit {MAX_SCOPE_VALUE}"
            )
        if isinstance(value, str) and len(value) > _MAX_SHOWN:
            raise TraceFormatError(path, 1, f"scope.{key} is a string of {len(value)} characters (at most 200)")
        out[key] = value
    return out


def _machine_scope(spec: Any, scope: Mapping[str, Any], path: str) -> dict[str, int]:
    """The scope parameters of ``spec`` the header gives, by parameter or paper name (``P`` for
    ``processors``; ``P0`` = p1 … pn for ``initial_members`` = n); absent ones take the defaults."""
    names = {p.name for p in spec.parameters}
    given: dict[str, int] = {}
    for key, value in scope.items():
        name = _ALIASES.get(key, key)
        if name not in names:
            continue
        if not isinstance(value, int):
            raise TraceFormatError(
                path, 1, f"scope.{key} must be a non-negative integer, got {_short(json.dumps(value))}"
            )
        if name in given and given[name] != value:
            first = next(k for k in scope if _ALIASES.get(k, k) == name)
            raise TraceFormatError(path, 1, f"scope.{first} = {given[name]} and scope.{key} = {value} disagree")
        given[name] = value
    p0 = scope.get("P0")
    prefix = isinstance(p0, list) and p0 == [f"p{i}" for i in range(1, len(p0) + 1)]
    if "initial_members" in names and "initial_members" not in given and prefix:
        given["initial_members"] = len(p0)
    return given


@functools.lru_cache(maxsize=16)
def _system_type_names(name: str) -> tuple[tuple[str, str, tuple[tuple[str, str, Any], ...], str | None], ...]:
    """A System's families (name, kind, (parameter, type name, type) triples, location), from one
    build at its default scope: a System's families are made while its actions are traced. The
    type name is ``""`` for a type the System does not name (then the default scope's type is
    used: no shipped System has one, ``tests/traces/test_validate.py``)."""
    from ioakit.registry import get_spec

    spec = get_spec(name)
    machine = spec.build()
    by_type: dict[Any, str] = {}
    for tname, t in machine.decl.types.items():
        by_type.setdefault(t, tname)
    out = []
    for fam in machine.families:
        params = tuple((pname, by_type.get(t, ""), t) for pname, t in fam.params)
        out.append((fam.name, fam.kind.value, params, fam.location))
    return tuple(out)


def _families(spec: Any, sc: Any) -> list[_Family]:
    from ioakit.lang.system import System

    if not isinstance(spec, System):
        d = spec.declare(sc)
        out = []
        for _, _, ad in spec.families():
            fam = spec.family(ad, d)
            out.append(_Family(fam.name, fam.kind.value, fam.params, fam.location))
        return out
    d = spec.declare(sc)
    for component in spec.components(sc, d):
        spec._part(component, sc, d)  # declares the component's domains and types into d (no tracing)
    out = []
    for fname, kind, params, location in _system_type_names(spec.name):
        resolved = []
        for pname, tname, default_type in params:
            resolved.append((pname, d.types.get(tname, default_type)))
        out.append(_Family(fname, kind, tuple(resolved), location))
    return out


def registered_spec(automaton: str) -> Any | None:
    """The registered machine (a paper's, or an ``ioakit.machines`` entry point) called
    ``automaton``, or ``None``. Never ``file.py:Class`` / ``module:Class``: a trace file is data,
    and the name in its header must not make ioakit import (run) a file or module it names."""
    from ioakit.registry import machine_classes

    for name, cls in machine_classes().items():
        if name.lower() == automaton.lower():
            return cls()
    return None


def signature_of(header: TraceHeader, path: str) -> Signature | None:
    """The signature of the header's automaton at the header's scope (line-1 errors for a scope
    the automaton refuses); ``None`` for an automaton the registry does not know as a machine
    (a third-party checker's: only the scope bound applies)."""
    from ioakit.errors import IoakitError, UserError, model_code_error

    scope = header_scope(header, path)
    spec = registered_spec(header.automaton)
    if spec is None:
        return None
    if header.automaton in _VS_LIKE:  # P0 first: its own messages (FORMAT.md section 2)
        from ioakit.traces.fls.checkers import vs_initial_members

        try:
            vs_initial_members(scope)
        except ValueError as e:
            raise TraceFormatError(path, 1, str(e)) from None
    given = _machine_scope(spec, scope, path)
    try:
        sc = spec.scope(given)
        families = _families(spec, sc)
    except UserError as e:
        raise TraceFormatError(path, 1, f"scope of {header.automaton}: {e}") from None
    except IoakitError:
        raise
    except Exception as e:  # a registered model's own declaration failed: located in its file
        raise model_code_error(e, f"{header.automaton}: declare") from e
    table: dict[str, _Family] = {}
    for fam in families:
        table.setdefault(fam.name.replace("-", "_"), fam)
    return Signature(header.automaton, table)


def _event_problem(event: Event, sig: Signature) -> str | None:
    """What is wrong with ``event`` as an action of ``sig``'s automaton, or ``None``."""
    from ioakit.lang.types import SchemaError

    if event.kind == "time":
        if event.action != "nu" or set(event.args) != {"t"}:
            return 'a time-passage event is {"action": "nu", "kind": "time", "args": {"t": t}}'
        t = event.args["t"]
        if isinstance(t, bool) or not isinstance(t, int | float) or not 0 < t < float("inf"):
            return f"time passage nu(t) needs a finite t > 0, got {_short(repr(t))}"
        return None
    fam = sig.families.get(event.action.replace("-", "_"))
    if fam is None:
        return f"{sig.automaton} has no action {_short(repr(event.action))}; its actions are {sig.describe()}"
    if event.kind != fam.kind:
        return f"{event.action} is an {fam.kind} action of {sig.automaton}, recorded with kind {event.kind!r}"
    expected = [name for name, _ in fam.params]
    if set(event.args) != set(expected):
        missing = [n for n in expected if n not in event.args]
        extra = sorted(n for n in event.args if n not in expected)
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(_short(n) for n in extra)}"] if extra else []
        )
        return f"{event.action} takes the arguments {', '.join(expected) or '(none)'}: {'; '.join(parts)}"
    for name, t in fam.params:
        value = event.args[name]
        try:
            t.from_json(value)
        except (SchemaError, ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
            return f"{event.action} argument {name}: not a value of {t}: {_short(str(e))}"
    if event.at is not None and fam.location is not None and event.at != event.args.get(fam.location):
        where = event.args[fam.location]
        return f'"at" is {event.at!r} but {event.action} happens at its argument {fam.location} = {where!r}'
    return None


def _paxos_problem(event: Event, processes: int | None) -> str | None:
    """The process and value names of a Deconstructing Paxos history event (FORMAT.md 5a): the
    rest of its contract is checked by :func:`ioakit.traces.paxos.operations.parse_history`."""
    if event.kind == "time" and "t" in event.args:  # skipped whatever its name, but never negative
        t = event.args["t"]
        if isinstance(t, bool) or not isinstance(t, int | float) or not 0 < t < float("inf"):
            return f"time passage needs a finite t > 0, got {_short(repr(t))}"
    if event.kind not in ("input", "output"):
        return None
    for name in ("p", "l"):
        value = event.args.get(name)
        if isinstance(value, str):
            m = _PROCESS.fullmatch(value)
            if m is None:
                return f'{event.action} argument {name}: {_short(repr(value))} is not a process name "p1", "p2", ...'
            if processes is not None and int(m.group(1)) > processes:
                return (
                    f"{event.action} argument {name}: {value} is not a process of this history "
                    f"(processes = {processes}: p1 ... p{processes})"
                )
    value = event.args.get("v")
    if isinstance(value, str) and _VALUE.fullmatch(value) is None:
        return f'{event.action} argument v: {_short(repr(value))} is not a value name "v1", "v2", ...'
    k = event.args.get("k")
    if isinstance(k, int) and not isinstance(k, bool) and k > 10**18:
        return f"{event.action} argument k: a round number above 10^18"
    return None


def validated_events(
    header: TraceHeader, events: Iterable[Event], path: str, *, max_events: int = MAX_EVENTS
) -> Iterator[Event]:
    """``events`` (event 0 on file line 2) passed through unchanged, each checked against the
    header's automaton first (module docstring), at most ``max_events`` of them; the signature is
    built, and the header's scope checked, on this call — before the first event is read."""
    if header.automaton in _PAXOS:
        scope = header_scope(header, path)
        processes = scope.get("processes")
        if processes is not None and not isinstance(processes, int):
            raise TraceFormatError(path, 1, "scope.processes must be an integer")
        return _paxos_events(_counted(events, max_events, path), processes, path)
    if header.automaton in _DYNASTORE:
        header_scope(header, path)
        return _counted(events, max_events, path)
    sig = signature_of(header, path)
    if sig is None:
        return _counted(events, max_events, path)
    return _checked(_counted(events, max_events, path), sig, path)


def _counted(events: Iterable[Event], max_events: int, path: str) -> Iterator[Event]:
    for index, event in enumerate(events):
        if index >= max_events:
            raise TraceFormatError(path, index + 2, f"more than {max_events:,} events (the limit of a judged trace)")
        yield event


def _checked(events: Iterable[Event], sig: Signature, path: str) -> Iterator[Event]:
    for index, event in enumerate(events):
        problem = _event_problem(event, sig)
        if problem is not None:
            raise TraceFormatError(path, index + 2, problem)
        yield event


def _paxos_events(events: Iterable[Event], processes: int | None, path: str) -> Iterator[Event]:
    for index, event in enumerate(events):
        problem = _paxos_problem(event, processes)
        if problem is not None:
            raise TraceFormatError(path, index + 2, problem)
        yield event
