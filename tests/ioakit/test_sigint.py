"""Ctrl-C is a real SIGINT here, and SIGTERM (``kill``, a CI timeout) is handled the same way:
each command runs as a subprocess on a long workload, gets the signal once it has started, and
must end INCOMPLETE (exit 3) within a few seconds — never exit 0 or 1, never a traceback — and
``simulate --record`` must write no trace file after the interrupt."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

BIG_VS = "processors=3,initial_members=3,view_ids=3"


# the most a command may take to stop once signalled: it reports what it has and exits
STOP_WITHIN = 10.0


@dataclass
class Stopped:
    """How a signalled ``ioakit`` process ended."""

    signal: signal.Signals
    code: int
    out: str
    err: str
    seconds: float  # from the signal to the exit


def handles_sigterm(pid: int) -> bool | None:
    """Whether process ``pid`` has a handler for SIGTERM yet (Linux: the SigCgt mask of
    ``/proc/PID/status``); None where that cannot be read."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return None


def wait_until_running(p: subprocess.Popen[str], fallback: float = 3.0) -> None:
    """Wait until ``ioakit.cli.main`` runs the command in ``p`` (its SIGTERM handler is installed:
    imports and argument parsing are done), or ``fallback`` seconds where that cannot be seen."""
    deadline = time.monotonic() + 30
    while p.poll() is None and time.monotonic() < deadline:
        ready = handles_sigterm(p.pid)
        if ready is None:
            time.sleep(fallback)
            return
        if ready:
            return
        time.sleep(0.02)


def stopped(argv: list[str], delay: float = 1.5) -> list[Stopped]:
    """Run ``ioakit ARGV`` twice at once; once each runs its command, wait ``delay`` seconds more
    (time to get into the long work), send SIGINT to one and SIGTERM to the other, and return how
    each ended. SIGTERM is handled as Ctrl-C by ``ioakit.cli.main``."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("IOAKIT_DEBUG", None)
    sigs = (signal.SIGINT, signal.SIGTERM)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "ioakit", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in sigs
    ]
    for p in procs:
        wait_until_running(p)
    time.sleep(delay)
    ends = []
    for p, sig in zip(procs, sigs, strict=True):
        assert p.poll() is None, "the workload ended before the signal: make it longer"
        p.send_signal(sig)
        t0 = time.monotonic()
        out, err = p.communicate(timeout=120)
        ends.append(Stopped(sig, p.returncode, out, err, time.monotonic() - t0))
    return ends


def test_the_readiness_probe_sees_the_handler() -> None:
    """``handles_sigterm`` is what ``stopped`` waits on: false for a process without a handler,
    true once one is installed (so a signal is never sent before ``main`` can report it)."""
    code = (
        "import signal, sys, time; time.sleep(0.3); "
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); time.sleep(5)"
    )
    p = subprocess.Popen([sys.executable, "-c", code])
    try:
        first = handles_sigterm(p.pid)
        if first is None:
            pytest.skip("no /proc/PID/status here")
        assert first is False
        wait_until_running(p)  # type: ignore[arg-type]
        assert handles_sigterm(p.pid) is True
    finally:
        p.terminate()
        p.wait(timeout=10)


def interrupted(argv: list[str], delay: float = 2.0) -> tuple[int, str, str]:
    """Run ``ioakit ARGV``, send SIGINT after ``delay`` seconds, and return (exit status, stdout,
    stderr)."""
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


def assert_stopped_incomplete(ends: list[Stopped]) -> None:
    """Each signal: exit 3, a partial report saying INCOMPLETE, no traceback, promptly."""
    for e in ends:
        tail = (e.signal.name, e.out[-2000:], e.err[-2000:])
        assert e.code == 3, tail
        # INCOMPLETE, or the prover's UNKNOWN with its partial report ("interrupted (Ctrl-C) at depth 4")
        assert "INCOMPLETE" in e.out + e.err or "interrupted (Ctrl-C)" in e.out, tail
        assert "Traceback" not in e.err, tail
        assert e.seconds < STOP_WITHIN, (e.signal.name, e.seconds)


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
    ends = stopped(["simulate", "VS-machine", "--scope", BIG_VS, "--steps", "200", "--runs", "10000000", "--json"])
    assert_stopped_incomplete(ends)
    for e in ends:
        j = json.loads(e.out)
        assert j["verdict"] == "INCOMPLETE" and j["interrupted"] is True and j["complete"] is False, e.signal
        assert 0 < j["runs"] < j["runs_requested"] and j["steps"] > 0


@pytest.mark.parametrize(
    "argv",
    [
        ["explore", "VS-machine", "--scope", BIG_VS],
        ["check", "VS-machine", "vs_lemma_4_1", "--scope", BIG_VS],
        ["compare", "VS-machine", "WeakVS-machine", "--scope", BIG_VS],
        ["prove", "VS-machine", "vs_lemma_4_1", "--scope", BIG_VS, "--bmc", "12"],
        ["papers"],
        ["prove", "VS-machine", "vs_lemma_4_1", "--scope", BIG_VS, "--table"],
        ["refine", "VStoTO-system-label-normal", "TO-machine", "--scope", "view_ids=3", "--no-inclusion"],
    ],
    ids=["explore", "check", "compare", "prove-bmc", "papers", "prove-table", "refine"],
)
def test_other_commands_interrupted_exit_3_without_traceback(argv):
    """SIGINT and SIGTERM alike (two processes at once, so the pair costs the time of one)."""
    assert_stopped_incomplete(stopped(argv))


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
    assert_stopped_incomplete(stopped(["trace", str(path)], delay=1.0))


def test_sigterm_handler_is_restored_after_main():
    """``main`` installs its SIGTERM handler only while a command runs (in-process callers, such
    as tests, keep theirs)."""
    from ioakit.cli import main

    before = signal.getsignal(signal.SIGTERM)
    assert main(["list"]) == 0
    assert signal.getsignal(signal.SIGTERM) is before
