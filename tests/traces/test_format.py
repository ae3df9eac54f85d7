"""Tests of the trace format (traces/FORMAT.md) and its reader/writer (ioakit.traces.format)."""

from __future__ import annotations

import gc
import io
import json
import re
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ioakit.traces
from ioakit.traces import (
    Event,
    TraceFormatError,
    TraceHeader,
    TraceReader,
    TraceWriter,
    dumps_trace,
    events_from_jsonl,
    external_events,
    loads_trace,
    read_trace,
    write_trace,
)
from ioakit.traces.format import decode_map_key, domain_sort_key, encode_map_key

TRACES_DIR = Path(ioakit.traces.__file__).parent
EXAMPLE = TRACES_DIR / "examples" / "vs-machine-execution.jsonl"
HEADER = TraceHeader(automaton="VS-machine", scope={"P": 2, "P0": ["p1", "p2"]}, created_by="tests", seed=7)
HEADER_LINE = json.dumps(HEADER.to_json_object())


def _trace_text(*event_lines: str) -> str:
    return "\n".join([HEADER_LINE, *event_lines]) + "\n"


def _error_of(text: str) -> TraceFormatError:
    """Read the whole trace in ``text`` and return the TraceFormatError it must raise."""
    with pytest.raises(TraceFormatError) as info:
        _, events = loads_trace(text, source="t.jsonl")
        list(events)
    return info.value


# --------------------------------------------------------------------------------------------
# Round trip.

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(max_size=6), json_values, max_size=4)


@st.composite
def event_lists(draw: st.DrawFn) -> list[Event]:
    n = draw(st.integers(0, 12))
    times = sorted(draw(st.lists(st.floats(0, 1e6), min_size=n, max_size=n)))
    events = []
    for t in times:
        events.append(
            Event(
                action=draw(st.sampled_from(["gpsnd", "gprcv", "vs-order", "nu", "ü-action"])),
                kind=draw(st.sampled_from(["input", "output", "internal", "time"])),
                args=draw(json_objects),
                time=draw(st.none() | st.just(t)),
                state=draw(st.none() | json_objects),
            )
        )
    return events


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(events=event_lists())
def test_round_trip_through_string_preserves_header_and_events(events: list[Event]) -> None:
    header, read = loads_trace(dumps_trace(HEADER, events))
    assert header == HEADER
    assert list(read) == events


def test_round_trip_through_file(tmp_path: Path) -> None:
    events = [
        Event("gpsnd", "input", {"m": "m1", "p": "p1"}, time=0),
        Event(
            "vs-order",
            "internal",
            {"m": "m1", "p": "p1", "g": "g0"},
            time=0.5,
            state={"queue": {"g0": [["m1", "p1"]]}, "current-viewid": {"p1": "g0", "p2": None}},
        ),
        Event("gprcv", "output", {"m": "m1", "p": "p1", "q": "p2"}, time=0.5),
        Event("nu", "time", {"t": 2}, time=2.5),
    ]
    path = tmp_path / "run.jsonl"
    assert write_trace(path, HEADER, events) == 4
    header, read = read_trace(path)
    assert header == HEADER
    assert list(read) == events
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5
    assert json.loads(lines[0])["format"] == "ioakit-trace"
    assert json.loads(lines[3]) == {
        "action": "gprcv",
        "kind": "output",
        "args": {"m": "m1", "p": "p1", "q": "p2"},
        "time": 0.5,
    }


def test_writer_streams_to_an_open_text_file_and_counts_events() -> None:
    buffer = io.StringIO()
    with TraceWriter(buffer, HEADER) as writer:
        writer.write(Event("gpsnd", "input", {"m": "m1", "p": "p1"}))
        assert writer.write_all([Event("gpsnd", "input", {"m": "m2", "p": "p1"})] * 3) == 3
        assert writer.events_written == 4
    assert not buffer.closed  # the caller's file is left open
    assert buffer.getvalue().count("\n") == 5


def test_example_file_is_valid_and_documented_verbatim() -> None:
    header, events = read_trace(EXAMPLE)
    events = list(events)
    assert header.automaton == "VS-machine"
    assert len(events) == 13
    assert [e.action for e in external_events(events)] == [
        "gpsnd",
        "gprcv",
        "gprcv",
        "safe",
        "gpsnd",
        "newview",
        "newview",
        "gpsnd",
        "gprcv",
    ]
    documented = re.search(r"```jsonl\n(.*?)```", (TRACES_DIR / "FORMAT.md").read_text(encoding="utf-8"), re.DOTALL)
    assert documented is not None
    assert documented.group(1) == EXAMPLE.read_text(encoding="utf-8")


def test_events_from_jsonl_parses_headerless_lines() -> None:
    events = events_from_jsonl(
        '{"action":"gpsnd","kind":"input","args":{"m":"m1","p":"p1"}}\n'
        '{"action":"gprcv","kind":"output","args":{"m":"m1","p":"p1","q":"p1"}}\n'
    )
    assert events == [
        Event("gpsnd", "input", {"m": "m1", "p": "p1"}),
        Event("gprcv", "output", {"m": "m1", "p": "p1", "q": "p1"}),
    ]
    with pytest.raises(TraceFormatError, match=r"^<string>:2: unknown kind \"send\""):
        events_from_jsonl('{"action":"a","kind":"input","args":{}}\n{"action":"a","kind":"send","args":{}}')


# --------------------------------------------------------------------------------------------
# Malformed input: the right line, the right message.

GOOD = '{"action":"gpsnd","kind":"input","args":{"m":"m1","p":"p1"}}'

MALFORMED_EVENT_LINES = [
    ('{"action":"gpsnd","kind":"input","args":{"m":"m1"', "invalid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ("", "empty line"),
    ('{"kind":"input","args":{}}', 'event is missing "action"'),
    ('{"action":"gpsnd","args":{}}', 'event is missing "kind"'),
    ('{"action":"gpsnd","kind":"input"}', 'event is missing "args"'),
    ('{"action":"gpsnd","kind":"inptu","args":{}}', 'unknown kind "inptu"'),
    ('{"action":"gpsnd","kind":"input","args":{},"tme":3}', 'unknown event member "tme"'),
    ('{"action":7,"kind":"input","args":{}}', '"action" must be a non-empty string'),
    ('{"action":"","kind":"input","args":{}}', '"action" must be a non-empty string'),
    ('{"action":"gpsnd","kind":"input","args":["m1","p1"]}', '"args" must be an object'),
    ('{"action":"gpsnd","kind":"input","args":{},"time":"1"}', '"time" must be a finite number'),
    ('{"action":"gpsnd","kind":"input","args":{},"time":true}', '"time" must be a finite number'),
    ('{"action":"gpsnd","kind":"input","args":{},"state":[1]}', '"state" must be an object'),
    ('{"action":"gpsnd","kind":"input","args":{"m":NaN}}', "non-finite number NaN"),
    ('{"action":"gpsnd","kind":"input","args":{},"time":1e999}', "out of range"),
    ('{"action":"gpsnd","kind":"input","args":{"m":"m1","m":"m2"}}', 'duplicate key "m"'),
    (GOOD + " x", "extra data"),
    (HEADER_LINE, "a second header"),
]


@pytest.mark.parametrize(("bad_line", "message"), MALFORMED_EVENT_LINES)
@pytest.mark.parametrize("position", [0, 2])
def test_malformed_event_line_is_reported_with_its_line_number(bad_line: str, message: str, position: int) -> None:
    lines = [GOOD, GOOD, GOOD]
    lines.insert(position, bad_line)
    err = _error_of(_trace_text(*lines))
    expected_line = position + 2  # the header is line 1
    assert err.line == expected_line
    assert err.path == "t.jsonl"
    assert str(err).startswith(f"t.jsonl:{expected_line}: ")
    assert message in err.message


def test_decreasing_time_names_both_lines() -> None:
    err = _error_of(
        _trace_text(
            '{"action":"a","kind":"input","args":{},"time":2}',
            '{"action":"a","kind":"input","args":{}}',
            '{"action":"a","kind":"input","args":{},"time":1.5}',
        )
    )
    assert (err.line, str(err)) == (4, "t.jsonl:4: time decreases: 1.5 after 2 (line 2); times must be non-decreasing")


def test_equal_times_and_untimed_events_in_between_are_accepted() -> None:
    _, events = loads_trace(
        _trace_text(
            '{"action":"a","kind":"input","args":{},"time":1}',
            '{"action":"a","kind":"input","args":{}}',
            '{"action":"a","kind":"input","args":{},"time":1}',
        )
    )
    assert [e.time for e in events] == [1, None, 1]


@pytest.mark.parametrize(
    ("header_line", "message"),
    [
        (GOOD, "missing header: line 1 is an event"),
        ('{"automaton":"VS-machine","scope":{}}', 'missing header: line 1 has no "format"'),
        ('{"format":"itf","version":1,"automaton":"x","scope":{}}', 'not an ioakit trace: "format" is "itf"'),
        ('{"format":"ioakit-trace","automaton":"x","scope":{}}', 'header is missing "version"'),
        ('{"format":"ioakit-trace","version":2,"automaton":"x","scope":{}}', "unsupported format version 2"),
        ('{"format":"ioakit-trace","version":"1","automaton":"x","scope":{}}', '"version" must be an integer'),
        ('{"format":"ioakit-trace","version":1,"scope":{}}', 'header is missing "automaton"'),
        ('{"format":"ioakit-trace","version":1,"automaton":"x"}', 'header is missing "scope"'),
        ('{"format":"ioakit-trace","version":1,"automaton":"x","scope":[]}', '"scope" must be an object'),
        ('{"format":"ioakit-trace","version":1,"automaton":"x","scope":{},"sed":1}', 'unknown header member "sed"'),
        ('{"format":"ioakit-trace","version":1,"automaton":"x","scope":{},"seed":1.5}', '"seed" must be'),
        ("not json", "invalid JSON"),
    ],
)
def test_bad_header_is_reported_at_line_1(header_line: str, message: str) -> None:
    err = _error_of(header_line + "\n" + GOOD + "\n")
    assert err.line == 1
    assert message in err.message
    assert str(err) == f"t.jsonl:1: {err.message}"


def test_empty_file_has_no_header(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    with pytest.raises(TraceFormatError) as info:
        read_trace(path)
    assert str(info.value) == f"{path}:1: missing header: the file is empty"


def test_invalid_utf8_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes((HEADER_LINE + "\n" + GOOD + "\n").encode() + b'{"action":"\xff"}\n')
    _, events = read_trace(path)
    with pytest.raises(TraceFormatError) as info:
        list(events)
    assert info.value.line == 3
    assert "not UTF-8" in info.value.message


def test_extension_members_are_accepted_and_ignored() -> None:
    header, events = loads_trace(
        '{"format":"ioakit-trace","version":1,"automaton":"x","scope":{},"x-git":"abc"}\n'
        '{"action":"a","kind":"input","args":{},"x-note":"hi"}\n'
    )
    assert header == TraceHeader("x", {})
    assert list(events) == [Event("a", "input", {})]


def test_crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "crlf.jsonl"
    path.write_bytes((HEADER_LINE + "\r\n" + GOOD + "\r\n").encode())
    _, events = read_trace(path)
    assert list(events) == [Event("gpsnd", "input", {"m": "m1", "p": "p1"})]


# --------------------------------------------------------------------------------------------
# Writer rules.


def test_writer_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text("precious\n")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_trace(path, HEADER, [])
    assert path.read_text() == "precious\n"
    with pytest.raises(FileExistsError):
        TraceWriter(str(path), HEADER)
    assert path.read_text() == "precious\n"
    assert write_trace(path, HEADER, [Event("a", "input", {})], overwrite=True) == 1
    header, events = read_trace(path)
    assert header == HEADER
    assert list(events) == [Event("a", "input", {})]


def test_writer_rejects_what_the_reader_would_reject() -> None:
    buffer = io.StringIO()
    buffer.name = "out.jsonl"
    writer = TraceWriter(buffer, HEADER)
    writer.write(Event("a", "input", {}, time=5))
    with pytest.raises(TraceFormatError, match=r"^out\.jsonl:3: time decreases"):
        writer.write(Event("a", "input", {}, time=4))
    with pytest.raises(TraceFormatError, match=r"^out\.jsonl:3: value is not JSON-encodable"):
        writer.write(Event("a", "input", {"s": {"p1", "p2"}}))  # sets must be sorted lists
    assert buffer.getvalue().count("\n") == 2  # nothing half-written


def test_dataclasses_validate_their_fields() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        Event("a", "external", {})
    with pytest.raises(ValueError, match="finite number"):
        Event("a", "input", {}, time=float("nan"))
    with pytest.raises(ValueError, match="unsupported format version 3"):
        TraceHeader("VS-machine", {}, version=3)
    assert Event("a", "output", {}).is_external and not Event("a", "internal", {}).is_external


# --------------------------------------------------------------------------------------------
# Streaming.


def test_reader_is_lazy_and_reports_late_errors_only_when_reached() -> None:
    text = _trace_text(GOOD, GOOD, GOOD, "{broken")
    header, events = loads_trace(text, source="t.jsonl")
    assert isinstance(events, Iterator)
    assert header == HEADER
    assert next(events) == Event("gpsnd", "input", {"m": "m1", "p": "p1"})
    next(events)
    next(events)
    with pytest.raises(TraceFormatError, match=r"^t\.jsonl:5: invalid JSON"):
        next(events)


def test_many_events_stream_in_bounded_memory(tmp_path: Path) -> None:
    # 60k lines are ~8 MB of text; buffering them (or the events) would exceed the bound below by
    # an order of magnitude, while tracemalloc's overhead keeps a larger n too slow for CI.
    n = 60_000
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as out:  # plain writes: this test is about the reader
        out.write(HEADER_LINE + "\n")
        out.writelines(
            f'{{"action":"gprcv","kind":"output","args":{{"m":"m{i}","p":"p1","q":"p2"}},'
            f'"time":{i},"state":{{"next":{{"p2,g0":{i + 1}}}}}}}\n'
            for i in range(n)
        )
    gc.collect()
    tracemalloc.start()
    try:
        count = 0
        last: Event | None = None
        with TraceReader(path) as reader:
            for event in reader:
                count += 1
                last = event
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n
    assert last == Event(
        "gprcv", "output", {"m": f"m{n - 1}", "p": "p1", "q": "p2"}, time=n - 1, state={"next": {"p2,g0": n}}
    )
    assert peak < 1_000_000, f"peak traced memory {peak} bytes while streaming {n} events"


def test_reader_closes_the_file_when_exhausted(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    write_trace(path, HEADER, [Event("a", "input", {})])
    reader = TraceReader(path)
    assert list(reader) == [Event("a", "input", {})]
    assert reader._file.closed
    with pytest.raises(RuntimeError, match="only once"):
        iter(reader)


# --------------------------------------------------------------------------------------------
# Value-encoding helpers.


def test_map_keys_join_elements_with_commas() -> None:
    assert encode_map_key("p1", "g0") == "p1,g0"
    assert encode_map_key("p3") == "p3"
    assert encode_map_key("p1", 2, None, True) == "p1,2,null,true"
    assert decode_map_key("p1,g0") == ("p1", "g0")
    with pytest.raises(ValueError):
        encode_map_key("a,b")


def test_domain_order_sorts_indices_numerically_and_bottom_first() -> None:
    assert sorted(["p10", "p2", "p1"], key=domain_sort_key) == ["p1", "p2", "p10"]
    assert sorted(["g1", None, "g0"], key=domain_sort_key) == [None, "g0", "g1"]
    views: list[Any] = [{"id": "g1", "set": ["p1"]}, {"id": "g0", "set": ["p1", "p2"]}]
    assert sorted(views, key=domain_sort_key)[0]["id"] == "g0"


def test_an_event_may_say_where_it_happens() -> None:
    """``at`` (optional): the process of the event, written and read back; anything but a
    non-empty string is a located error."""
    text = '{"action":"gprcv","kind":"internal","args":{"m":"m1","p":"p1","q":"p2"},"at":"p2"}\n'
    (ev,) = events_from_jsonl(text)
    assert ev.at == "p2" and json.loads(json.dumps(ev.to_json_object()))["at"] == "p2"
    assert Event("gpsnd", "input", {"m": "m1", "p": "p1"}).to_json_object().get("at") is None
    with pytest.raises(TraceFormatError, match=r'^<string>:1: "at" must be a non-empty string'):
        events_from_jsonl('{"action":"a","kind":"input","args":{},"at":3}')
