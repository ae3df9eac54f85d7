"""Ctrl-C inside the prover's Z3 work gives a partial report, not nothing: ``Prover.bmc`` and
``Prover.induction`` return their result marked interrupted, with what was established before
the signal (the CLI prints it; ``tests/ioakit/test_sigint.py`` sends real signals to it).

Here the signal is a real SIGINT, raised in this process by a timer while the method runs (the
workloads take 90 s and 4.6 s uninterrupted at this scope; the timer fires after 1 s)."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ioakit.cli import build_machine
from ioakit.engines.explore import Verdict
from ioakit.engines.prove import Outcome, Prover
from ioakit.invariants import load_invariants

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

BIG_VS = "processors=3,initial_members=3,view_ids=3"
LEMMA = Path(__file__).parents[2] / "invariants" / "fls" / "vs_lemma_4_1.inv"


@contextmanager
def sigint_after(seconds: float) -> Iterator[None]:
    """A real SIGINT to this process after ``seconds`` (the timer is cancelled on the way out,
    so a method that returned early cannot be hit later)."""
    previous = signal.signal(signal.SIGALRM, lambda *_: signal.raise_signal(signal.SIGINT))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_interrupted(call: Callable[[], Any], seconds: float = 1.0) -> Any:
    with sigint_after(seconds):
        return call()


def test_bmc_interrupted_reports_the_depths_it_reached() -> None:
    m = build_machine("VS-machine", BIG_VS)
    props = list(load_invariants(LEMMA, m))
    r = run_interrupted(lambda: Prover(m, 60).bmc(props, 12))
    assert r.interrupted and r.interrupted_at is not None and 0 <= r.interrupted_at <= 12
    assert r.verdict is Verdict.UNKNOWN and not r.complete  # never OK after Ctrl-C
    for it in r.items:  # Lemma 4.1 holds: nothing violated, each undecided past what it reached
        assert it.verdict is Verdict.UNKNOWN and it.depth < r.interrupted_at
        assert it.reason is not None and it.reason.startswith(f"interrupted (Ctrl-C) at depth {r.interrupted_at}")
        assert f"no violation in executions of length ≤ {it.depth}" in it.reason
        assert "steps cut off by the scope's bounds were not checked" in it.reason
    j = r.to_json()
    assert j["interrupted"] is True and j["interrupted_at_depth"] == r.interrupted_at and j["verdict"] == "UNKNOWN"
    assert f"interrupted (Ctrl-C) at depth {r.interrupted_at}: a partial report" in r.show()


def test_bmc_interrupted_keeps_the_violation_it_found() -> None:
    """A violation found before Ctrl-C is real (a shortest execution, replayed): it stands, and
    the invariants still being searched are UNKNOWN. The Ctrl-C comes as depth 3 starts (from the
    progress hook, after depth 1 found the violation): a timer could fire before depth 1 was done
    on a loaded machine (seen once in a run of the whole suite beside other tests)."""
    m = build_machine("VS-machine", BIG_VS)
    text = LEMMA.read_text() + (
        '\ninvariant never_sent "false once a message is sent":\n  forall p in P, g in G: pending[p, g] == empty\n'
    )
    props = list(load_invariants(text, m, filename="with_false.inv"))

    def ctrl_c_at_depth_3(k: int, depth: int) -> None:
        if k >= 3:
            raise KeyboardInterrupt

    r = Prover(m, 60).bmc(props, 12, progress=ctrl_c_at_depth_3)
    assert r.interrupted and r.interrupted_at == 3 and r.verdict is Verdict.VIOLATED
    bad = r.item("never_sent")
    assert bad.verdict is Verdict.VIOLATED and bad.trace is not None and bad.replay()
    assert bad.violated_at == 1  # gpsnd from the start state: a shortest execution
    assert all(it.verdict is Verdict.UNKNOWN for it in r.items if it.name != "never_sent")


def test_induction_interrupted_is_unknown_with_what_was_settled() -> None:
    m = build_machine("VS-machine", BIG_VS)
    props = list(load_invariants(LEMMA, m))
    r = run_interrupted(lambda: Prover(m, 60).induction(props), seconds=1.0)
    assert r.interrupted
    assert r.outcome in (Outcome.UNKNOWN, Outcome.NOT_INDUCTIVE) and r.verdict is Verdict.UNKNOWN
    assert all(r.status(it) != "proved" for it in r.items)  # the conjunction was not settled
    assert any(it.reason and "interrupted (Ctrl-C)" in it.reason for it in r.items)
    assert r.to_json()["interrupted"] is True
    assert "interrupted (Ctrl-C): a partial report" in r.show()


def test_a_prover_after_an_interrupt_answers_again() -> None:
    """The interrupt is cleared with the method: the next call on a fresh prover runs to its end."""
    m = build_machine("TO-machine", "")
    props = list(load_invariants(Path(LEMMA).parent / "to_machine.inv", m))
    run_interrupted(lambda: Prover(m, 60).bmc(props, 40), seconds=0.5)
    r = Prover(m, 60).bmc(props, 2)
    assert not r.interrupted and r.verdict is Verdict.OK
