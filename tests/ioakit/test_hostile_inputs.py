"""A hostile-input corpus for the command line (issue #12): malformed, huge, nonsensical and
terminal-hostile inputs, each run through ``ioakit.cli.main``.

Every case names the command line (built in ``tmp_path``, where its files are generated), the
exit status it must get and a fragment of its message. Every case also must: print no traceback
and no "internal error", keep stdout and stderr small (a 1 MB input must not come back in its
error), never put a raw control character on either stream, and — when refused (exit 2) — leave
``tmp_path`` exactly as it was (nothing written, nothing replaced, no folder created).

The counts per category are quoted in ``docs/reliability.md``; ``test_corpus_counts`` keeps them
honest.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ioakit.cli import main
from ioakit.invariants.loader import MAX_FILE_BYTES, MAX_LINE_CHARS
from ioakit.lang.automaton import MAX_SCOPE_VALUE

SHIPPED_INV = Path(__file__).resolve().parents[2] / "invariants" / "fls" / "to_machine.inv"
MAX_OUTPUT = 6_000
"""The most characters a case may print on stdout plus stderr."""

LONG_NAME = "a" * 300


@dataclass(frozen=True)
class Case:
    """One hostile input: ``argv`` built from the test's folder (which ``setup`` fills first)."""

    category: str
    id: str
    argv: Callable[[Path], list[str]]
    code: int
    fragment: str
    setup: Callable[[Path], None] = lambda d: None


def _write(name: str, data: str | bytes) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        (d / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    return setup


def _inv(body: str) -> bytes:
    return f"machine TO-machine\n{body}\n".encode()


def _check(name: str) -> Callable[[Path], list[str]]:
    return lambda d: ["check", "TO-machine", str(d / name)]


def _explore_scope(text: str) -> Callable[[Path], list[str]]:
    return lambda d: ["explore", "TO-machine", "--scope", text]


def _explore_scope_file(name: str) -> Callable[[Path], list[str]]:
    return lambda d: ["explore", "TO-machine", "--scope-file", str(d / name)]


def _both(*setups: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        for s in setups:
            s(d)

    return setup


SMALL = ["--scope", "processors=1,values=1,max_inputs=1"]
PRODUCT = "*".join(["9" * 30] * 60)  # 60 factors of 30 digits: folded, 1,800 digits
HUGE = f"def a = {PRODUCT}\ninvariant x: a * a * a * a * a * a * a * a * a * a * a * a > next[p1]"
"""A folded constant of 21,600 digits: Python refuses to format an int over 4,300 digits, which the
type rules' messages, the generated code and Z3's IntVal all did."""
BIG = "9" * 5000

INVARIANT_FILES = [
    Case("invariant file", "empty", _check("e.inv"), 2, "unexpected end of the file", _write("e.inv", "")),
    Case("invariant file", "machine-line-only", _check("m.inv"), 2, "nothing to check", _write("m.inv", _inv(""))),
    Case(
        "invariant file",
        "definitions-only",
        _check("d.inv"),
        2,
        "nothing to check",
        _write("d.inv", _inv("def two = 2")),
    ),
    Case(
        "invariant file",
        "prove-machine-line-only",
        lambda d: ["prove", "TO-machine", str(d / "m.inv"), "--induction"],
        2,
        "nothing to check",
        _write("m.inv", _inv("")),
    ),
    Case("invariant file", "huge-literal-product", _check("p.inv"), 0, "holds", _write("p.inv", _inv(HUGE))),
    Case(
        "invariant file",
        "huge-literal-product-prove",
        lambda d: ["prove", "TO-machine", str(d / "p.inv"), "--bmc", "1", "--induction"],
        0,
        "inductive",
        _write("p.inv", _inv(HUGE)),
    ),
    Case(
        "invariant file",
        "literal-product-too-deep",
        _check("p2.inv"),
        2,
        "nested too deeply",
        _write("p2.inv", _inv(f"invariant x: {'*'.join(['9'] * 500)} > 0")),
    ),
    Case(
        "invariant file",
        "5000-digit-literal",
        _check("l.inv"),
        2,
        "5000 digits",
        _write("l.inv", _inv(f"invariant x: {BIG} > 0")),
    ),
    Case(
        "invariant file",
        "1e5-deep-parentheses",
        _check("n.inv"),
        0,
        "holds",
        _write("n.inv", _inv("invariant x:\n" + "(\n" * 100_000 + "true" + "\n)" * 100_000)),
    ),
    Case(
        "invariant file",
        "deep-not-chain",
        _check("n2.inv"),
        2,
        "nested too deeply",
        _write("n2.inv", _inv("invariant x: " + "not " * 2000 + "true")),
    ),
    Case(
        "invariant file",
        "ansi-title-escape",
        _check("esc.inv"),
        2,
        "\\x1b",
        _write("esc.inv", _inv("invariant x: \x1b]0;PWNED\x07 true")),
    ),
    Case(
        "invariant file",
        "csi-in-name",
        _check("csi.inv"),
        2,
        "\\x1b",
        _write("csi.inv", _inv("invariant x\x1b[2J: true")),
    ),
    Case("invariant file", "nul-byte", _check("nul.inv"), 2, "\\x00", _write("nul.inv", _inv("invariant x: true\x00"))),
    Case(
        "invariant file",
        "bidi-override",
        _check("bidi.inv"),
        2,
        "\\u202e",
        _write("bidi.inv", _inv("invariant x: \u202etrue")),
    ),
    Case(
        "invariant file",
        "invalid-utf8",
        _check("u.inv"),
        2,
        "not a UTF-8 text file",
        _write("u.inv", b"machine TO-machine\ninvariant x: tr\xff\xfeue\n"),
    ),
    Case(
        "invariant file",
        "over-1MB",
        _check("big.inv"),
        2,
        f"more than {MAX_FILE_BYTES:,} bytes",
        _write("big.inv", _inv("# padding\n" * (MAX_FILE_BYTES // 10 + 1))),
    ),
    Case(
        "invariant file",
        "20k-character-line",
        _check("line.inv"),
        2,
        f"at most {MAX_LINE_CHARS:,} are accepted",
        _write("line.inv", _inv("invariant x: " + " and ".join(["true"] * 4000))),
    ),
    Case(
        "invariant file",
        "unknown-name",
        _check("un.inv"),
        2,
        "unknown name `nosuch`",
        _write("un.inv", _inv("invariant x: nosuch > 0")),
    ),
    Case(
        "invariant file",
        "long-unknown-name",
        _check("un2.inv"),
        2,
        "unknown name",
        _write("un2.inv", _inv("invariant x: " + "z" * 9000 + " > 0")),
    ),
    Case("invariant file", "dev-zero", lambda d: ["check", "TO-machine", "/dev/zero"], 2, "more than 1,000,000 bytes"),
    Case("invariant file", "a-folder", _check("f.inv"), 2, "Is a directory", lambda d: (d / "f.inv").mkdir()),
    Case("invariant file", "missing-file", _check("absent.inv"), 2, "absent.inv"),
]

SCOPES = [
    Case("scope", "negative", _explore_scope("processors=-1"), 2, "must be >= 1"),
    Case("scope", "zero", _explore_scope("processors=0"), 2, "must be >= 1"),
    Case("scope", "processors=10**6", _explore_scope("processors=1000000"), 2, f"above {MAX_SCOPE_VALUE:,}"),
    Case("scope", "processors=1000", _explore_scope("processors=1000"), 2, "action instances"),
    Case(
        "scope",
        "VStoTO-processors=10000",
        lambda d: ["explore", "VStoTO-system", "--scope", "processors=10000"],
        2,
        "must be in 1..12",
    ),
    Case(
        "scope",
        "paxos-max_ops=100",
        lambda d: ["explore", "round-based-register-fig5", "--scope", "max_ops=100"],
        2,
        "must be in 0..30",
    ),
    Case("scope", "5000-digits", _explore_scope(f"processors={BIG}"), 2, "5,000 digits"),
    Case("scope", "float", _explore_scope("processors=1.5"), 2, "is not an integer"),
    Case("scope", "boolean", _explore_scope("processors=true"), 2, "is not an integer"),
    Case("scope", "duplicate-key", _explore_scope("processors=2,processors=3"), 2, "given twice"),
    Case("scope", "unknown-parameter", _explore_scope("nodes=2"), 2, "has no scope parameter nodes"),
    Case("scope", "escape-in-key", _explore_scope("\x1b]0;x\x07=2"), 2, "\\x1b"),
    Case("scope", "no-equals", _explore_scope("processors"), 2, "not of the form name=value"),
    Case(
        "scope file",
        "json-negative",
        _explore_scope_file("s.json"),
        2,
        "must be >= 1",
        _write("s.json", '{"processors": -1}'),
    ),
    Case(
        "scope file",
        "json-10**6",
        _explore_scope_file("s.json"),
        2,
        f"above {MAX_SCOPE_VALUE:,}",
        _write("s.json", '{"processors": 1000000}'),
    ),
    Case(
        "scope file",
        "json-5000-digits",
        _explore_scope_file("s.json"),
        2,
        "not a valid json file",
        _write("s.json", '{"processors": ' + BIG + "}"),
    ),
    Case(
        "scope file",
        "toml-5000-digits",
        _explore_scope_file("s.toml"),
        2,
        "s.toml",
        _write("s.toml", f"processors = {BIG}\n"),
    ),
    Case(
        "scope file",
        "json-float",
        _explore_scope_file("s.json"),
        2,
        "flat table of integer",
        _write("s.json", '{"processors": 1.5}'),
    ),
    Case(
        "scope file",
        "json-boolean",
        _explore_scope_file("s.json"),
        2,
        "flat table of integer",
        _write("s.json", '{"processors": true}'),
    ),
    Case(
        "scope file",
        "json-nested",
        _explore_scope_file("s.json"),
        2,
        "flat table of integer",
        _write("s.json", '{"processors": {"n": 2}}'),
    ),
    Case(
        "scope file",
        "json-duplicate",
        _explore_scope_file("s.json"),
        2,
        "given twice",
        _write("s.json", '{"processors": 2, "processors": 3}'),
    ),
    Case(
        "scope file",
        "json-not-an-object",
        _explore_scope_file("s.json"),
        2,
        "flat table of integer",
        _write("s.json", "[1, 2]"),
    ),
    Case(
        "scope file",
        "json-1e4-deep",
        _explore_scope_file("s.json"),
        2,
        "nests too deeply",
        _write("s.json", '{"processors": ' + "[" * 10_000 + "]" * 10_000 + "}"),
    ),
    Case(
        "scope file",
        "toml-1e4-deep",
        _explore_scope_file("s.toml"),
        2,
        "nests too deeply",
        _write("s.toml", "processors = " + "[" * 10_000 + "]" * 10_000 + "\n"),
    ),
    Case(
        "scope file",
        "over-100KB",
        _explore_scope_file("s.json"),
        2,
        "over 100,000 bytes",
        _write("s.json", '{"processors": 2' + " " * 100_000 + "}"),
    ),
    Case(
        "scope file",
        "dev-zero",
        lambda d: ["explore", "TO-machine", "--scope-file", "/dev/zero"],
        2,
        "over 100,000 bytes",
    ),
    Case("scope file", "missing", _explore_scope_file("absent.json"), 2, "cannot read scope file"),
]


def _flag(*argv: str) -> Callable[[Path], list[str]]:
    return lambda d: [a.replace("{inv}", str(SHIPPED_INV)) for a in argv]


FLAGS = [
    Case("flag", "max-states=-1", _flag("explore", "TO-machine", "--max-states", "-1"), 2, "must be at least 1"),
    Case("flag", "max-states=0", _flag("explore", "TO-machine", "--max-states", "0"), 2, "must be at least 1"),
    Case("flag", "max-states=5000-digits", _flag("explore", "TO-machine", "--max-states", BIG), 2, "5,000 digits"),
    Case("flag", "max-depth=-1", _flag("explore", "TO-machine", "--max-depth", "-1"), 2, "must be at least 0"),
    Case("flag", "bmc=-1", _flag("prove", "TO-machine", "{inv}", "--bmc", "-1"), 2, "must be at least 0"),
    Case("flag", "timeout=-1", _flag("prove", "TO-machine", "{inv}", "--timeout", "-1"), 2, "must be positive"),
    Case("flag", "timeout=0", _flag("prove", "TO-machine", "{inv}", "--timeout", "0"), 2, "must be positive"),
    Case("flag", "timeout=nan", _flag("prove", "TO-machine", "{inv}", "--timeout", "nan"), 2, "must be positive"),
    Case("flag", "timeout=inf", _flag("prove", "TO-machine", "{inv}", "--timeout", "inf"), 2, "must be at most"),
    Case("flag", "timeout=1e300", _flag("prove", "TO-machine", "{inv}", "--timeout", "1e300"), 2, "must be at most"),
    Case("flag", "timeout=text", _flag("prove", "TO-machine", "{inv}", "--timeout", "soon"), 2, "not a number"),
    Case("flag", "runs=-5", _flag("simulate", "TO-machine", "--runs", "-5"), 2, "must be at least 1"),
    Case("flag", "runs=0", _flag("simulate", "TO-machine", "--runs", "0"), 2, "must be at least 1"),
    Case("flag", "steps=-1", _flag("simulate", "TO-machine", "--steps", "-1"), 2, "must be at least 0"),
    Case("flag", "seed=5000-digits", _flag("simulate", "TO-machine", "--seed", BIG), 2, "invalid int value"),
    Case(
        "flag",
        "seed=2**64",
        _flag("simulate", "TO-machine", "--runs", "1", "--seed", str(2**64)),
        0,
        "no violation in 1 random run",
    ),
    Case("flag", "escape-in-value", _flag("explore", "TO-machine", "--max-states", "\x1b[2J"), 2, "\\x1b"),
]


def _out(*argv: str) -> Callable[[Path], list[str]]:
    """An argv whose ``{d}`` is the test's folder and ``{inv}`` the shipped TO-machine file."""
    return lambda d: [a.replace("{d}", str(d)).replace("{inv}", str(SHIPPED_INV)) for a in argv]


EXISTS = "exists; not overwriting"
NOT_INDUCTIVE = _write("weak.inv", _inv("invariant weak: forall p in P: next[p] <= 1"))


def _mkdir(name: str) -> Callable[[Path], None]:
    return lambda d: (d / name).mkdir()


OUTPUTS = [
    Case(
        "output path",
        "render-missing-folder",
        _out("render", "TO-machine", *SMALL, "-o", "{d}/no/x.dot"),
        2,
        "does not exist",
    ),
    Case(
        "output path",
        "render-folder",
        _out("render", "TO-machine", *SMALL, "-o", "{d}/x.dot"),
        2,
        "is a folder",
        _mkdir("x.dot"),
    ),
    Case("output path", "render-proc", _out("render", "TO-machine", *SMALL, "-o", "/proc/x.dot"), 2, "cannot write"),
    Case(
        "output path",
        "render-300-char-name",
        _out("render", "TO-machine", *SMALL, "-o", f"{{d}}/{LONG_NAME}.dot"),
        2,
        "name too long",
    ),
    Case(
        "output path",
        "render-existing",
        _out("render", "TO-machine", *SMALL, "-o", "{d}/x.dot"),
        2,
        EXISTS,
        _write("x.dot", "old"),
    ),
    Case(
        "output path",
        "render-no-format",
        _out("render", "TO-machine", *SMALL, "-o", "{d}/x"),
        2,
        "unknown picture format",
    ),
    Case(
        "output path",
        "cti-dot-missing-folder",
        _out("prove", "TO-machine", "{d}/weak.inv", "--induction", "--cti-dot", "{d}/no/c.dot"),
        2,
        "does not exist",
        NOT_INDUCTIVE,
    ),
    Case(
        "output path",
        "cti-dot-existing",
        _out("prove", "TO-machine", "{d}/weak.inv", "--induction", "--cti-dot", "{d}/c.dot"),
        2,
        EXISTS,
        _both(NOT_INDUCTIVE, _write("c.dot", "old")),
    ),
    Case(
        "output path",
        "cti-dot-300-char-name",
        _out("prove", "TO-machine", "{d}/weak.inv", "--induction", "--cti-dot", f"{{d}}/{LONG_NAME}.dot"),
        2,
        "name too long",
        NOT_INDUCTIVE,
    ),
    Case(
        "output path",
        "cti-dot-proc",
        _out("prove", "TO-machine", "{d}/weak.inv", "--induction", "--cti-dot", "/proc/x.dot"),
        2,
        "cannot write",
        NOT_INDUCTIVE,
    ),
    Case("output path", "junit-proc", _out("explore", "TO-machine", "--junit", "/proc/j.xml"), 2, "cannot write"),
    Case(
        "output path",
        "record-onto-file",
        _out("simulate", "TO-machine", "--runs", "1", "--record", "{d}/rec"),
        2,
        "is a file, not a folder",
        _write("rec", "old"),
    ),
    Case(
        "output path",
        "record-missing-parent",
        _out("simulate", "TO-machine", "--runs", "1", "--record", "{d}/no/rec"),
        2,
        "does not exist",
    ),
    Case(
        "output path",
        "record-existing-runs",
        _out("simulate", "TO-machine", "--runs", "1", "--record", "{d}/rec"),
        2,
        EXISTS,
        _both(_mkdir("rec"), _write("rec/run-0000.jsonl", "old")),
    ),
    Case(
        "output path",
        "record-300-char-name",
        _out("simulate", "TO-machine", "--runs", "1", "--record", f"{{d}}/{LONG_NAME}"),
        2,
        "name too long",
    ),
    Case(
        "output path",
        "itf-missing-folder",
        _out("simulate", "TO-machine", "--runs", "1", "--itf", "{d}/no/x.itf"),
        2,
        "does not exist",
    ),
    Case(
        "output path",
        "itf-existing",
        _out("simulate", "TO-machine", "--runs", "1", "--itf", "{d}/x.itf"),
        2,
        EXISTS,
        _write("x.itf", "old"),
    ),
    Case(
        "output path",
        "itf-proc",
        _out("simulate", "TO-machine", "--runs", "1", "--itf", "/proc/x.itf"),
        2,
        "cannot write",
    ),
    Case(
        "output path",
        "itf-300-char-name",
        _out("simulate", "TO-machine", "--runs", "1", "--itf", f"{{d}}/{LONG_NAME}.itf"),
        2,
        "name too long",
    ),
    Case(
        "output path",
        "check-itf-existing",
        _out("check", "TO-machine", "{inv}", "--itf", "{d}/x.itf"),
        2,
        EXISTS,
        _write("x.itf", "old"),
    ),
    Case(
        "output path",
        "junit-missing-folder",
        _out("explore", "TO-machine", "--junit", "{d}/no/j.xml"),
        2,
        "does not exist",
    ),
    Case(
        "output path", "junit-folder", _out("explore", "TO-machine", "--junit", "{d}/j"), 2, "is a folder", _mkdir("j")
    ),
    Case(
        "output path",
        "junit-300-char-name",
        _out("explore", "TO-machine", "--junit", f"{{d}}/{LONG_NAME}.xml"),
        2,
        "name too long",
    ),
    Case(
        "output path",
        "baseline-missing-folder",
        _out("baseline", "record", "--machine", "TO-machine", "-o", "{d}/no/b.json"),
        2,
        "does not exist",
    ),
    Case(
        "output path",
        "baseline-existing",
        _out("baseline", "record", "--machine", "TO-machine", "-o", "{d}/b.json"),
        2,
        "exists; not replacing",
        _write("b.json", "{}"),
    ),
]

CASES = INVARIANT_FILES + SCOPES + FLAGS + OUTPUTS


CASE_SECONDS = 60.0
"""The most a case may take (the slowest valid one, a 21,600-digit folded product, takes a few seconds)."""
CASE_PEAK_GROWTH_KIB = 1024 * 1024
"""The most a case may raise this process's peak resident memory by (1 GiB)."""


def _peak_rss_kib() -> int:
    """This process's peak resident memory so far, in KiB (``ru_maxrss``: KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _snapshot(d: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (``None``) under ``d``."""
    return {str(p.relative_to(d)): (p.read_bytes() if p.is_file() else None) for p in sorted(d.rglob("*"))}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.category}:{c.id}" for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if "/proc/" in " ".join(case.argv(tmp_path)) and not Path("/proc").is_dir():
        pytest.skip("no /proc on this system")
    if "/dev/zero" in case.argv(tmp_path) and not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    case.setup(tmp_path)
    before = _snapshot(tmp_path)
    peak_before, start = _peak_rss_kib(), time.perf_counter()
    code = main(case.argv(tmp_path))
    seconds, grown = time.perf_counter() - start, _peak_rss_kib() - peak_before
    out, err = capsys.readouterr()
    # the blow-ups this corpus was built from took 3.6-7.8 GB or minutes before saying anything
    assert seconds < CASE_SECONDS, f"took {seconds:.1f} s"
    assert grown < CASE_PEAK_GROWTH_KIB, f"the process's peak memory grew by {grown / 1024:,.0f} MiB"
    assert code == case.code, f"exit {code}, expected {case.code}; stderr: {err[:500]!r}"
    assert case.fragment in out + err, f"{case.fragment!r} not in stdout {out[:300]!r} / stderr {err[:500]!r}"
    assert "Traceback" not in err and "internal error" not in err
    assert len(out) + len(err) < MAX_OUTPUT, f"{len(out) + len(err):,} characters printed"
    for stream in (out, err):
        assert not any(ord(c) < 32 and c not in "\n\t" for c in stream), f"raw control character in {stream[:300]!r}"
        assert "\u202e" not in stream
    if code == 2:
        assert _snapshot(tmp_path) == before, "a refused command wrote, replaced or created something"


def test_record_folder_is_made_when_its_parent_exists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The accepted counterpart of the --record refusals: a new folder under an existing one."""
    assert main(["simulate", "TO-machine", "--runs", "2", "--record", str(tmp_path / "rec")]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in (tmp_path / "rec").iterdir()) == ["run-0000.jsonl", "run-0001.jsonl"]
    first = json.loads((tmp_path / "rec" / "run-0000.jsonl").read_text().splitlines()[0])
    assert first


def test_corpus_counts() -> None:
    """The per-category counts quoted in docs/reliability.md."""
    counts: dict[str, int] = {}
    for c in CASES:
        counts[c.category] = counts.get(c.category, 0) + 1
    assert counts == {"invariant file": 22, "scope": 13, "scope file": 14, "flag": 17, "output path": 25}
    doc = (Path(__file__).resolve().parents[2] / "docs" / "reliability.md").read_text(encoding="utf-8")
    for category, n in counts.items():
        assert f"| {category} | {n} |" in doc


def test_full_disk_is_an_input_error_and_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills up while a picture is written (ENOSPC from the flush to disk): exit 2
    naming the reason, no half-written picture and no temporary file left behind."""
    import errno

    import ioakit.files

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ioakit.files.os, "fsync", full)
    code = main(["render", "TO-machine", *SMALL, "-o", str(tmp_path / "g.dot")])
    _, err = capsys.readouterr()
    assert code == 2
    assert "No space left on device" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_action_instance_limit_follows_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``IOAKIT_MAX_ACTION_INSTANCES`` moves the limit both ways; a value that is not an integer is
    an input error, not a silent default."""
    from ioakit import registry

    spec = registry.get_spec("TO-machine")
    monkeypatch.setenv("IOAKIT_MAX_ACTION_INSTANCES", "10")
    assert main(["explore", "TO-machine"]) == 2
    assert "more than 10 action instances" in capsys.readouterr().err
    monkeypatch.setenv("IOAKIT_MAX_ACTION_INSTANCES", "30000")
    assert len(spec.build({"processors": 100, "max_inputs": 0}).actions) > 20_000
    monkeypatch.setenv("IOAKIT_MAX_ACTION_INSTANCES", "lots")
    assert main(["explore", "TO-machine"]) == 2
    assert "IOAKIT_MAX_ACTION_INSTANCES='lots' is not an integer" in capsys.readouterr().err


def test_junit_replaces_an_existing_file_on_purpose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The one writing option that needs no ``--force``: CI rewrites its JUnit file on every run
    (docs/ci.md), so yesterday's file is replaced, never read as today's result."""
    out = tmp_path / "j.xml"
    out.write_text("stale")
    assert main(["explore", "TO-machine", "--junit", str(out)]) == 0
    capsys.readouterr()
    assert out.read_text(encoding="utf-8").startswith("<?xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["j.xml"]  # no temporary file left
