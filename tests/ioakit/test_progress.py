"""The progress line (``ioakit.progress``) and its wiring into the commands: shown on a terminal's
stderr (a fake terminal here), absent when stderr is not a terminal and with ``--quiet``, forced
by ``--progress``, and never on stdout (``--json`` stays one parseable document)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from ioakit import papers, progress
from ioakit.cli import main
from ioakit.progress import LOG_INTERVAL, TTY_INTERVAL, Progress, bar, wanted
from ioakit.registry import Claim
from ioakit.results import Verdict


class FakeTTY(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- the library -------------------------------------------------------------------------------


def test_wanted_quiet_wins_force_forces_else_the_terminal_decides():
    assert wanted(stream=FakeTTY()) and not wanted(stream=io.StringIO())
    assert wanted(force=True, stream=io.StringIO())
    assert not wanted(quiet=True, stream=FakeTTY()) and not wanted(quiet=True, force=True, stream=FakeTTY())


def test_bar_text():
    assert bar(0, 10, width=10) == "[..........] 0/10"
    assert bar(5, 10, width=10) == "[#####.....] 5/10"
    assert bar(12_000, 12_000, width=4) == "[####] 12,000/12,000"
    assert bar(3, 0, width=4) == "[####] 3/0"  # a total of 0 draws a full bar, never divides by 0


def test_terminal_redraws_in_place_throttled_and_clears_at_the_end():
    out, clock = FakeTTY(), Clock()
    p = Progress("explore M", stream=out, total=100, unit="states", clock=clock)
    assert p.enabled and p.tty
    p.update(10, depth=1)  # the first update is drawn at once
    p.update(20, depth=2)  # within the interval: not drawn
    clock.now += TTY_INTERVAL
    p.update(50, depth=3)
    p.close()
    p.update(90, depth=4)  # after close: nothing
    text = out.getvalue()
    assert text.startswith("\rexplore M:  [##..................] 10/100 states  depth 1  0 s")
    assert "20/100" not in text and "depth 2" not in text and "90/100" not in text
    assert "\rexplore M:  [##########..........] 50/100 states  depth 3  0 s" in text
    width = len("explore M:  [##########..........] 50/100 states  depth 3  0 s")
    assert text.endswith("\r" + " " * width + "\r")  # the line is blanked: stdout starts clean
    assert "\n" not in text


def test_rate_and_elapsed_time():
    out, clock = FakeTTY(), Clock()
    p = Progress("simulate M", stream=out, unit="runs", clock=clock)
    clock.now += 75
    p.update(1500)
    assert out.getvalue() == "\rsimulate M:  1,500 runs  20 runs/s  1:15"
    q = Progress("prove M", stream=FakeTTY(), rate=False, clock=clock)
    assert q.text(3, note="BMC depth") == "prove M:  BMC depth  3  0 s"


def test_forced_on_a_log_writes_lines_about_once_a_second():
    out, clock = io.StringIO(), Clock()
    p = Progress("check M", stream=out, enabled=True, unit="states", clock=clock)
    p.update(1)
    clock.now += TTY_INTERVAL
    p.update(2)  # a terminal's interval is not a log's
    clock.now += LOG_INTERVAL
    p.update(3)
    p.close()
    assert out.getvalue().splitlines() == ["check M:  1 states  0 s", "check M:  3 states  2 states/s  1 s"]
    assert "\r" not in out.getvalue()


def test_disabled_writes_nothing():
    out = FakeTTY()
    p = Progress("x", stream=out, enabled=False)
    p.update(1)
    p.note("phase")
    p.close()
    assert out.getvalue() == ""


def test_clear_then_the_next_update_redraws_at_once():
    out, clock = FakeTTY(), Clock()
    p = Progress("papers", stream=out, total=2, unit="jobs", rate=False, clock=clock)
    p.update(0, running="a")
    p.clear()
    p.update(1, running="b")  # no time passed: drawn anyway (the line was blanked)
    assert "running b" in out.getvalue()


# -- the commands ------------------------------------------------------------------------------


@pytest.fixture
def tty(monkeypatch, capsys):
    """stderr (captured) is a terminal: whatever object ``sys.stderr`` is when the command runs
    (pytest swaps its capture streams between the setup and the call of a test)."""
    monkeypatch.setattr(progress, "_isatty", lambda stream: stream is sys.stderr)
    return capsys


def test_simulate_shows_runs_on_a_terminal_only(tty, monkeypatch):
    assert main(["simulate", "TO-machine", "--runs", "3", "--steps", "5"]) == 0
    err = tty.readouterr().err
    assert "\rsimulate TO-machine:  [" in err and "/3 runs" in err
    assert main(["simulate", "TO-machine", "--runs", "3", "--steps", "5", "--quiet"]) == 0
    assert tty.readouterr().err == ""
    monkeypatch.setattr(progress, "_isatty", lambda stream: False)
    assert main(["simulate", "TO-machine", "--runs", "3", "--steps", "5"]) == 0
    assert tty.readouterr().err == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["explore", "TO-machine", "--scope", "max_inputs=1"],
        ["check", "VS-machine", "vs_lemma_4_1"],
        ["simulate", "VS-machine", "--runs", "2", "--steps", "4"],
        ["prove", "VS-machine", "vs_lemma_4_1", "--bmc", "1", "--only", "lemma_4_1_1"],
    ],
)
def test_json_stdout_is_unchanged_by_progress(tty, argv):
    code = main([*argv, "--json"])
    shown = tty.readouterr()
    assert shown.err.strip(), "a terminal sees progress on stderr"
    assert "\r" not in shown.out
    data = json.loads(shown.out)
    code_quiet = main([*argv, "--json", "--quiet"])
    quiet = tty.readouterr()
    assert quiet.err == "" and code == code_quiet

    def same(d: object) -> object:  # the document without its timings (floats, at any depth)
        if isinstance(d, dict):
            return {k: same(v) for k, v in d.items() if not isinstance(v, float)}
        if isinstance(d, list):
            return [same(v) for v in d]
        return d

    assert same(json.loads(quiet.out)) == same(data)


def test_explore_progress_is_forced_without_a_terminal(capsys):
    assert main(["explore", "TO-machine", "--scope", "max_inputs=1", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "explore TO-machine:  " in err and " states  depth " in err and "\r" not in err
    assert main(["explore", "TO-machine", "--scope", "max_inputs=1", "--progress", "--quiet"]) == 0
    assert capsys.readouterr().err == ""  # --quiet wins: neither the cost line nor progress


def test_prove_shows_bmc_depth_and_induction(tty):
    assert main(["prove", "VS-machine", "vs_lemma_4_1", "--only", "lemma_4_1_1", "--bmc", "2", "--induction"]) == 0
    err = tty.readouterr().err
    assert "prove VS-machine:  BMC depth  [" in err and "/2" in err
    assert "induction on 1 invariant(s)" in err and "each invariant alone, 1/1: lemma_4_1_1" in err


def test_papers_shows_jobs_k_of_n_and_clears_before_each_job(tty, monkeypatch):
    def job(name: str) -> papers.JobResult:
        return papers.JobResult(name, f"claim {name}", Verdict.OK, "fine", 0.0, scope_text="default scope")

    fake = [(None, Claim("first", lambda: job("first"))), (None, Claim("second", lambda: job("second")))]
    monkeypatch.setattr(papers, "claims", lambda: iter(fake))
    seen: list[tuple[int, int, str]] = []
    assert [r.name for r in papers.run_all(started=lambda k, n, name: seen.append((k, n, name)))] == [
        "first",
        "second",
    ]
    assert seen == [(0, 2, "first"), (1, 2, "second")]
    assert main(["papers"]) == 0
    out, err = tty.readouterr()
    assert "papers:  [....................] 0/2 jobs  running first" in err
    assert "papers:  [##########..........] 1/2 jobs  running second" in err
    assert "summary: OK — 2/2 checks hold" in out and "\r" not in out


def test_refine_says_which_check_runs(tty):
    assert main(["refine", "VS-machine", "WeakVS-machine"]) == 0
    out, err = tty.readouterr()
    assert "refine VS-machine → WeakVS-machine:  trace inclusion" in err
    assert "\r" not in out and out.startswith("OK — VS-machine refines WeakVS-machine")


def test_compare_shows_pairs_and_the_table_its_phases(tty, monkeypatch):
    from ioakit.refinement import trace_equiv

    monkeypatch.setattr(trace_equiv, "PROGRESS_EVERY", 1)  # VS vs WeakVS has a few hundred pairs
    assert main(["compare", "VS-machine", "WeakVS-machine"]) == 0
    out, err = tty.readouterr()
    assert "compare VS-machine WeakVS-machine:  " in err and " pairs  queued " in err and "\r" not in out
    assert main(["compare", "VS-machine", "WeakVS-machine", "--quiet"]) == 0
    assert tty.readouterr().err == ""
    argv = ["prove", "TO-machine", "to_machine", "--table", "--bmc", "2"]
    code = main(argv)
    err = tty.readouterr().err
    assert code in (0, 3)
    for phase in ("exploring", "BMC to depth 2", "induction on the conjunction", "row 1/"):
        assert phase in err, err
