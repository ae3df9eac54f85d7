"""Ctrl-C is a real SIGINT here: each command runs as a subprocess on a long workload, gets the
signal once it has started, and must end INCOMPLETE (exit 3) — never exit 0 or 1, never a
traceback — and ``simulate --record`` must write no trace file after the interrupt."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

BIG_VS = "processors=3,initial_members=3,view_ids=3"


def interrupted(argv: list[str], delay: float = 2.0) -> tuple[int, str, str]:
    """Run ``ioakit ARGV``, send SIGINT after ``delay`` seconds (time to import and start), and
    return (exit status, stdout, stderr)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("IOAKIT_DEBUG", None)
    p = subprocess.Popen(
        [sys.executable, "-m", "ioakit", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    time.sleep(delay)
    assert p.poll() is None, "the workload ended before the signal: make it longer"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    return p.returncode, out, err


def test_simulate_interrupted_is_incomplete_and_records_nothing(tmp_path):
    rec = tmp_path / "runs"
    code, out, err = interrupted(
        ["simulate", "VS-machine", "--scope", BIG_VS, "--steps", "200", "--runs", "10000000", "--record", str(rec)]
    )
    assert code == 3, (out, err)
    assert "INCOMPLETE" in out and "interrupted (Ctrl-C)" in out
    assert "Traceback" not in err and "OK — no violation" not in out
    assert not rec.exists() or not any(rec.iterdir())


def test_simulate_interrupted_json_is_a_partial_report(tmp_path):
    code, out, err = interrupted(
        ["simulate", "VS-machine", "--scope", BIG_VS, "--steps", "200", "--runs", "10000000", "--json"]
    )
    j = json.loads(out)
    assert code == 3 and j["verdict"] == "INCOMPLETE" and j["interrupted"] is True and j["complete"] is False
    assert 0 < j["runs"] < j["runs_requested"] and j["steps"] > 0
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["explore", "VS-machine", "--scope", BIG_VS],
        ["check", "VS-machine", "vs_lemma_4_1", "--scope", BIG_VS],
        ["compare", "VS-machine", "WeakVS-machine", "--scope", BIG_VS],
        ["prove", "VS-machine", "vs_lemma_4_1", "--scope", BIG_VS, "--bmc", "12"],
        ["papers"],
        ["refine", "VStoTO-system-label-normal", "TO-machine", "--scope", "view_ids=3", "--no-inclusion"],
    ],
    ids=["explore", "check", "compare", "prove", "papers", "refine"],
)
def test_other_commands_interrupted_exit_3_without_traceback(argv):
    code, out, err = interrupted(argv, delay=3.0)
    assert code == 3, (out[-2000:], err[-2000:])
    assert "INCOMPLETE" in out + err
    assert "Traceback" not in err


def test_trace_interrupted_exit_3(tmp_path):
    n = 600_000  # about 7 s of checking: 150,000 took 1.8 s, too close to the 2 s before the signal
    path = tmp_path / "long.jsonl"
    header = {"format": "ioakit-trace", "version": 1, "automaton": "TO-machine"}
    header["scope"] = {"processors": 1, "values": 1, "max_inputs": n}
    lines = [json.dumps(header)]
    bcast = json.dumps({"action": "bcast", "kind": "input", "args": {"a": "a1", "p": "p1"}})
    brcv = json.dumps({"action": "brcv", "kind": "output", "args": {"a": "a1", "p": "p1", "q": "p1"}})
    lines += [bcast, brcv] * n
    Path(path).write_text("\n".join(lines) + "\n")
    code, out, err = interrupted(["trace", str(path)], delay=2.0)
    assert code == 3, (out[-2000:], err[-2000:])
    assert "INCOMPLETE" in out + err and "Traceback" not in err
