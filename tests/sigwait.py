"""Waiting for an ``ioakit`` subprocess to be ready for a signal (shared by the real-signal tests:
``tests/ioakit/test_sigint.py``, ``tests/ioakit/test_full_disk.py``). ``tests`` is on pytest's
``pythonpath``, so test modules import this as ``sigwait``."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path


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
