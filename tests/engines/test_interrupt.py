"""Ctrl-C during a long exploration reports what was explored, as INCOMPLETE."""

from __future__ import annotations

from ioakit.engines.explore import Explorer, Property, Verdict, properties_from
from ioakit.registry import get_spec
from ioakit.specs.fls.lemmas import TO_FACTS


def _interrupt_after(monkeypatch, m, calls_before: int, states_in_last: int | None):
    """Make the generated layer raise KeyboardInterrupt in its call number ``calls_before + 1``,
    after expanding ``states_in_last`` states of that call's frontier (all when None), as a real
    Ctrl-C would: the states it found are in ``seen`` and ``new`` but were never returned."""
    compiled = m.compiled()
    real = compiled.layer
    calls = {"n": 0}

    def interrupting(frontier, seen, new, cap):
        calls["n"] += 1
        if calls["n"] > calls_before:
            real(frontier[:states_in_last], seen, new, cap)
            raise KeyboardInterrupt
        return real(frontier, seen, new, cap)

    monkeypatch.setattr(compiled, "_layer", interrupting)  # machines are cached: restore after the test


def test_keyboard_interrupt_gives_incomplete_report(monkeypatch):
    m = get_spec("TO-machine").build({"processors": 3, "values": 2, "max_inputs": 4})
    _interrupt_after(monkeypatch, m, 8, 50)
    r = Explorer(m).run()
    assert r.verdict is Verdict.INCOMPLETE
    assert not r.complete and r.reason == "interrupted (Ctrl-C)"
    assert 1000 < r.states < 294_579
    assert r.to_json()["complete"] is False


def test_states_found_before_the_interrupt_are_checked(monkeypatch):
    """A violation first reached inside the interrupted call is still reported, with its path."""
    m = get_spec("TO-machine").build({"processors": 3, "values": 2, "max_inputs": 4})
    three_in_queue = Property("queue shorter than 3", m.predicate(lambda s: s.queue.length < 3))
    full = Explorer(m).check([three_in_queue]).run()
    assert full.verdict is Verdict.VIOLATED
    depth = len(full.results[0].counterexample)
    # layers up to depth 6 fit in one call each: interrupt the call that finds the depth-``depth`` states
    _interrupt_after(monkeypatch, m, depth - 1, None)
    r = Explorer(m).check([three_in_queue]).run()
    assert not r.complete and r.reason == "interrupted (Ctrl-C)"
    assert r.verdict is Verdict.VIOLATED
    cex = r.results[0].counterexample
    assert len(cex) == depth and len(cex.final[0]) == 3


def test_interrupt_inside_the_scan_generation_still_reports(monkeypatch):
    """Regression (found by the real-signal test under load): Ctrl-C landing while the checks'
    scan was being generated left no scan, and the report's pass over the interrupted chunk
    failed an assertion (``ioakit check``: an internal error, exit 4, instead of INCOMPLETE)."""
    import ioakit.engines.explore as explore

    real = explore.compile_scan
    calls = {"n": 0}

    def interrupted_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(explore, "compile_scan", interrupted_once)
    m = get_spec("TO-machine").build({})  # 2,065 states: the scan is generated after the first 2,048
    props = properties_from(m, TO_FACTS)
    r = Explorer(m).check(props).run()
    assert calls["n"] >= 2  # interrupted once, generated again for the report's last pass
    assert r.verdict is Verdict.INCOMPLETE and r.reason == "interrupted (Ctrl-C)"
    assert all(res.verdict is not Verdict.VIOLATED for res in r.results)
