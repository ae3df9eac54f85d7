"""Ctrl-C during a long exploration reports what was explored, as INCOMPLETE."""

from __future__ import annotations

from typing import Any

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


def _to_table_parts() -> tuple[Any, list[Property]]:
    m = get_spec("TO-machine").build({})
    return m, properties_from(m, TO_FACTS)


def test_lemma_table_interrupted_in_a_row_keeps_the_rows_completed(monkeypatch):
    """Ctrl-C in the second row's Z3 query: the first row stays, the second is marked
    interrupted, the verdict is INCOMPLETE and no Z3 query is made after the interrupt."""
    from ioakit.engines.prove import Prover
    from ioakit.engines.table import lemma_table

    m, props = _to_table_parts()
    assert len(props) == 2 and lemma_table(m, props, bmc_depth=2).verdict is Verdict.OK
    calls: list[str] = []
    real = Prover.minimal_support

    def support(self: Prover, all_props: Any, p: Property) -> Any:
        calls.append(p.name)
        if calls.count("alone") == 2:  # the second row's
            raise KeyboardInterrupt
        return real(self, all_props, p)

    monkeypatch.setattr(Prover, "minimal_support", support)
    monkeypatch.setattr(Prover, "inductive_alone", _counting(Prover.inductive_alone, calls))
    t = lemma_table(m, props, bmc_depth=2)
    assert calls == ["alone", props[0].name, "alone", props[1].name]  # nothing after the interrupt
    assert t.verdict is Verdict.INCOMPLETE and t.interrupted == f"row 2/2 ({props[1].name})"
    assert [r.name for r in t.rows] == [props[0].name] and [r.name for r in t.interrupted_rows] == [props[1].name]
    assert t.conjunction is Verdict.OK and t.bmc_run and t.conjunction_run
    assert "not decided" not in t.to_markdown()  # the conjunction was proved before the interrupt
    text = t.to_markdown()
    assert "**Interrupted (Ctrl-C)** during row 2/2" in text and "1 of 2 rows completed" in text
    assert text.splitlines()[-1].endswith("| holds | interrupted | interrupted | — | interrupted |")
    j = t.to_json()
    assert j["verdict"] == "INCOMPLETE" and j["interrupted"] is True and j["complete"] is False
    assert [r["name"] for r in j["interrupted_rows"]] == [props[1].name] and len(j["rows"]) == 1
    from ioakit.junit import suites_for
    from ioakit.results import SimpleReport

    (suite,) = suites_for(SimpleReport(t.verdict, j, text, parts=(t,)), "prove")  # as `prove --table --junit`
    assert (props[1].name, Verdict.INCOMPLETE) in [(c.name, c.verdict) for c in suite.cases]


def _counting(real: Any, calls: list[str]) -> Any:
    def counted(self: Any, p: Property) -> Any:
        calls.append("alone")
        return real(self, p)

    return counted


def test_lemma_table_interrupted_in_the_induction_keeps_a_violation_found(monkeypatch):
    """A violation exploration found before the interrupt keeps the table VIOLATED; the
    conjunction is not decided and every row is marked interrupted."""
    from ioakit.engines.prove import Prover
    from ioakit.engines.table import lemma_table

    m, props = _to_table_parts()
    short = Property("queue shorter than 1", m.predicate(lambda s: s.queue.length < 1))

    def induction(self: Prover, *a: Any, **kw: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(Prover, "induction", induction)
    t = lemma_table(m, [*props, short], bmc_depth=2)
    assert t.interrupted == "induction on the conjunction" and not t.rows and len(t.interrupted_rows) == 3
    assert t.bmc_run and t.conjunction is Verdict.INCOMPLETE and not t.conjunction_run
    assert t.verdict is Verdict.VIOLATED
    assert "**not decided** (interrupted before its proof ended)" in t.to_markdown()
    t = lemma_table(m, props, bmc_depth=2)
    assert t.verdict is Verdict.INCOMPLETE and "0 of 2 rows completed" in t.to_markdown()
