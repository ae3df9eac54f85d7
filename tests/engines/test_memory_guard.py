"""A run too large for the machine's memory stops with a report (INCOMPLETE, exit 3, saying the
limit and how to raise it) instead of being killed by the kernel with none; the default limit is
most of what the machine (or its cgroup) has."""

from __future__ import annotations

import json

import pytest

from ioakit import measure
from ioakit.cli import main
from ioakit.engines.explore import Explorer
from ioakit.registry import get_spec
from ioakit.results import Verdict


def test_resident_memory_and_the_default_limit_are_read() -> None:
    rss, avail, limit = measure.rss_bytes(), measure.memory_available_bytes(), measure.default_memory_limit_bytes()
    assert rss is not None and rss > 1_000_000  # this process holds more than 1 MB
    assert avail is not None and limit == int(avail * measure.MEMORY_SHARE) and rss < limit


def test_exploration_over_its_memory_limit_is_incomplete(monkeypatch: pytest.MonkeyPatch) -> None:
    m = get_spec("VS-machine").build({})
    full = Explorer(m).run()
    assert full.complete and full.states == 2197
    # the guard reads the resident memory after each chunk of states: make it grow with the calls
    calls = iter(range(1, 10**6))
    monkeypatch.setattr("ioakit.engines.explore.rss_bytes", lambda: next(calls) * 100_000_000)
    r = Explorer(m).max_memory(250).run()
    assert r.verdict is Verdict.INCOMPLETE and not r.complete and r.states < full.states
    assert "memory limit of 250 MB reached" in (r.reason or "") and "--max-memory" in (r.reason or "")


def test_the_command_line_limit(capsys: pytest.CaptureFixture[str]) -> None:
    # this process already holds more than 5 MB: the first check stops the run
    assert main(["explore", "VS-machine", "--max-memory", "5", "--json"]) == 3
    j = json.loads(capsys.readouterr().out)
    assert j["verdict"] == "INCOMPLETE" and j["complete"] is False and "memory limit of 5 MB" in j["reason"]
    assert main(["check", "VS-machine", "vs_lemma_4_1", "--max-memory", "5"]) == 3
    assert "memory limit of 5 MB" in capsys.readouterr().out
    assert main(["explore", "VS-machine", "--max-memory", "0"]) == 2  # a limit is at least 1 MB
