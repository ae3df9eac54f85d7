"""A hostile trace corpus: `ioakit trace FILE` on nonsense, through `ioakit.cli.main`.

Issue #12: a tester fed `ioakit trace` unknown actions, TO-machine events in a VS-machine trace,
inputs recorded as outputs, `p99` when P has 2 processors, negative time passage, integers and
lists where a message is expected, a 130-byte header asking for 10^8 initial members (7.8 GB),
deep nesting and huge numbers (tracebacks). Each case here is a file generated in the test, the
exit status expected (2 malformed; 0 only for a valid trace), the line the message must name and
a fragment of the message; no case may print a traceback. The shipped examples keep their exit
statuses (tests/ioakit/test_cli.py runs them; one is repeated here next to its hostile copies).
"""

from __future__ import annotations

import json
import resource
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ioakit.cli import main
from ioakit.traces.format import MAX_LINE_BYTES

VS = {
    "format": "ioakit-trace",
    "version": 1,
    "automaton": "VS-machine",
    "scope": {"processors": 2, "initial_members": 2, "messages": 2},
}
TO = {"format": "ioakit-trace", "version": 1, "automaton": "TO-machine", "scope": {"processors": 2, "values": 2}}
VSTOTO = {"format": "ioakit-trace", "version": 1, "automaton": "VStoTO-system", "scope": {"processors": 2, "values": 2}}
REG = {"format": "ioakit-trace", "version": 1, "automaton": "round-based-register", "scope": {"processes": 2}}


def j(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"))


def ev(action: str, kind: str, **args: object) -> str:
    return j({"action": action, "kind": kind, "args": args})


def header(base: dict, **scope: object) -> str:
    return j({**base, "scope": {**base["scope"], **scope}})


GPSND = ev("gpsnd", "input", m="m1", p="p1")
GPRCV = ev("gprcv", "output", m="m1", p="p1", q="p2")
READ_RETURN = ev("read-return", "output", p="p1", status="abort", v=None)


@dataclass(frozen=True)
class Case:
    name: str
    lines: tuple[str, ...] | bytes
    exit: int
    line: int | None  # the line the message must name (None: a valid trace, no message)
    fragment: str = ""


CASES = [
    # --- events that are not actions of the header's automaton ---------------------------------
    Case("unknown action", (j(VS), ev("frobnicate", "input")), 2, 2, "VS-machine has no action 'frobnicate'"),
    Case("TO event in a VS trace", (j(VS), GPSND, ev("bcast", "input", a="a1", p="p1")), 2, 3, "no action 'bcast'"),
    Case("VS event in a TO trace", (j(TO), GPSND), 2, 2, "TO-machine has no action 'gpsnd'"),
    Case("input recorded as output", (j(VS), ev("gpsnd", "output", m="m1", p="p1")), 2, 2, "is an input action"),
    Case("output recorded as input", (j(VS), GPSND, ev("gprcv", "input", m="m1", p="p1", q="p2")), 2, 3, "output"),
    Case("internal recorded as output", (j(TO), ev("to_order", "output", a="a1", p="p1")), 2, 2, "internal"),
    Case(
        "p99 when P has 2",
        (j(VS), ev("gpsnd", "input", m="m1", p="p99")),
        2,
        2,
        "'p99' is not an element of P = {p1, p2}",
    ),
    Case(
        "p3 from the paper's P",
        (header(VS, processors=2), GPSND, ev("gprcv", "output", m="m1", p="p1", q="p3")),
        2,
        3,
        "p3",
    ),
    Case("integer message", (j(VS), ev("gpsnd", "input", m=5, p="p1")), 2, 2, "argument m: not a value of M"),
    Case("list message", (j(VS), ev("gpsnd", "input", m=["m1"], p="p1")), 2, 2, "argument m"),
    Case("message out of scope", (j(VS), ev("gpsnd", "input", m="m3", p="p1")), 2, 2, "'m3' is not an element"),
    Case("missing argument", (j(VS), ev("gpsnd", "input", m="m1")), 2, 2, "missing p"),
    Case("extra argument", (j(VS), ev("gpsnd", "input", m="m1", p="p1", x=1)), 2, 2, "unexpected x"),
    Case("view out of scope", (j(VS), ev("createview", "internal", v={"id": "g9", "set": ["p1"]})), 2, 2, "g9"),
    Case("view not a record", (j(VS), ev("createview", "internal", v="g1")), 2, 2, "argument v"),
    Case("time event not nu", (j(VS), ev("gpsnd", "time", m="m1", p="p1")), 2, 2, "time-passage event"),
    Case("negative time passage", (j(VS), ev("nu", "time", t=-1)), 2, 2, "t > 0"),
    Case("zero time passage", (j(VS), ev("nu", "time", t=0)), 2, 2, "t > 0"),
    Case(
        "negative time",
        (j(VS), j({"action": "gpsnd", "kind": "input", "args": {"m": "m1", "p": "p1"}, "time": -1})),
        2,
        2,
        "negative",
    ),
    Case(
        "time goes back",
        (
            j(VS),
            j({"action": "gpsnd", "kind": "input", "args": {"m": "m1", "p": "p1"}, "time": 2}),
            j({"action": "gpsnd", "kind": "input", "args": {"m": "m2", "p": "p1"}, "time": 1}),
        ),
        2,
        3,
        "time decreases",
    ),
    Case(
        "VStoTO: hidden gpsnd as input",
        (j(VSTOTO), ev("gpsnd", "input", m={"summary": None}, p="p1")),
        2,
        2,
        "internal action",
    ),
    Case("VStoTO: p3 when P has 2", (j(VSTOTO), ev("bcast", "input", a="a1", p="p3")), 2, 2, "p3"),
    Case("VStoTO: valid bcast", (j(VSTOTO), ev("bcast", "input", a="a1", p="p2")), 0, None),
    # --- headers ---------------------------------------------------------------------------------
    Case("initial_members 10^8", (header(VS, initial_members=100_000_000),), 2, 1, "outside 0..64"),
    Case("processors 10^8 (paper's P)", (j({**VS, "scope": {"P": 100_000_000, "P0": ["p1"]}}),), 2, 1, "outside 0..64"),
    Case(
        "P0 of 10^5 names",
        (j({**VS, "scope": {"P0": [f"p{i}" for i in range(1, 100_001)]}}),),
        2,
        1,
        "more than the format's limit 64",
    ),
    Case("P0 outside P", (header(VS, initial_members=3),), 2, 1, "outside P = p1 ... p2"),
    Case("negative scope value", (header(TO, values=-1),), 2, 1, "must be a non-negative integer, got -1"),
    Case(
        "P and processors disagree",
        (j({**VS, "scope": {"P": 3, "processors": 2, "initial_members": 2}}),),
        2,
        1,
        "disagree",
    ),
    Case("scope the machine refuses", (header(TO, processors=0),), 2, 1, "scope of TO-machine"),
    Case("paxos processes 10^8", (header(REG, processes=100_000_000),), 2, 1, "outside 0..64"),
    Case("unknown automaton", (j({**VS, "automaton": "Nope"}), GPSND), 2, 1, "no trace checker for automaton 'Nope'"),
    Case("empty file", b"", 2, 1, "the file is empty"),
    Case("header is an event", (GPSND,), 2, 1, "missing header"),
    Case("wrong format", (j({**VS, "format": "otf"}),), 2, 1, "not an ioakit trace"),
    Case("version 2", (j({**VS, "version": 2}),), 2, 1, "unsupported format version"),
    Case("BOM", ("\ufeff" + j(VS), GPSND), 2, 1, "byte order mark"),
    Case("header only (the empty trace is a trace)", (j(VS),), 0, None),
    Case("CRLF line ends are accepted", b"\r\n".join(x.encode() for x in (j(VS), GPSND, GPRCV)) + b"\r\n", 0, None),
    # --- JSON ------------------------------------------------------------------------------------
    Case("trailing garbage", (j(VS), GPSND + " xyz"), 2, 2, "extra data"),
    Case("NaN", (j(VS), GPSND[:-1] + ',"time":NaN}'), 2, 2, "NaN"),
    Case("Infinity", (j(VS), GPSND[:-1] + ',"time":Infinity}'), 2, 2, "Infinity"),
    Case("1e999", (j(VS), GPSND[:-1] + ',"time":1e999}'), 2, 2, "out of range"),
    Case(
        "duplicate keys", (j(VS), '{"action":"gpsnd","action":"gprcv","kind":"input","args":{}}'), 2, 2, "duplicate key"
    ),
    Case("not UTF-8", j(VS).encode() + b"\n" + b'{"action":"\xff"}\n', 2, 2, "not UTF-8"),
    Case("blank line", (j(VS), "", GPSND), 2, 2, "empty line"),
    Case("not an object", (j(VS), "[1, 2]"), 2, 2, "expected a JSON object"),
    Case("unknown member", (j(VS), GPSND[:-1] + ',"tme":1}'), 2, 2, 'unknown event member "tme"'),
    Case(
        "nested 100000 deep",
        (j(VS), '{"action":"gpsnd","kind":"input","args":{"m":' + "[" * 100_000 + "]" * 100_000 + ',"p":"p1"}}'),
        2,
        2,
        "nested deeper than 64",
    ),
    Case(
        "nested 70 deep",
        (j(VS), '{"action":"gpsnd","kind":"input","args":{"m":' + "[" * 70 + "]" * 70 + ',"p":"p1"}}'),
        2,
        2,
        "nested deeper than 64",
    ),
    Case(
        "5000-digit integer",
        (j(VS), '{"action":"gpsnd","kind":"input","args":{"m":1' + "0" * 5000 + ',"p":"p1"}}'),
        2,
        2,
        "digits",
    ),
    Case("5000-digit time", (j(VS), GPSND[:-1] + ',"time":1' + "0" * 5000 + "}"), 2, 2, "digits"),
    Case(
        "5000-digit scope value",
        ('{"format":"ioakit-trace","version":1,"automaton":"VS-machine","scope":{"P":1' + "0" * 5000 + "}}",),
        2,
        1,
        "digits",
    ),
    Case("nested header", (j(VS)[:-2] + ',"x":' + "[" * 70 + "]" * 70 + "}}",), 2, 1, "nested deeper than 64"),
    Case("scope member an object", (header(VS, x={"a": 1}),), 2, 1, "must be an integer, an array or a string"),
    # --- well-formed events in an impossible order: a verdict, never "holds" --------------------
    Case("delivery before any send", (j(VS), GPRCV), 1, None, "VIOLATED"),
    Case("brcv before any bcast", (j(TO), ev("brcv", "output", a="a1", p="p1", q="p2")), 1, None, "VIOLATED"),
    # --- Deconstructing Paxos histories ----------------------------------------------------------
    Case("paxos: negative time passage", (j(REG), ev("tick", "time", t=-2)), 2, 2, "t > 0"),
    Case("paxos: internal steps are skipped", (j(REG), ev("deliver", "internal", anything=[1, 2])), 0, None, "holds"),
    Case("paxos: response first", (j(REG), READ_RETURN), 2, 2, "no pending read"),
    Case("paxos: p99 when processes = 2", (j(REG), ev("read", "input", p="p99", k=1)), 2, 2, "p1 ... p2"),
    Case("paxos: not a process name", (j(REG), ev("read", "input", p="alice", k=1)), 2, 2, "not a process name"),
    Case("paxos: not a value name", (j(REG), ev("write", "input", p="p1", k=1, v="banana")), 2, 2, "not a value name"),
    Case("paxos: unknown action", (j(REG), ev("frobnicate", "input", p="p1")), 2, 2, "unknown external action"),
    Case(
        "paxos: response as input",
        (j(REG), ev("read", "input", p="p1", k=1), ev("read-return", "input", p="p1", status="commit", v=None)),
        2,
        3,
        "output action",
    ),
    Case(
        "paxos: consensus action in a register history",
        (j(REG), ev("propose", "input", p="p1", k=1, v="v1")),
        2,
        2,
        "unknown external action",
    ),
]


def _write(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / "hostile.jsonl"
    if isinstance(case.lines, bytes):
        path.write_bytes(case.lines)
    else:
        path.write_text("\n".join(case.lines) + "\n", encoding="utf-8")
    return path


def _run(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["trace", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_trace(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, case)
    code, out, err = _run(path, capsys)
    assert "Traceback" not in err + out
    assert code == case.exit, (code, out, err)
    if case.line is None:
        assert err == "" and case.fragment in out, (out, err)
    else:
        assert f"{path}:{case.line}: " in err, err
        assert case.fragment in err, err


def _million_unknown(header_line: str) -> Iterator[str]:
    yield header_line + "\n"
    line = ev("frobnicate", "input", x=1) + "\n"
    for _ in range(1_000_000):
        yield line


def test_a_million_unknown_events_fail_on_the_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "million.jsonl"
    with path.open("w", encoding="utf-8") as f:
        f.writelines(_million_unknown(j(VS)))
    start = time.perf_counter()
    code, _, err = _run(path, capsys)
    assert time.perf_counter() - start < 2.0
    assert code == 2 and f"{path}:2: " in err and "no action 'frobnicate'" in err


def test_a_line_longer_than_the_limit_is_refused_unread(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "long.jsonl"
    with path.open("w", encoding="utf-8") as f:
        f.write(
            j(VS)
            + "\n"
            + '{"action":"gpsnd","kind":"input","args":{"m":"'
            + "m" * (MAX_LINE_BYTES + 10)
            + '","p":"p1"}}\n'
        )
    tracemalloc.start()
    try:
        code, _, err = _run(path, capsys)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 2 and f"{path}:2: " in err and "line longer than" in err
    assert peak < 3 * MAX_LINE_BYTES, peak


@pytest.mark.parametrize(
    ("member", "value", "exit", "fragment"),
    [
        ("initial_members", 10**8, 2, "outside 0..64"),
        ("processors", 10**8, 2, "outside 0..64"),
        ("messages", 10**8, 2, "outside 0..64"),
        ("view_ids", 10**8, 2, "outside 0..64"),
        ("max_inputs", 10**12, 2, "outside 0..1000000000"),
        ("max_inputs", 10**9, 0, ""),  # a budget only bounds a counter: allowed, and cheap
    ],
)
def test_a_header_blow_up_stays_small(
    member: str, value: int, exit: int, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 130-byte header of issue #12 reached 7.8 GB in 22 s: now under 200 MB and 5 s."""
    path = tmp_path / "blowup.jsonl"
    path.write_text(header(VS, **{member: value}) + "\n" + GPSND + "\n", encoding="utf-8")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    start = time.perf_counter()
    try:
        code, _, err = _run(path, capsys)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 5.0
    assert peak < 200 * 1024 * 1024, peak
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 200 * 1024  # KiB on Linux
    assert code == exit, err
    assert (f"{path}:1: " in err and fragment in err) if exit else err == ""


def test_the_largest_allowed_header_is_cheap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """At the limit (64 per parameter) the signature is declared, not traced: fast and small."""
    path = tmp_path / "limit.jsonl"
    scope = {"processors": 64, "initial_members": 64, "messages": 64, "view_ids": 64, "max_inputs": 64}
    path.write_text(j({**VS, "scope": scope}) + "\n" + ev("gpsnd", "input", m="m64", p="p64") + "\n", encoding="utf-8")
    tracemalloc.start()
    start = time.perf_counter()
    try:
        code, out, err = _run(path, capsys)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 5.0 and peak < 200 * 1024 * 1024
    assert code == 0, (out, err)


def test_a_shipped_example_still_passes(capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).resolve().parents[2] / "traces" / "examples" / "vs-machine-execution.jsonl"
    code, out, err = _run(example, capsys)
    assert code == 0 and err == "" and "holds" in out


@pytest.mark.parametrize("command", ["render", "to-itf"])
@pytest.mark.parametrize(
    ("lines", "line", "fragment"),
    [
        ((header(VS, initial_members=100_000_000), GPSND), 1, "outside 0..64"),
        ((j(VS), ev("frobnicate", "input")), 2, "no action 'frobnicate'"),
        ((j(VS), ev("gpsnd", "input", m="m1", p="p99")), 2, "p99"),
    ],
    ids=["header blow-up", "unknown action", "p99"],
)
def test_the_other_readers_of_trace_files_validate_too(
    command: str, lines: tuple[str, ...], line: int, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ioakit render FILE.jsonl`` and ``ioakit trace FILE.jsonl --to-itf`` read the same files."""
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out_file = tmp_path / ("chart.dot" if command == "render" else "out.itf.json")
    argv = (
        ["render", str(path), "-o", str(out_file)]
        if command == "render"
        else ["trace", str(path), "--to-itf", str(out_file)]
    )
    start = time.perf_counter()
    code = main(argv)
    out, err = capsys.readouterr()
    assert time.perf_counter() - start < 5.0
    assert "Traceback" not in out + err
    assert code == 2 and f"{path}:{line}: " in err and fragment in err, (code, out, err)
    assert not out_file.exists()


def test_refine_along_a_trace_bounds_the_header_scope_before_building(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ioakit refine IMPL SPEC --trace FILE`` builds IMPL at the header's scope: bounded first."""
    path = tmp_path / "run.jsonl"
    path.write_text(header(VSTOTO, processors=100_000_000) + "\n", encoding="utf-8")
    start = time.perf_counter()
    code = main(["refine", "VStoTO-system", "TO-machine", "--trace", str(path)])
    out, err = capsys.readouterr()
    assert time.perf_counter() - start < 5.0
    assert "Traceback" not in out + err
    assert code == 2 and f"{path}:1: " in err and "outside 0..64" in err, (code, out, err)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_without_a_newline(capsys: pytest.CaptureFixture[str]) -> None:
    """/dev/zero has no end and no newline: the reader stops after MAX_LINE_BYTES, at line 1."""
    start = time.perf_counter()
    code, out, err = _run(Path("/dev/zero"), capsys)
    assert time.perf_counter() - start < 5.0
    assert "Traceback" not in out + err
    assert code == 2 and "/dev/zero:1: line longer than" in err, err


@pytest.mark.parametrize("machine", ["VS-machine", "VStoTO-system", "TO-machine", "round-based-register-fig5"])
def test_recorded_runs_pass_the_validation(machine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Not too strict: what ``ioakit simulate --record`` writes (hidden steps, ``at``, snapshots,
    its scope in parameter names) is judged, not refused."""
    assert main(["simulate", machine, "--runs", "2", "--record", str(tmp_path / "runs")]) in (0, 1)
    capsys.readouterr()
    runs = sorted((tmp_path / "runs").glob("*.jsonl"))
    assert len(runs) == 2
    for run in runs:
        code, out, err = _run(run, capsys)
        assert code in (0, 1) and err == "", (run.read_text()[:500], err)
        assert f"{run}: " in out and " trace — " in out  # judged: a verdict per property


@pytest.mark.parametrize("command", ["trace", "render", "to-itf"])
def test_a_header_naming_code_never_imports_it(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A trace file is data: ``"automaton": "evil.py:Evil"`` must not run evil.py."""
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.py"
    evil.write_text(f"open({str(marker)!r}, 'w').write('imported')\n", encoding="utf-8")
    path = tmp_path / "t.jsonl"
    path.write_text(j({**VS, "automaton": f"{evil}:Evil"}) + "\n" + GPSND + "\n", encoding="utf-8")
    out_file = tmp_path / ("chart.dot" if command == "render" else "out.itf.json")
    argv = {
        "trace": ["trace", str(path)],
        "render": ["render", str(path), "-o", str(out_file)],
        "to-itf": ["trace", str(path), "--to-itf", str(out_file)],
    }[command]
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert not marker.exists(), "the header's automaton was imported"
    assert code in (0, 2), (code, out, err)
    if command != "render":  # render draws any automaton's trace: the events are only bounded
        assert code == 2 and f"{path}:1: " in err
