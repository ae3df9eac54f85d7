"""Trace properties of Fekete, Lynch and Shvartsman's TO-machine and VS-machine.

Two checkers over sequences of :class:`~ioakit.traces.format.Event` (for instance the events of
:func:`~ioakit.traces.format.read_trace`; both run in one pass and accept any iterable):

* :func:`check_vs_cause` -- Lemma 4.2 (the ``cause`` function of VS-machine, Fig. 5);
* :func:`check_to_trace` -- membership in the traces of TO-machine (Fig. 2), by a linear test of
  our own (three clauses, shown necessary and sufficient in its docstring; the paper only relates
  the traces to those of a totally ordered causal broadcast layer defined elsewhere, Sec. 3.1).

A bad trace is a *result*, never an exception: each checker returns a frozen report with
``holds``, the name of the failing property, the index of the offending event and an
``explanation`` in the paper's notation, plus one :class:`TracePropertyResult` per property;
each report's ``verdict`` (``ioakit.results.Verdict``) is OK or VIOLATED, as ``holds`` says.

Event indices are 0-based positions in the iterable passed in, counting every event (also the
ones a checker ignores). For the events of :func:`read_trace`, file line = index + 2.

Only the actions' names and arguments matter, not their ``kind``: in VStoTO-system the VS
actions are hidden (internal), and checking Lemma 4.2 on the VS projection of such an execution
is still meaningful. Argument names and subscript roles follow the paper (``traces/FORMAT.md``
section 5): ``gprcv(m)_{p,q}``/``safe(m)_{p,q}`` have ``p`` = sender, ``q`` = receiver (Lemma 4.2's
"source" and "destination" subscripts); ``brcv(a)_{p,q}`` has ``p`` = origin, ``q`` = destination
(FLS Sec. 3.1).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ioakit.results import Verdict
from ioakit.traces.format import Event, domain_sort_key

__all__ = [
    "TOTraceResult",
    "TracePropertyResult",
    "VSCauseResult",
    "check_to_trace",
    "check_vs_cause",
    "vs_initial_members",
]


@dataclass(frozen=True)
class TracePropertyResult:
    """The verdict on one named property of a trace (named apart from the explorer's
    ``ioakit.engines.explore.PropertyResult``, which is about states, not traces).

    ``event_index`` is the first offending event (``None`` when the property holds) and
    ``explanation`` says what is wrong there; ``violations`` lists every offending event found,
    with its own explanation, in event order. ``reference`` cites where the property comes from.
    """

    name: str
    reference: str
    holds: bool
    event_index: int | None
    explanation: str
    violations: tuple[tuple[int, str], ...] = ()

    @property
    def verdict(self) -> Verdict:
        """OK when the property holds of the whole trace, else VIOLATED (a trace is checked to
        its end: never INCOMPLETE)."""
        return Verdict.OK if self.holds else Verdict.VIOLATED

    @property
    def offending(self) -> tuple[int, ...]:
        """The indices of all offending events, in order."""
        return tuple(index for index, _ in self.violations)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "reference": self.reference,
            "verdict": self.verdict.value,
            "holds": self.holds,
            "event_index": self.event_index,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class TraceCheckResult:
    """What every trace checker returns: whether the trace has the properties, and the earliest
    violation (``failed_property`` / ``event_index`` / ``explanation``) when it has not."""

    holds: bool
    failed_property: str | None
    event_index: int | None
    explanation: str

    @property
    def verdict(self) -> Verdict:
        """OK iff ``holds`` (the whole trace was checked), else VIOLATED."""
        return Verdict.OK if self.holds else Verdict.VIOLATED


@dataclass(frozen=True)
class VSCauseResult(TraceCheckResult):
    """Result of :func:`check_vs_cause`: Lemma 4.2 of FLS on a VS-machine trace.

    ``holds`` iff a ``cause`` function with properties 1-4 of Lemma 4.2 exists (and the events
    are well-formed). ``failed_property``/``event_index``/``explanation`` describe the earliest
    violation in the trace (ties broken in the order of :attr:`properties`).

    ``cause`` lists ``(gprcv or safe event index, gpsnd event index)`` pairs in event order. When
    ``holds``, it is the unique ``cause`` of Lemma 4.2. Otherwise it is the diagnostic mapping the
    explanations refer to (events with no possible cause are absent from it).
    """

    well_formed: TracePropertyResult
    message_integrity: TracePropertyResult
    no_duplication: TracePropertyResult
    no_reordering: TracePropertyResult
    no_losses: TracePropertyResult
    cause: tuple[tuple[int, int], ...]

    @property
    def properties(self) -> tuple[TracePropertyResult, ...]:
        """All property results: well-formedness, then Lemma 4.2 items 1-4."""
        return (self.well_formed, self.message_integrity, self.no_duplication, self.no_reordering, self.no_losses)

    def get(self, name: str) -> TracePropertyResult:
        """The result for the property called ``name`` (e.g. ``"no_reordering"``)."""
        for result in self.properties:
            if result.name == name:
                return result
        raise KeyError(name)

    def cause_of(self, event_index: int) -> int | None:
        """The gpsnd event index that ``cause`` maps ``event_index`` to, if any."""
        return dict(self.cause).get(event_index)


@dataclass(frozen=True)
class TOTraceResult(TraceCheckResult):
    """Result of :func:`check_to_trace`: is the sequence a trace of TO-machine (FLS Fig. 2)?

    ``holds`` iff the bcast/brcv events satisfy clauses (a), (b), (c) of the linear test of
    :func:`check_to_trace` and are well-formed. ``failed_property`` is ``"clause_a"``, ``"clause_b"``,
    ``"clause_c"`` or ``"well_formed"`` for the earliest violation.

    ``lub`` is ``U``, the lub of the per-destination delivery sequences, as ``(a, p)`` pairs, and
    ``cause`` the natural correspondence of FLS Sec. 3.1 from brcv events to the bcast events
    that cause them, as ``(brcv index, bcast index)`` pairs (diagnostic when the test fails).
    """

    well_formed: TracePropertyResult
    clause_a: TracePropertyResult
    clause_b: TracePropertyResult
    clause_c: TracePropertyResult
    lub: tuple[tuple[Any, str], ...]
    cause: tuple[tuple[int, int], ...]

    @property
    def properties(self) -> tuple[TracePropertyResult, ...]:
        """All property results: well-formedness, then clauses (a), (b), (c)."""
        return (self.well_formed, self.clause_a, self.clause_b, self.clause_c)

    def get(self, name: str) -> TracePropertyResult:
        """The result for the property called ``name`` (e.g. ``"clause_b"``)."""
        for result in self.properties:
            if result.name == name:
                return result
        raise KeyError(name)


# --------------------------------------------------------------------------------------------
# Shared helpers.


def _freeze(value: Any) -> Hashable:
    """A hashable stand-in for a JSON value, equal iff the JSON values are equal."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, list | tuple):
        return ("seq", tuple(_freeze(v) for v in value))
    if isinstance(value, Mapping):
        return ("rec", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    return value


def _show_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', ... (n is 1-based)."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class _Collector:
    """Accumulates violations of one property; builds its :class:`TracePropertyResult`."""

    def __init__(self, name: str, reference: str, statement: str) -> None:
        self.name = name
        self.reference = reference
        self.statement = statement
        self.violations: list[tuple[int, str]] = []

    def add(self, index: int, explanation: str) -> None:
        self.violations.append((index, explanation))

    def result(self) -> TracePropertyResult:
        if not self.violations:
            return TracePropertyResult(self.name, self.reference, True, None, f"holds: {self.statement}")
        ordered = sorted(self.violations, key=lambda v: v[0])
        index, explanation = ordered[0]
        more = len(ordered) - 1
        tail = f" ({more} more offending event{'s' if more != 1 else ''})" if more else ""
        return TracePropertyResult(
            self.name, self.reference, False, index, f"event {index}: {explanation}{tail}", tuple(ordered)
        )


def _first_failure(results: tuple[TracePropertyResult, ...]) -> TracePropertyResult | None:
    failures = [
        (r.event_index if r.event_index is not None else -1, n, r) for n, r in enumerate(results) if not r.holds
    ]
    if not failures:
        return None
    return min(failures, key=lambda f: (f[0], f[1]))[2]


def _is_processor(x: Any) -> bool:
    return isinstance(x, str) and bool(x)


def _missing_args(event: Event, required: tuple[str, ...]) -> str | None:
    missing = [name for name in required if name not in event.args]
    if missing:
        return f"{event.action} event lacks argument{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
    for name in ("p", "q"):
        if name in required and not _is_processor(event.args[name]):
            return f"{event.action} argument {name} must be a processor id string, got {event.args[name]!r}"
    return None


# --------------------------------------------------------------------------------------------
# Lemma 4.2 (VS-machine).

_ViewKey = tuple[Hashable, frozenset[Hashable]]

_VS_ACTIONS: Final = frozenset({"gpsnd", "gprcv", "safe", "newview"})


@dataclass(frozen=True)
class _View:
    key: _ViewKey
    text: str


def _show_view(view: _View | None) -> str:
    return "⊥" if view is None else view.text


def _make_view(raw: Any) -> _View | str:
    """Decode a view ``{"id": g, "set": [p, ...]}`` (FLS Sec. 4: views = G × 2^P) or explain why not."""
    if not isinstance(raw, Mapping) or "id" not in raw or "set" not in raw:
        return f'a view must be an object {{"id": ..., "set": [...]}}, got {_show_value(raw)}'
    view_id, members = raw["id"], raw["set"]
    if isinstance(view_id, bool) or not isinstance(view_id, str | int):
        return f"a view id must be a string or an integer, got {_show_value(view_id)}"
    if not isinstance(members, list) or not all(_is_processor(p) for p in members):
        return f"a view set must be a list of processor ids, got {_show_value(members)}"
    ordered = sorted(set(members), key=domain_sort_key)
    text = f"<{view_id},{{{','.join(ordered)}}}>"
    return _View((_freeze(view_id), frozenset(members)), text)


def _show_vs_event(event: Event) -> str:
    args = event.args
    if event.action in ("gprcv", "safe"):
        return f"{event.action}({_show_value(args.get('m'))})_{{{args.get('p')},{args.get('q')}}}"
    if event.action == "gpsnd":
        return f"gpsnd({_show_value(args.get('m'))})_{args.get('p')}"
    if event.action == "newview":
        view = _make_view(args.get("v"))
        shown = view.text if isinstance(view, _View) else _show_value(args.get("v"))
        return f"newview({shown})_{args.get('p')}"
    return f"{event.action}({_show_value(dict(args))})"


@dataclass
class _Group:
    """The gprcv_{p,q} (or safe_{p,q}) events within one view at q (Lemma 4.2, items 3 and 4)."""

    used: dict[int, int]  # position among gpsnd_p events in the view -> event index using it
    lowest_unused: int = 0
    highest_used: int = -1


_PROCESSOR: Final = re.compile(r"p([1-9][0-9]*)")


def _as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _count(scope: Mapping[str, Any], key: str) -> int | None:
    """A non-negative integer scope member, or None when absent (ValueError when malformed)."""
    if key not in scope:
        return None
    value = scope[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"scope.{key} must be a non-negative integer, got {_as_json(value)}")
    return value


def vs_initial_members(scope: Mapping[str, Any]) -> list[str]:
    """P0, the members of VS-machine's initial view v0 = <g0, P0> (FLS Fig. 5), from a header's scope.

    Lemma 4.2 cannot be checked without P0: it fixes the current view of each location before
    its first ``newview``. ``traces/FORMAT.md`` (section 2, "Scope of VS-machine traces") allows
    two spellings, because hand-written traces use the paper's notation and recorded ones the
    machine's scope parameters (``ioakit simulate --record`` writes ``scope.as_dict()``):

    * ``"P0": ["p1", "p2"]`` -- the set itself: processor names ``p1``, ``p2``, ... in domain
      order without repetitions (a finite set, FORMAT.md section 4);
    * ``"initial_members": n`` -- P0 = {p1, ..., pn}, the first n processors.

    When both are present they must denote the same set. The number of processors, ``"P"`` or
    ``"processors"`` (both must agree when both are present), is optional; when given, P0 must
    lie within p1 ... p|P|. Returns P0 in domain order; raises ``ValueError`` naming the member
    at fault, so a header that would make the checker read the wrong initial view is refused
    rather than guessed at.
    """
    n_p, n_processors = _count(scope, "P"), _count(scope, "processors")
    if n_p is not None and n_processors is not None and n_p != n_processors:
        raise ValueError(f"scope.P = {n_p} and scope.processors = {n_processors} disagree")
    n_procs = n_p if n_p is not None else n_processors
    n_members = _count(scope, "initial_members")
    listed: list[str] | None = None
    if "P0" in scope:
        raw = scope["P0"]
        if not isinstance(raw, list) or not all(isinstance(x, str) and _PROCESSOR.fullmatch(x) for x in raw):
            raise ValueError(f'scope.P0 must be an array of processor names "p1", "p2", ..., got {_as_json(raw)}')
        if raw != sorted(set(raw), key=domain_sort_key):
            raise ValueError(f"scope.P0 is a set: list it in domain order without repetitions (got {_as_json(raw)})")
        listed = list(raw)
    if listed is None and n_members is None:
        raise ValueError('a VS-machine trace header needs P0 in its scope: "P0": ["p1", ...] or "initial_members": n')
    if listed is not None and n_members is not None and listed != [f"p{i}" for i in range(1, n_members + 1)]:
        raise ValueError(
            f"scope.P0 = {_as_json(listed)} and scope.initial_members = {n_members} disagree "
            f"(initial_members = n means P0 = p1 ... pn)"
        )
    members = listed if listed is not None else [f"p{i}" for i in range(1, (n_members or 0) + 1)]
    if n_procs is not None:
        outside = [p for p in members if int(p[1:]) > n_procs]
        if outside:
            raise ValueError(f"scope.P0 names {', '.join(outside)}, outside P = p1 ... p{n_procs}")
    return members


def check_vs_cause(
    events: Iterable[Event], initial_members: Iterable[str], *, initial_view_id: str = "g0"
) -> VSCauseResult:
    """Check Lemma 4.2 of FLS on a VS-machine trace (or the VS projection of an execution).

    Lemma 4.2 (FLS Sec. 4.1): for any trace of VS-machine (Fig. 5) there is a unique total
    function ``cause`` from gprcv and safe events to gpsnd events with

    1. *message integrity*: ``cause(π)`` precedes π, has π's message, is a gpsnd at π's first
       ("source") subscript p, and the current view at π's location q when π occurs is not ⊥ and
       equals the current view at p when ``cause(π)`` occurs;
    2. *no duplication*: for each q, ``cause`` is one-to-one on gprcv events at q, and on safe
       events at q;
    3. *no reordering*: for each p, q and view, ``cause`` is monotone increasing on gprcv_{p,q}
       (resp. safe_{p,q}) events;
    4. *no losses*: for each p, q and view, the range of ``cause`` on gprcv_{p,q} (resp.
       safe_{p,q}) events is a prefix of the subsequence of gpsnd_p events in that view.

    The current view at a location is the argument of its last ``newview``; initially
    ``<initial_view_id, initial_members>`` (the paper's v0 = <g0, P0>) for members of
    ``initial_members`` and ⊥ for the others. A gpsnd at ⊥ is dropped (Fig. 5) and can cause
    nothing. "Within each view" means the view at the event's location (the receiver's for
    gprcv/safe, the sender's for gpsnd; they are equal by item 1).

    How: the proof's uniqueness argument says the i-th gprcv_{p,q} in view v must be mapped to
    the i-th gpsnd_p made in view v (likewise safe). This checker maps each gprcv/safe event to
    the earliest gpsnd it may come from by item 1 that no earlier event of its (p, q, view) group
    used; on a trace satisfying the lemma that *is* the i-th-to-i-th mapping, and when all four
    items hold of the mapping built, it is a ``cause`` with properties 1-4. So the verdict is
    exact, and on a violation every offending event is blamed on one property: no gpsnd fits
    item 1 (message integrity); every fitting one was already used by this group (no
    duplication); it comes from a gpsnd before one already used (no reordering); a gpsnd is
    skipped while a later one of its view is delivered (no losses, blamed on the delivery of the
    later one).

    Well-formedness (reported separately as ``well_formed``): gpsnd needs ``m`` and ``p``;
    gprcv/safe ``m``, ``p`` and ``q``; newview ``v`` (a view) and ``p``, with ``p ∈ v.set`` (the
    signature restriction of Fig. 5). Malformed gprcv/safe/gpsnd events are
    otherwise skipped; a newview with ``p ∉ v.set`` still sets p's current view. Other actions
    (createview, vs-order, failure-status actions, ...) are ignored. Note that Lemma 4.2 is a
    *consequence* of being a VS-machine trace, not a characterisation: e.g. it says nothing about
    when ``safe`` may occur or about newview preconditions.
    """
    members = list(initial_members)
    initial = _make_view({"id": initial_view_id, "set": members})
    if not isinstance(initial, _View):
        raise ValueError(f"initial view: {initial}")

    well_formed = _Collector(
        "well_formed", "FLS Fig. 5 (signature)", "every VS event has the arguments of its action in Fig. 5"
    )
    integrity = _Collector(
        "message_integrity",
        "FLS Lemma 4.2(1)",
        "each gprcv/safe event has a cause: an earlier gpsnd of the same message at its "
        "source, in the same (non-⊥) view",
    )
    duplication = _Collector(
        "no_duplication", "FLS Lemma 4.2(2)", "cause is one-to-one on gprcv (and on safe) events at each destination"
    )
    reordering = _Collector(
        "no_reordering",
        "FLS Lemma 4.2(3)",
        "cause is monotone increasing on gprcv_{p,q} (and safe_{p,q}) events within each view",
    )
    losses = _Collector(
        "no_losses",
        "FLS Lemma 4.2(4)",
        "the range of cause on gprcv_{p,q} (and safe_{p,q}) events within each view is a "
        "prefix of the gpsnd_p events in that view",
    )

    current: dict[str, _View | None] = {p: initial for p in members}
    # gpsnd_p events per (p, view key): (event index, frozen message, raw message).
    sends: dict[tuple[str, _ViewKey], list[tuple[int, Hashable, Any]]] = defaultdict(list)
    views_by_key: dict[_ViewKey, _View] = {initial.key: initial}
    dropped: dict[str, list[tuple[int, Hashable]]] = defaultdict(list)
    groups: dict[tuple[str, str, str, _ViewKey], _Group] = {}
    cause: list[tuple[int, int]] = []
    # Events with no possible cause; explained at the end, when all gpsnd events are known.
    unexplained: list[tuple[int, str, str, str, Hashable, Any, _View]] = []

    for index, event in enumerate(events):
        action = event.action
        if action not in _VS_ACTIONS:
            continue
        args = event.args
        if action == "newview":
            problem = _missing_args(event, ("v", "p"))
            view = _make_view(args.get("v")) if problem is None else problem
            if problem is not None or not isinstance(view, _View):
                well_formed.add(index, f"{_show_vs_event(event)}: {problem or view}")
                continue
            p = args["p"]
            if p not in view.key[1]:
                well_formed.add(
                    index,
                    f"{_show_vs_event(event)}: {p} is not in the view's set, but the "
                    f"signature of newview(v)_p requires p ∈ v.set (Fig. 5)",
                )
            current[p] = view
            views_by_key.setdefault(view.key, view)
            continue
        if action == "gpsnd":
            problem = _missing_args(event, ("m", "p"))
            if problem is not None:
                well_formed.add(index, problem)
                continue
            p, m = args["p"], args["m"]
            view = current.get(p)
            if view is None:
                dropped[p].append((index, _freeze(m)))
            else:
                sends[(p, view.key)].append((index, _freeze(m), m))
            continue

        # gprcv(m)_{p,q} or safe(m)_{p,q}: p = sender, q = receiver (Lemma 4.2: "source", "destination").
        problem = _missing_args(event, ("m", "p", "q"))
        if problem is not None:
            well_formed.add(index, problem)
            continue
        m, p, q = args["m"], args["p"], args["q"]
        shown = _show_vs_event(event)
        view = current.get(q)
        if view is None:
            integrity.add(
                index,
                f"{shown} occurs while the current view at {q} is ⊥; Lemma 4.2(1) requires "
                f"the view at the location of a {action} event to be not ⊥",
            )
            continue
        frozen_m = _freeze(m)
        candidates = sends.get((p, view.key), [])
        group = groups.setdefault((action, p, q, view.key), _Group(used={}))
        position = _earliest_unused(candidates, group, frozen_m)
        if position is not None:
            send_index = candidates[position][0]
            cause.append((index, send_index))
            if position < group.highest_used:
                later = group.highest_used
                reordering.add(
                    index,
                    (
                        f"{shown} in view {view.text} is caused by {p}'s {_ordinal(position + 1)} gpsnd in that view "
                        f"(event {send_index}), but the earlier {action} event {group.used[later]} at {q} in that view "
                        f"was caused by {p}'s {_ordinal(later + 1)} (event {candidates[later][0]}): "
                        f"cause is not monotone increasing"
                    ),
                )
            group.used[position] = index
            group.highest_used = max(group.highest_used, position)
            while group.lowest_unused in group.used:
                group.lowest_unused += 1
            continue
        reused = [pos for pos in group.used if candidates[pos][1] == frozen_m]
        if reused:
            position = max(reused)
            send_index = candidates[position][0]
            cause.append((index, send_index))
            duplication.add(
                index,
                (
                    f"{shown} in view {view.text} can only be caused by {p}'s gpsnd event {send_index}, which "
                    f"already caused {action} event {group.used[position]} at {q}: cause is not one-to-one"
                ),
            )
            continue
        unexplained.append((index, shown, p, action, frozen_m, m, view))

    for index, shown, p, action, frozen_m, m, view in unexplained:
        integrity.add(
            index, _explain_no_cause(index, shown, p, action, frozen_m, m, view, sends, views_by_key, dropped)
        )

    for (action, p, q, view_key), group in groups.items():
        if group.lowest_unused <= group.highest_used:
            # Positions lowest_unused..highest_used are not all used: the range is not a prefix.
            skipped = group.lowest_unused
            first_after = min(pos for pos in group.used if pos > skipped)
            candidates = sends[(p, view_key)]
            view_text = views_by_key[view_key].text
            skipped_index, _, skipped_m = candidates[skipped]
            losses.add(
                group.used[first_after],
                (
                    f"{action} event {group.used[first_after]} at {q} in view {view_text} is caused by {p}'s "
                    f"{_ordinal(first_after + 1)} gpsnd in that view (event {candidates[first_after][0]}), but "
                    f"{p}'s {_ordinal(skipped + 1)} gpsnd in that view, gpsnd({_show_value(skipped_m)})_{p} "
                    f"(event {skipped_index}), never causes a {action}_{{{p},{q}}} in that view: the range of "
                    f"cause is not a prefix of the gpsnd_{p} events in {view_text}"
                ),
            )

    results = (well_formed.result(), integrity.result(), duplication.result(), reordering.result(), losses.result())
    first = _first_failure(results)
    cause.sort()
    if first is None:
        explanation = (
            f"Lemma 4.2 holds: cause maps {len(cause)} gprcv/safe event{'s' if len(cause) != 1 else ''} to gpsnd events"
        )
        return VSCauseResult(True, None, None, explanation, *results, cause=tuple(cause))
    return VSCauseResult(
        False,
        first.name,
        first.event_index,
        f"{first.name} violated ({first.reference}) at {first.explanation}",
        *results,
        cause=tuple(cause),
    )


def _earliest_unused(candidates: list[tuple[int, Hashable, Any]], group: _Group, frozen_m: Hashable) -> int | None:
    """Position of the earliest gpsnd with message ``frozen_m`` not yet used by ``group``."""
    for position in range(group.lowest_unused, len(candidates)):
        if position not in group.used and candidates[position][1] == frozen_m:
            return position
    return None


def _explain_no_cause(
    index: int,
    shown: str,
    p: str,
    action: str,
    frozen_m: Hashable,
    m: Any,
    view: _View,
    sends: Mapping[tuple[str, _ViewKey], list[tuple[int, Hashable, Any]]],
    views_by_key: Mapping[_ViewKey, _View],
    dropped: Mapping[str, list[tuple[int, Hashable]]],
) -> str:
    """Why no gpsnd satisfies Lemma 4.2(1) for the gprcv/safe event ``index``."""
    message = _show_value(m)
    same_view = sends.get((p, view.key), [])
    later = [i for i, fm, _ in same_view if fm == frozen_m and i > index]
    if later:
        return (
            f"{shown} in view {view.text} precedes gpsnd({message})_{p} (event {later[0]}): a {action} "
            f"event must be preceded by its cause"
        )
    other_views = [
        (i, key)
        for (sender, key), sent in sends.items()
        if sender == p and key != view.key
        for i, fm, _ in sent
        if fm == frozen_m and i < index
    ]
    if other_views:
        i, key = min(other_views)
        return (
            f"{shown} occurs in view {view.text} at the receiver, but {p} sent {message} in view "
            f"{views_by_key[key].text} (event {i}): the views at cause and effect must be equal"
        )
    at_bottom = [i for i, fm in dropped.get(p, []) if fm == frozen_m and i < index]
    if at_bottom:
        return (
            f"{shown}: {p} sent {message} only while its current view was ⊥ (event {at_bottom[0]}); "
            f"such a gpsnd is dropped (Fig. 5) and causes nothing"
        )
    sent_here = ", ".join(f"{_show_value(raw)} (event {i})" for i, _, raw in same_view if i < index)
    return f"{shown} in view {view.text}: {p} sent no {message} in that view before it" + (
        f" (its gpsnd messages there: {sent_here})" if sent_here else f" ({p} sent nothing in that view)"
    )


# --------------------------------------------------------------------------------------------
# TO-machine trace membership (FLS Sec. 3.1, Fig. 2).

_TO_ACTIONS: Final = frozenset({"bcast", "brcv"})


@dataclass
class _Entry:
    """U[k]: the k-th pair (a, p) of the lub of the delivery sequences."""

    a: Any
    frozen_a: Hashable
    p: str
    ordinal: int  # 0-based rank among the entries of U with origin p
    first_index: int  # first brcv delivering it
    first_q: str
    bcast_index: int | None = None  # the bcast it maps to under (b), once matched


def check_to_trace(events: Iterable[Event]) -> TOTraceResult:
    """Decide whether the bcast/brcv events form a trace of TO-machine (FLS Fig. 2).

    TO-machine keeps one total order ``queue`` of ``(a, p)`` pairs: ``bcast(a)_p`` appends a to
    ``pending[p]``, the internal ``to-order(a, p)`` moves the head of ``pending[p]`` to ``queue``,
    and ``brcv(a)_{p,q}`` (p = origin, q = destination) delivers ``queue(next[q])`` to q. The paper
    gives no direct membership test; ours is: a finite sequence β is a trace iff

    * (a) the sequences ``D_q`` of pairs ``(a, p)`` delivered at each q are pairwise
      prefix-consistent; let ``U`` be their lub;
    * (b) for every p, the values of U with origin p are a prefix of the values of p's bcast
      events (values need not be unique: the k-th entry of U from p is p's k-th bcast);
    * (c) the bcast that each U[k] maps to under (b) precedes the first brcv delivering U[k].

    (Necessity: every D_q is a prefix of the final ``queue``, whose origin-p entries are p's
    bcasts in order, each to-ordered after its bcast and before any delivery. Sufficiency: insert
    ``to-order`` for U[k] right after the later of its bcast and the to-order of U[k-1].)

    One pass, linear time. After a destination q first disagrees with U (clause (a)), its further
    deliveries are not checked. A brcv delivering U[k] whose bcast has not occurred yet is
    blamed on (c) if that bcast occurs later with the same value, on (b) otherwise. Other
    actions, including ``to-order``, are ignored.
    """
    well_formed = _Collector(
        "well_formed", "FLS Fig. 2 (signature)", "every bcast/brcv event has the arguments of its action in Fig. 2"
    )
    clause_a = _Collector(
        "clause_a",
        "linear test (a), ours; FLS Fig. 2",
        "(a) the delivery sequences of all destinations are pairwise prefix-consistent",
    )
    clause_b = _Collector(
        "clause_b",
        "linear test (b), ours; FLS Fig. 2",
        "(b) for every origin p, the values in U from p are a prefix of p's bcast values",
    )
    clause_c = _Collector(
        "clause_c", "linear test (c), ours; FLS Fig. 2", "(c) every value's bcast precedes its first delivery"
    )

    bcasts: dict[str, list[tuple[int, Hashable, Any]]] = defaultdict(list)
    lub: list[_Entry] = []
    delivered: dict[str, int] = defaultdict(int)  # len(D_q)
    diverged: set[str] = set()
    origin_count: dict[str, int] = defaultdict(int)
    awaiting: dict[str, dict[int, _Entry]] = defaultdict(dict)  # origin -> ordinal -> entry without bcast yet
    deliveries: list[tuple[int, _Entry]] = []

    for index, event in enumerate(events):
        action = event.action
        if action not in _TO_ACTIONS:
            continue
        args = event.args
        if action == "bcast":
            problem = _missing_args(event, ("a", "p"))
            if problem is not None:
                well_formed.add(index, problem)
                continue
            p, a = args["p"], args["a"]
            ordinal = len(bcasts[p])
            bcasts[p].append((index, _freeze(a), a))
            entry = awaiting[p].pop(ordinal, None)
            if entry is not None:
                if entry.frozen_a == _freeze(a):
                    entry.bcast_index = index
                    clause_c.add(
                        entry.first_index,
                        (
                            f"brcv({_show_value(entry.a)})_{{{p},{entry.first_q}}} is the first delivery of {p}'s "
                            f"{_ordinal(ordinal + 1)} bcast, bcast({_show_value(a)})_{p}, which occurs only later "
                            f"(event {index})"
                        ),
                    )
                else:
                    clause_b.add(entry.first_index, _explain_b(entry, p, ordinal, a, index))
            continue

        problem = _missing_args(event, ("a", "p", "q"))
        if problem is not None:
            well_formed.add(index, problem)
            continue
        a, p, q = args["a"], args["p"], args["q"]
        if q in diverged:
            continue
        frozen_a = _freeze(a)
        position = delivered[q]
        if position < len(lub):
            expected = lub[position]
            if expected.frozen_a != frozen_a or expected.p != p:
                diverged.add(q)
                clause_a.add(
                    index,
                    (
                        f"the {_ordinal(position + 1)} delivery at {q} is brcv({_show_value(a)})_{{{p},{q}}}, but the "
                        f"{_ordinal(position + 1)} delivery at {expected.first_q} is "
                        f"brcv({_show_value(expected.a)})_{{{expected.p},{expected.first_q}}} (event "
                        f"{expected.first_index}): the delivery sequences are not prefix-consistent"
                    ),
                )
                continue
            delivered[q] = position + 1
            deliveries.append((index, expected))
            continue
        ordinal = origin_count[p]
        origin_count[p] = ordinal + 1
        entry = _Entry(a, frozen_a, p, ordinal, index, q)
        lub.append(entry)
        delivered[q] = position + 1
        deliveries.append((index, entry))
        sent = bcasts[p]
        if ordinal < len(sent):
            send_index, frozen_sent, raw_sent = sent[ordinal]
            if frozen_sent == frozen_a:
                entry.bcast_index = send_index
            else:
                clause_b.add(index, _explain_b(entry, p, ordinal, raw_sent, send_index))
        else:
            awaiting[p][ordinal] = entry

    for p, entries in awaiting.items():
        for ordinal, entry in entries.items():
            clause_b.add(
                entry.first_index,
                (
                    f"brcv({_show_value(entry.a)})_{{{p},{entry.first_q}}} delivers the {_ordinal(ordinal + 1)} value "
                    f"from origin {p} in the delivery order, but {p} has only {len(bcasts[p])} bcast event"
                    f"{'s' if len(bcasts[p]) != 1 else ''}: more deliveries from {p} than bcasts"
                ),
            )

    results = (well_formed.result(), clause_a.result(), clause_b.result(), clause_c.result())
    cause = tuple((i, e.bcast_index) for i, e in deliveries if e.bcast_index is not None)
    lub_pairs = tuple((e.a, e.p) for e in lub)
    first = _first_failure(results)
    if first is None:
        return TOTraceResult(
            True,
            None,
            None,
            f"a trace of TO-machine: {len(deliveries)} brcv events, lub of length {len(lub)}",
            *results,
            lub=lub_pairs,
            cause=cause,
        )
    return TOTraceResult(
        False,
        first.name,
        first.event_index,
        f"not a trace of TO-machine: {first.name} violated ({first.reference}) at {first.explanation}",
        *results,
        lub=lub_pairs,
        cause=cause,
    )


def _explain_b(entry: _Entry, p: str, ordinal: int, sent_value: Any, send_index: int) -> str:
    return (
        f"brcv({_show_value(entry.a)})_{{{p},{entry.first_q}}} makes {_show_value(entry.a)} the "
        f"{_ordinal(ordinal + 1)} value from origin {p} in the delivery order, but {p}'s "
        f"{_ordinal(ordinal + 1)} bcast is bcast({_show_value(sent_value)})_{p} (event {send_index}): "
        f"not a prefix of {p}'s bcast values (per-origin FIFO order)"
    )
