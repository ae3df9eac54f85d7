"""Ctrl-C during a long exploration reports what was explored (design.md §3), as INCOMPLETE."""

from __future__ import annotations

from ioakit.specs.explore import Explorer, Verdict
from ioakit.specs.machines import get_spec


def test_keyboard_interrupt_gives_incomplete_report(monkeypatch):
    m = get_spec("TO-machine").build({"processors": 3, "values": 2, "max_inputs": 4})
    calls = {"n": 0}
    real = m.compiled().successors

    def interrupting(s):
        calls["n"] += 1
        if calls["n"] == 5000:
            raise KeyboardInterrupt
        return real(s)

    monkeypatch.setattr(m.compiled(), "successors", interrupting)
    r = Explorer(m).run()
    assert r.verdict is Verdict.INCOMPLETE
    assert not r.complete and r.reason == "interrupted (Ctrl-C)"
    assert 5000 < r.states < 294_579
    assert r.to_json()["complete"] is False
