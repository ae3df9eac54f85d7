"""ioakit.traces.validate: the signature of a header's automaton, and events checked against it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ioakit import registry
from ioakit.traces.format import Event, TraceFormatError, TraceHeader
from ioakit.traces.validate import MAX_SCOPE_VALUE, header_scope, signature_of, validated_events

PAXOS = {"round-based-register", "round-based-consensus", "weak-leader-election"}
HISTORIES = PAXOS | {"atomic-register", "weak-snapshot"}  # read against their own contracts, not a machine
TRACED = sorted({a for p in registry.papers() for tc in p.trace_checks for a in tc.automata} - HISTORIES)


@pytest.mark.parametrize("automaton", TRACED)
def test_the_signature_is_the_built_machines(automaton: str) -> None:
    """Every automaton a shipped checker judges: the families (name, kind, parameters, their
    types, location) taken without tracing are those of the machine built at the same scope."""
    header = TraceHeader(automaton=automaton, scope={"initial_members": 2})
    sig = signature_of(header, "t.jsonl")
    assert sig is not None
    machine = registry.get_spec(automaton).build()
    built = {f.name: (f.kind.value, f.params, f.location) for f in machine.families}
    assert {name: (f.kind, f.params, f.location) for name, f in sig.families.items()} == built


def test_a_systems_parameter_types_follow_the_header_scope() -> None:
    """VStoTO-system's families come from a build at its default scope; the types of their
    parameters are re-declared at the header's (p3 is a processor only when processors ≥ 3)."""
    bcast = Event("bcast", "input", {"a": "a1", "p": "p3"})
    three = TraceHeader(automaton="VStoTO-system", scope={"processors": 3, "initial_members": 3})
    assert list(validated_events(three, [bcast], "t.jsonl")) == [bcast]
    two = TraceHeader(automaton="VStoTO-system", scope={"processors": 2})
    with pytest.raises(TraceFormatError) as e:
        list(validated_events(two, [bcast], "t.jsonl"))
    assert e.value.line == 2 and "p3" in e.value.message and "p1, p2" in e.value.message


def test_at_must_be_where_the_action_happens() -> None:
    header = TraceHeader(automaton="VS-machine", scope={"initial_members": 2})
    good = Event("gprcv", "output", {"m": "m1", "p": "p1", "q": "p2"}, at="p2")
    bad = Event("gprcv", "output", {"m": "m1", "p": "p1", "q": "p2"}, at="p1")
    assert list(validated_events(header, [good], "t.jsonl")) == [good]
    with pytest.raises(TraceFormatError, match=r"t\.jsonl:2: \"at\" is 'p1' but gprcv happens at its argument q"):
        list(validated_events(header, [bad], "t.jsonl"))


def test_validation_streams_and_stops_at_the_first_bad_event() -> None:
    consumed = 0

    def events() -> Iterator[Event]:
        nonlocal consumed
        for i in range(10**9):
            consumed += 1
            yield Event("gpsnd", "input", {"m": "m1", "p": "p1"}) if i < 3 else Event("nope", "input", {})

    header = TraceHeader(automaton="VS-machine", scope={"initial_members": 2})
    with pytest.raises(TraceFormatError) as e:
        for _ in validated_events(header, events(), "t.jsonl"):
            pass
    assert e.value.line == 5 and consumed == 4


def test_the_header_is_checked_before_the_first_event_is_read() -> None:
    def events() -> Iterator[Event]:
        raise AssertionError("no event may be read before the header is accepted")
        yield  # pragma: no cover

    header = TraceHeader(automaton="TO-machine", scope={"processors": MAX_SCOPE_VALUE + 1})
    with pytest.raises(TraceFormatError, match=r"^t\.jsonl:1: scope\.processors = 65 is outside 0\.\.64"):
        validated_events(header, events(), "t.jsonl")


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ({"P": True}, "must be a non-negative integer, got true"),
        ({"P": -3}, "must be a non-negative integer, got -3"),
        ({"P": 10**9}, "outside 0..64"),
        ({"P0": ["p1"] * 65}, "65 elements"),
        ({"note": "x" * 201}, "201 characters"),
        ({"x": None}, "an integer, an array or a string"),
        ({"x": 1.5}, "an integer, an array or a string"),
    ],
)
def test_header_scope_bounds(scope: dict[str, object], message: str) -> None:
    with pytest.raises(TraceFormatError, match=r"^t\.jsonl:1: ") as e:
        header_scope(TraceHeader(automaton="anything", scope=scope), "t.jsonl")
    assert message in e.value.message


def test_an_automaton_the_registry_does_not_know_gets_the_scope_bound_only() -> None:
    header = TraceHeader(automaton="somebody-elses", scope={"n": 3})
    events = [Event("anything", "input", {"x": 1})]
    assert list(validated_events(header, events, "t.jsonl")) == events
    with pytest.raises(TraceFormatError, match=r"outside 0\.\.64"):
        validated_events(TraceHeader(automaton="somebody-elses", scope={"n": 100}), events, "t.jsonl")


@pytest.mark.parametrize("automaton", ["TO-machine", "round-based-register", "somebody-elses"])
def test_a_judged_trace_has_at_most_max_events(automaton: str) -> None:
    header = TraceHeader(automaton=automaton, scope={})
    crash = Event("crash", "input", {"p": "p1"}) if automaton == "round-based-register" else None
    event = crash or Event("bcast", "input", {"a": "a1", "p": "p1"})
    assert len(list(validated_events(header, [event] * 3, "t.jsonl", max_events=3))) == 3
    with pytest.raises(TraceFormatError, match=r"^t\.jsonl:5: more than 3 events"):
        list(validated_events(header, [event] * 4, "t.jsonl", max_events=3))


def test_a_budget_may_be_large_a_domain_may_not() -> None:
    """max_inputs only bounds a counter: a recorded run of a million inputs is judged; a domain
    of a million processors is refused."""
    ok = TraceHeader(automaton="TO-machine", scope={"processors": 1, "max_inputs": 10**6})
    event = Event("bcast", "input", {"a": "a1", "p": "p1"})
    assert list(validated_events(ok, [event], "t.jsonl")) == [event]
    with pytest.raises(TraceFormatError, match=r"max_inputs = 1000000001 is outside 0\.\.1000000000"):
        validated_events(TraceHeader(automaton="TO-machine", scope={"max_inputs": 10**9 + 1}), [], "t.jsonl")
    with pytest.raises(TraceFormatError, match=r"processors = 1000000 is outside 0\.\.64"):
        validated_events(TraceHeader(automaton="TO-machine", scope={"processors": 10**6}), [], "t.jsonl")
